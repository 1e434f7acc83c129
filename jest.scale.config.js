/** @type {import('jest').Config} */
// npm run test:scale — the scale-out deployment as processes: a multi-service Temporal server on PostgreSQL, the
// catalog on PostgreSQL, 2 APIs and 3 workers on one DATA_DIR. One file, run in band: the scenarios share one
// deployment and one machine, and the table is printed at the end.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/scale'],
  testMatch: ['**/*.scale.ts'],
  globalSetup: '<rootDir>/test/scale/global-setup.ts',
  testTimeout: 900_000,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};
