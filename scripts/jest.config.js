const base = require('../jest.preset.js')('scripts');

module.exports = {
  ...base,
  // simulate-call's test runs the real server: a fresh PostgreSQL database and Redis prefix per run.
  globalSetup: '<rootDir>/../test-support/src/global-setup.ts',
  globalTeardown: '<rootDir>/../test-support/src/global-teardown.ts',
};
