const base = require('../jest.preset.js')('scripts');

module.exports = {
  ...base,
  // simulate-call's test runs the real server: a fresh PostgreSQL database and Redis prefix per run.
  globalSetup: '<rootDir>/../server/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/../server/test/support/global-teardown.ts',
};
