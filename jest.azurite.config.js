/** The Azurite-backed tests, in a jest run of their own (see jest.config.js for why). */
const base = require('./jest.config');

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  roots: base.roots,
  testMatch: ['<rootDir>/test/store/blob*.test.ts', '<rootDir>/test/store/factory*.test.ts', '<rootDir>/test/scaleout/**/*.test.ts'],
  testTimeout: 120000,
};
