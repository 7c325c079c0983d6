// @ts-check
/**
 * The test files' environment (jest.config.js `testEnvironment`): jest's Node environment, plus one aws-cdk-lib built-in
 * template validator per jest worker, for the apps whose validation counts (test/helpers/builtin-validation.ts).
 *
 * Starting the validator's engine costs 1 to 2 s of CPU and an instance of its WebAssembly module. aws-cdk-lib keeps one
 * instance per process and reuses its engine for every app; in jest each test file has its own module registry, so an
 * instance made inside a test file served only that file. This one is made with the worker's own aws-cdk-lib (the same
 * package the tests load), once, when a test file first asks for it, and serves every test file of the worker: the same
 * plugin class and defaults as `cdk synth`'s, and aws-cdk-lib reports, acknowledges and fails on its findings in the test
 * file as it does for any registered plugin.
 */
const { TestEnvironment } = require('jest-environment-node');

/** The global key under which a test file finds the worker's validator (a function, so nothing loads until asked). */
const SHARED_VALIDATOR = Symbol.for('aws-security-baseline.test.sharedCloudFormationValidator');

/** @type {import('aws-cdk-lib').CloudFormationValidatePlugin | undefined} */
let validator;

class BaselineTestEnvironment extends TestEnvironment {
  /** @param {ConstructorParameters<typeof TestEnvironment>} args */
  constructor(...args) {
    super(...args);
    this.global[SHARED_VALIDATOR] = () => (validator ??= new (require('aws-cdk-lib').CloudFormationValidatePlugin)());
  }
}

module.exports = BaselineTestEnvironment;
