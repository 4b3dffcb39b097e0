// The package test, `npm run test:package`: builds the prebuilt binary, packs the package, installs the
// tarball in a temporary project where no compiler is reachable, and checks what a user gets. It is
// kept out of `npm test` (jest.config.js ignores this folder) since it builds and installs; CI runs it.
const base = require('../../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/package'],
  testPathIgnorePatterns: ['/node_modules/'],
  // The default global setup sets BLASNET_ADDON=build for the unit suites; the installed package must be
  // found the way a user's process finds it, so none here (the test builds each child's env itself).
  globalSetup: undefined,
  verbose: true,
};
