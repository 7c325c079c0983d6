import { Template, Match } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { loadConfig, parseConfig } from '../../lib/config';
import { buildPipeline, PipelineStack } from '../../lib/stacks/pipeline-stack';
import { exampleBaselineConfig, exampleContext } from '../helpers/baseline';
import { formatFindings, ruleFindings } from '../helpers/compliance';

function pipelineApp(): { app: App; pipeline: PipelineStack } {
  const baseline = exampleBaselineConfig();
  baseline.pipeline = { ...baseline.pipeline, enabled: true, account: '111111111111' };
  baseline.stages.dev.account = '222222222222';
  baseline.stages.prod.account = '333333333333';
  const app = new App({ context: { ...exampleContext(), baseline, 'aws:cdk:bundling-stacks': [] } });
  return { app, pipeline: buildPipeline(app, loadConfig(app))! };
}

describe('delivery pipeline (optional, off by default)', () => {
  test('is off in the example configuration', () => {
    const app = new App({ context: { ...exampleContext(), 'aws:cdk:bundling-stacks': [] } });
    expect(buildPipeline(app, loadConfig(app))).toBeUndefined();
  });

  describe('when enabled', () => {
    const { app, pipeline } = pipelineApp();
    const template = Template.fromStack(pipeline, { skipCyclicalDependenciesCheck: true });

    test('deploys dev then prod to their own accounts, with a manual approval before prod', () => {
      const stages = template.findResources('AWS::CodePipeline::Pipeline');
      const [definition] = Object.values<any>(stages);
      const names: string[] = definition.Properties.Stages.map((s: { Name: string }) => s.Name);
      expect(names).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'dev', 'prod']);
      const prod = definition.Properties.Stages.find((s: { Name: string }) => s.Name === 'prod');
      const dev = definition.Properties.Stages.find((s: { Name: string }) => s.Name === 'dev');
      expect(prod.Actions.some((a: any) => a.ActionTypeId.Category === 'Approval')).toBe(true);
      expect(dev.Actions.some((a: any) => a.ActionTypeId.Category === 'Approval')).toBe(false);
      expect(JSON.stringify(dev)).toContain('222222222222');
      expect(JSON.stringify(prod)).toContain('333333333333');
    });

    test('the synth step runs the tests and a synth with every rule pack; integration tests run after each stage', () => {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { BuildSpec: Match.stringLikeRegexp('npm test[\\s\\S]*npx cdk synth') },
      });
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { BuildSpec: Match.stringLikeRegexp('integ-runner --directory test/integ') },
      });
    });

    test('artifacts are encrypted with a rotating customer-managed key, in a bucket with access logs', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      });
    });

    test('passes every rule pack', () => {
      expect(formatFindings(ruleFindings(pipeline))).toBe('');
      expect(app.node.findAll().length).toBeGreaterThan(0);
    });
  });

  test('fails if a stage has no account when the pipeline is enabled', () => {
    const baseline = exampleBaselineConfig();
    baseline.pipeline = { ...baseline.pipeline, enabled: true };
    expect(() => parseConfig(baseline)).toThrow(/baseline\.stages\.dev\.account = \(missing\): is required when the pipeline is enabled/);
  });
});
