const base = require('../jest.preset.js')('pwa');

module.exports = {
  ...base,
  // idb ships ES modules only: let swc turn it into CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(idb)/)'],
  // The server's database/Redis setup (browser tests log in against the real server), then a Vite
  // build of the app when its sources are newer than the last one.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/../test-support/src/global-teardown.ts',
};
