const base = require('../jest.preset.js')('nuxt-dashboard');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/app/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  // Builds the app when its sources changed since the last build, and gives these browser tests a
  // database and Redis prefix of their own (their counters must not see other packages' calls).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
