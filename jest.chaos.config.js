/** @type {import('jest').Config} */
// npm run test:chaos — faults injected into the real service (dev server, worker, API as processes); one file, run
// in band: the scenarios share one service and one machine, and the fault table is printed at the end.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.chaos.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  testTimeout: 900_000,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
};
