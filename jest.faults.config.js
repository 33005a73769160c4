/**
 * The attack-and-fault suite (`npm run test:faults`): test/faults/**, one tally across all workers, printed as one
 * closing line by test/faults/summary.ts. Kept out of the main run (jest.config.js ignores /test/faults/) because
 * it starts processes, kills them and fills disks.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/faults/setup.ts',
  globalTeardown: '<rootDir>/test/faults/summary.ts',
  testTimeout: 120000,
};
