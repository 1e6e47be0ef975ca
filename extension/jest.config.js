const base = require('../jest.preset.js')('extension');

module.exports = {
  ...base,
  // The end-to-end test runs the real server: a fresh PostgreSQL database and Redis prefix per run.
  globalSetup: '<rootDir>/../server/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/../server/test/support/global-teardown.ts',
};
