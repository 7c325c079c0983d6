/** @type {import('jest').Config} */
module.exports = {
  // jest's Node environment with one aws-cdk-lib template validator per worker (test/helpers/test-environment.js).
  testEnvironment: '<rootDir>/test/helpers/test-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': '<rootDir>/test/helpers/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  // CDK synth is CPU-bound; CI has 2 cores.
  maxWorkers: 2,
  // The longest files first, the packed-consumer test after the language test has started the shared build.
  testSequencer: '<rootDir>/test/helpers/sequencer.js',
  // Provides the local services the tests start (redis-server), once, before any test: see test/integration/services.ts.
  globalSetup: '<rootDir>/test/global-setup.ts',
  // aws-cdk-lib's built-in template validator only where its findings count (test/helpers/builtin-validation.ts).
  setupFiles: ['<rootDir>/test/helpers/setup-validation.ts'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  watchman: false,
  // Real servers (PostgreSQL, Redis, loopback HTTP) are stopped in afterAll; a client library's reconnect timer must not hold the run open.
  forceExit: true,
};
