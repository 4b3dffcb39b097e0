/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `tsc --noEmit` in `npm test`; with isolatedModules (tsconfig.json) ts-jest only
  // transpiles each file, which keeps jest fast.
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 120000,
};
