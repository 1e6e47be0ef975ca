// Shared jest settings for the TypeScript packages: swc transpiles (fast on 2 cores), `tsc -b`
// type-checks separately, and @cwn/* imports resolve to their sources so no build is needed first.
const path = require('node:path');

/** @param {string} name the project's display name */
module.exports = (name) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: false },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@cwn/protocol$': path.join(__dirname, 'protocol/src/index.ts'),
    '^@cwn/ninjaone-sim$': path.join(__dirname, 'simulators/ninjaone/src/index.ts'),
    '^@cwn/fake-3cx$': path.join(__dirname, 'simulators/fake-3cx/src/index.ts'),
    '^@cwn/whisper-api-sim$': path.join(__dirname, 'simulators/whisper-api/src/index.ts'),
    '^@cwn/test-support/(.*)$': path.join(__dirname, 'test-support/src/$1'),
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
});
