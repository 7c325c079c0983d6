import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { App, CfnResource, CloudFormationValidatePlugin, Stack } from 'aws-cdk-lib';
import { buildTestApp, projectApp } from '../helpers/baseline';
import { CDK_VALIDATION, childProcessEnv, validatedApp } from '../helpers/builtin-validation';
import { validationReport } from '../helpers/compliance';

/**
 * Where the tests run aws-cdk-lib's built-in template validator (test/helpers/builtin-validation.ts): not in an App that
 * does not ask for it, always in an app with the project's context, and in every child process as users run it.
 */

/** A stack with one resource the validator refuses: a queue whose VisibilityTimeout is not a number. */
function withInvalidQueue(app: App): App {
  new CfnResource(new Stack(app, 'Invalid', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Queue', {
    type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'soon' },
  });
  return app;
}

interface PluginOutcome { pluginName: string; conclusion: string; severities: string[] }

/** Each plugin of the validation report of a synthesized app, with the severity of each finding; undefined when it wrote none. */
function reportedPlugins(app: App): PluginOutcome[] | undefined {
  const directory = app.synth().directory;
  if (!existsSync(join(directory, 'validation-report.json'))) return undefined;
  return validationReport(directory).pluginReports
    .map(({ pluginName, conclusion, violations }) => ({ pluginName, conclusion, severities: violations.map((v) => v.severity ?? '') }));
}

describe("aws-cdk-lib's built-in validator in the tests", () => {
  test('a test App that does not ask for it runs no validator: the invalid template synthesizes and no report is written', () => {
    expect(process.env[CDK_VALIDATION]).toBe('false');
    expect(reportedPlugins(withInvalidQueue(new App()))).toBeUndefined();
  });

  test('an App that asks for it reports what `cdk synth` reports without the project\'s flag: the same plugin, the finding as a warning', () => {
    expect(reportedPlugins(withInvalidQueue(validatedApp()))).toEqual([{ pluginName: CloudFormationValidatePlugin.PLUGIN_NAME, conclusion: 'success', severities: ['warning'] }]);
  });

  test('an app with the project\'s context fails synth on the invalid template, as `cdk synth` does under the project\'s flag', () => {
    const app = withInvalidQueue(projectApp({ baseline: undefined, 'aws:cdk:bundling-stacks': [] }));
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    expect(() => app.synth()).toThrow(/VisibilityTimeout[\s\S]*CloudFormation Validate/);
  });

  test('the reference app built by buildTestApp is validated, and the validator finds nothing', () => {
    const { app } = buildTestApp({ stages: ['dev'] });
    expect(reportedPlugins(app)).toEqual([{ pluginName: CloudFormationValidatePlugin.PLUGIN_NAME, conclusion: 'success', severities: [] }]);
  });

  test('the switch is the test file\'s own: a child started with the default environment, or with childProcessEnv(), does not get it', () => {
    const probe = "process.stdout.write(JSON.stringify(process.env.CDK_VALIDATION ?? null))";
    const inherited = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout;
    const copied = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: childProcessEnv({ EXTRA: '1' }) }).stdout;
    expect(inherited).not.toBe('"false"');
    expect(copied).toBe(inherited);
    expect(childProcessEnv({ EXTRA: '1' }).EXTRA).toBe('1');
  });
});
