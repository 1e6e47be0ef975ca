// One jest run for the whole monorepo: each package is a project, so `npm test` prints one summary.
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    '<rootDir>/protocol',
    '<rootDir>/server',
    '<rootDir>/worker-gpu',
    '<rootDir>/simulators/ninjaone',
    '<rootDir>/simulators/fake-3cx',
    '<rootDir>/simulators/whisper-api',
    '<rootDir>/scripts',
    '<rootDir>/extension',
    '<rootDir>/pwa',
    '<rootDir>/nuxt-dashboard',
    '<rootDir>/e2e',
  ],
  testTimeout: 30000,
  // Slow suites first, also on a runner without jest's cache of past times (scripts/jest-sequencer.js).
  testSequencer: '<rootDir>/scripts/jest-sequencer.js',
};
