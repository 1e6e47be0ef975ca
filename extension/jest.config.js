const base = require('../jest.preset.js')('extension');

module.exports = {
  ...base,
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^@wxt-dev/webextension-polyfill/browser$': '<rootDir>/test/support/extension-api.ts',
  },
  // The transport, auth and end-to-end tests run the real server: PostgreSQL database + Redis prefix.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
