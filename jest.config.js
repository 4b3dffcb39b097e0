/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The package test builds, packs and installs the package: `npm run test:package` (CI runs it).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
  // Type checking is `tsc --noEmit` in `npm test`; with isolatedModules (tsconfig.json) ts-jest only
  // transpiles each file, which keeps jest fast.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // The examples import 'blasnet' as a package user does; in the clone that is lib/ (tsconfig.json's paths).
  moduleNameMapper: { '^blasnet$': '<rootDir>/lib/index.ts' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 120000,
};
