/** @type {import('jest').Config} */
// npm run test:fuzz — property-based fuzzing of the API and the parsers; run in band so `global.gc` (node
// --expose-gc) is the test's own, for the memory check.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/fuzz'],
  testMatch: ['**/*.fuzz.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 600_000,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};
