const base = require('../jest.preset.js')('server');

module.exports = {
  ...base,
  // A fresh PostgreSQL database and Redis key prefix per run, created here and dropped after.
  globalSetup: '<rootDir>/../test-support/src/global-setup.ts',
  globalTeardown: '<rootDir>/../test-support/src/global-teardown.ts',
};
