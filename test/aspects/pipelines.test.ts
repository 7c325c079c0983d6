import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { App, AspectPriority, Aspects, Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { synthError } from './helpers';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** The application a pipeline deploys: a key without rotation and a log group kept one day (two findings). */
class Application extends Stage {
  constructor(scope: Construct, id: string, props: StageProps & { readonly withBaseline: boolean }) {
    super(scope, id, props);
    // The documented way: attach the App's baseline when the Stage is created.
    if (props.withBaseline) SecurityBaseline.applyToStage(this);
    const stack = new Stack(this, 'Service');
    new kms.CfnKey(stack, 'Key', {});
    new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 1 });
  }
}

/** A pipeline stack written as the CDK Pipelines examples write it: stages are added in the constructor. */
class PipelineStack extends Stack {
  public readonly stages: Stage[] = [];
  constructor(scope: Construct, id: string, props: { readonly withBaseline: boolean; readonly wave?: boolean }) {
    super(scope, id, { env: ENV });
    const pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.connection('example/app', 'main', { connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/x' }),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    const prod = new Application(this, 'Prod', { env: ENV, withBaseline: props.withBaseline });
    this.stages.push(prod);
    if (props.wave) pipeline.addWave('Wave').addStage(prod);
    else pipeline.addStage(prod);
  }
}

function pipelineApp(options: { withBaseline: boolean; wave?: boolean; mode?: SecurityBaselineMode; baselineAfter?: boolean }) {
  const app = new App();
  const baseline = new SecurityBaseline({ mode: options.mode ?? SecurityBaselineMode.REPORT, disabledControls: ['LOGS2'] });
  const add = () => Aspects.of(app).add(baseline, { priority: AspectPriority.MUTATING });
  if (!options.baselineAfter) add();
  const stack = new PipelineStack(app, 'Delivery', options);
  if (options.baselineAfter) add();
  return { app, baseline, stack };
}

describe('CDK Pipelines: a pipeline that adds its stages in the constructor', () => {
  test('with SecurityBaseline.applyToStage in the Stage\'s constructor, the stage\'s findings fail synth', () => {
    const { app, baseline } = pipelineApp({ withBaseline: true });
    const error = synthError(app);
    expect(error?.message).toContain('Delivery/Prod/Service/Key: EnableKeyRotation = not set.');
    expect(error?.message).toContain('Delivery/Prod/Service/Logs: RetentionInDays = 1.');
    expect(baseline.findings.map((f) => f.path).filter((p) => p.startsWith('Delivery/Prod/')).sort()).toEqual(['Delivery/Prod/Service/Key', 'Delivery/Prod/Service/Logs']);
  });

  test('the same through a wave (wave.addStage)', () => {
    const { app } = pipelineApp({ withBaseline: true, wave: true });
    expect(synthError(app)?.message).toContain('Delivery/Prod/Service/Key: EnableKeyRotation = not set.');
  });

  test('in fix mode the stage\'s template the pipeline deploys carries the fixed values', () => {
    const { app, baseline } = pipelineApp({ withBaseline: true, mode: SecurityBaselineMode.FIX });
    // The pipeline stack's own findings fail synth after the templates are written; the stage's template is the one the pipeline deploys.
    synthError(app);
    const directory = join(app.outdir, 'assembly-Delivery-Prod');
    const file = readdirSync(directory).find((f) => f.endsWith('.template.json'))!;
    const template = JSON.parse(readFileSync(join(directory, file), 'utf8'));
    expect(template.Resources.Key.Properties.EnableKeyRotation).toBe(true);
    expect(template.Resources.Logs.Properties.RetentionInDays).toBe(365);
    expect(baseline.changes.map((c) => c.path).filter((p) => p.startsWith('Delivery/Prod/')).sort()).toEqual(['Delivery/Prod/Service/Key', 'Delivery/Prod/Service/Logs']);
  });

  test('fails synth, naming the Stage and the fix, when the stage was synthesized without the baseline (Aspect on the App only)', () => {
    const { app } = pipelineApp({ withBaseline: false });
    const error = synthError(app);
    expect(error?.message).toContain('SecurityBaseline: the Stage Delivery/Prod was synthesized without a SecurityBaseline, so none of its resources was judged');
    expect(error?.message).toContain('Fix: call SecurityBaseline.applyToStage(this) in the Stage\'s constructor');
  });

  test('fails synth when the baseline is added to the Stage after the pipeline added it (the way that used to pass silently)', () => {
    const { app, stack } = pipelineApp({ withBaseline: false });
    const late = new SecurityBaseline();
    for (const stage of stack.stages) Aspects.of(stage).add(late);
    expect(synthError(app)?.message).toContain('the Stage Delivery/Prod was synthesized without a SecurityBaseline');
    expect(late.findings).toEqual([]);
  });

  test('fails when the Stage asks for the App\'s baseline before the App has one, naming the fix', () => {
    expect(() => pipelineApp({ withBaseline: true, baselineAfter: true })).toThrow(
      /Delivery\/Prod: SecurityBaseline.applyToStage found no SecurityBaseline on the App or any scope above the Stage\. Fix: add it to the App before creating the stack/);
  });
});

describe('nested Stages outside pipelines', () => {
  test('a Stage synthesized by hand before the Aspect was added fails synth instead of passing unchecked', () => {
    const app = new App();
    const stage = new Stage(app, 'Early');
    new kms.CfnKey(new Stack(stage, 'Data'), 'Key', {});
    stage.synth();
    const baseline = new SecurityBaseline();
    Aspects.of(app).add(baseline);
    Aspects.of(stage).add(baseline);
    expect(synthError(app)?.message).toContain('the Stage Early was synthesized without a SecurityBaseline');
  });

  test('a Stage that only holds stacks the baseline should not judge: add the baseline to the judged stacks instead; synth passes', () => {
    const app = new App();
    const judged = new Stack(app, 'Judged');
    new kms.CfnKey(judged, 'Key', { enableKeyRotation: true });
    new kms.CfnKey(new Stack(new Stage(app, 'Elsewhere'), 'Other'), 'Key', {});
    Aspects.of(judged).add(new SecurityBaseline());
    expect(synthError(app)).toBeUndefined();
  });

  test('an empty Stage (no resource in it, nothing went unjudged) does not fail synth; the same Stage with a resource does', () => {
    const build = (withResource: boolean) => {
      const app = new App();
      const stage = new Stage(app, 'Prod');
      if (withResource) new kms.CfnKey(new Stack(stage, 'Data'), 'Key', {});
      new kms.CfnKey(new Stack(app, 'S'), 'Key', { enableKeyRotation: true });
      Aspects.of(app).add(new SecurityBaseline());
      return app;
    };
    expect(synthError(build(false))).toBeUndefined();
    expect(synthError(build(true))?.message).toContain('the Stage Prod was synthesized without a SecurityBaseline');
  });

  test('a baseline added to a stack inside the Stage counts as judging the Stage', () => {
    const app = new App();
    const data = new Stack(new Stage(app, 'Prod'), 'Data');
    new kms.CfnKey(data, 'Key', {});
    Aspects.of(app).add(new SecurityBaseline());
    Aspects.of(data).add(new SecurityBaseline());
    expect(synthError(app)?.message).toContain('Prod/Data/Key: EnableKeyRotation = not set.');
  });
});
