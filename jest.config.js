/**
 * Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles (isolatedModules).
 *
 * Tests that run Azurite in-process live in their own jest run (jest.azurite.config.js): restify patches Node's
 * http.IncomingMessage/ServerResponse prototypes process-wide, and a jest worker that has loaded restify for an
 * earlier test file makes an in-process Azurite answer 400 to everything.
 */
// Keep in step with the testMatch of jest.azurite.config.js.
const AZURITE_TESTS = ['/test/store/blob', '/test/store/factory', '/test/scaleout/'];
// The attack-and-fault suite runs on its own: npm run test:faults (jest.faults.config.js).
const FAULT_TESTS = ['/test/faults/'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...AZURITE_TESTS, ...FAULT_TESTS],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
};
