/** Jest runs the suite serially (`maxWorkers: 1`): Temporal test-server time is shared and the machine has 2 cores. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // jose 6 ships ES modules only; Jest's own module loader cannot require() them (on any Node), so it compiles them to CommonJS
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  modulePathIgnorePatterns: ['<rootDir>/lib', '<rootDir>/.tools'],
  maxWorkers: 1,
  // cluster tests last: npm test builds temporal-server in the background while the others run
  testSequencer: '<rootDir>/test/support/sequencer.js',
  testTimeout: 120_000,
  setupFiles: ['<rootDir>/test/support/runtime.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  verbose: true,
};
