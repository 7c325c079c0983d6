import { App, AppProps, CloudFormationValidatePlugin, Validations } from 'aws-cdk-lib';

/**
 * aws-cdk-lib's built-in template validation in the tests.
 *
 * On every synth, aws-cdk-lib validates each template with its built-in CloudFormation validator (a WebAssembly engine,
 * `@aws/cloudformation-validate`): 1 to 2 s to start the engine in each test file, and more for each template. In an App
 * without the `@aws-cdk/core:validateAgainstDefaultRules` flag, its findings, errors included, are downgraded to
 * warnings and printed to the console: no test reads them, and no test fails on them. That was about 40 % of
 * `npm test`'s CPU time (7 Dec 2026: 637 s of CPU with it, 388 s without).
 *
 * So every test file runs with aws-cdk-lib's documented switch `CDK_VALIDATION=false` (jest.config.js `setupFiles`),
 * and the apps whose validation counts register the plugin themselves, which the switch does not turn off:
 * - apps with the project's context (cdk.json: the flag, so findings fail synth), through {@link validateLikeCdkSynth}
 *   (`projectApp` and `buildTestApp` in ./baseline);
 * - tests of the validator's own report (for example the evidence command's).
 *
 * The switch is set in the test file's own `process.env` (jest gives each test file a copy of the worker's
 * environment), so a child process started with the default environment runs as users run it, with the validator.
 * A child started with an environment copied from `process.env` gets {@link childProcessEnv} instead.
 */

/** The variable aws-cdk-lib reads before it registers its built-in validator on an App (`CDK_VALIDATION=false`: not registered). */
export const CDK_VALIDATION = 'CDK_VALIDATION';

/** Where the setup keeps the worker's own value of the switch (on the test file's global, so a module reset keeps it). */
const WORKER_VALUE = Symbol.for('aws-security-baseline.test.workerCdkValidation');
type WithWorkerValue = typeof globalThis & { [WORKER_VALUE]?: { readonly value: string | undefined } };

/** Turns the automatic registration of the built-in validator off for this test file (jest `setupFiles`). */
export function skipAutomaticValidation(): void {
  const global = globalThis as WithWorkerValue;
  global[WORKER_VALUE] ??= { value: process.env[CDK_VALIDATION] };
  process.env[CDK_VALIDATION] = 'false';
}

/** Where the test environment (./test-environment.js) offers the jest worker's one validator. */
const SHARED_VALIDATOR = Symbol.for('aws-security-baseline.test.sharedCloudFormationValidator');
type WithSharedValidator = typeof globalThis & { [SHARED_VALIDATOR]?: () => CloudFormationValidatePlugin };

/**
 * The validator of every app of this test file: the jest worker's one (its engine, 1 to 2 s of CPU to start, serves every
 * app of every test file in the worker, as aws-cdk-lib's own default instance serves a process), or one of the file's
 * own outside that environment.
 */
let plugin: CloudFormationValidatePlugin | undefined;

/**
 * Registers aws-cdk-lib's built-in validator on the app explicitly, as `cdk synth` registers it by default: the same
 * plugin with the same defaults (the CDK's default rules included), one instance for every app, as aws-cdk-lib shares its
 * default instance. The app's synth reports and, with the project's
 * `@aws-cdk/core:validateAgainstDefaultRules` flag, fails exactly as the command's would. Returns the app.
 */
export function validateLikeCdkSynth(app: App): App {
  plugin ??= (globalThis as WithSharedValidator)[SHARED_VALIDATOR]?.() ?? new CloudFormationValidatePlugin();
  Validations.of(app).addPlugins(plugin);
  return app;
}

/** A new App that validates its templates as `cdk synth` does (see {@link validateLikeCdkSynth}). */
export function validatedApp(props: AppProps = {}): App {
  return validateLikeCdkSynth(new App(props));
}

/**
 * An environment for a child process, copied from this test file's `process.env` with the switch as the worker had it:
 * a CDK app the child synthesizes (the packed consumer, the Python and Java apps) runs aws-cdk-lib's built-in validator
 * as it does for users.
 */
export function childProcessEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const saved = (globalThis as WithWorkerValue)[WORKER_VALUE];
  if (saved === undefined) return env; // the setup did not run: process.env is the worker's
  if (saved.value === undefined) delete env[CDK_VALIDATION];
  else env[CDK_VALIDATION] = saved.value;
  return env;
}
