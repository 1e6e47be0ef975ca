const base = require('../jest.preset.js')('e2e');

module.exports = {
  ...base,
  // Builds the dashboard and the PWA when stale (their own build functions), and gives this run a
  // database and Redis prefix of its own: NinjaOne settings are global and every server consumes
  // the tickets queue, so another project's servers must not see this test's ticket.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
