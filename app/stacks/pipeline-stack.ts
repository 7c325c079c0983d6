import { CfnResource, Duration, RemovalPolicy, Stack, StackProps, Stage, StageProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as pipelines from 'aws-cdk-lib/pipelines';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Acknowledgements } from '../../lib';
import { buildStage, StageStacks } from './stage';
import { BaselineConfig, PipelineConfig, StageConfig } from '../config';
import { denyGrantsExceptForAwsServices } from '../../lib/internal/key-policy';

/** Props of {@link BaselineStage}. */
export interface BaselineStageProps extends StageProps {
  readonly config: BaselineConfig;
  readonly stage: StageConfig;
}

/**
 * Exact versions of the tools CDK Pipelines installs in its generated steps (`npm install -g`): the CDK CLI (the
 * lockfile's `aws-cdk`; a test keeps them equal) and `cdk-assets`. Unset, the pipeline would install whatever the
 * registry serves as latest and run it with the deployment roles.
 */
export const PIPELINE_TOOL_VERSIONS = Object.freeze({ cdkCli: '2.1148.1', cdkAssets: '4.7.3' });

/** One deployment stage of the baseline (its four stacks) as a CDK Pipelines `Stage`. */
export class BaselineStage extends Stage {
  public readonly stacks: StageStacks;

  constructor(scope: Construct, id: string, props: BaselineStageProps) {
    super(scope, id, { env: props.env ?? { account: props.stage.account, region: props.stage.region } });
    this.stacks = buildStage(this, props.config, props.stage, { idPrefix: '' });
  }
}

/** Props of {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  readonly config: BaselineConfig;
  readonly pipeline: PipelineConfig;
}

/**
 * Multi-account delivery with CDK Pipelines: synthesizes with every rule pack and runs
 * the tests, then deploys each stage in order to its own account and region, with a
 * manual approval before any stage that has deletion protection (prod), and the
 * integration tests after each deploy.
 */
export class PipelineStack extends Stack {
  public readonly pipeline: pipelines.CodePipeline;
  public readonly stages: BaselineStage[] = [];

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, {
      env: { account: props.pipeline.account, region: props.pipeline.region },
      description: `${props.config.projectName}: delivery pipeline (${props.pipeline.repository}@${props.pipeline.branch})`,
      terminationProtection: true,
    });
    Tags.of(this).add('project', props.config.projectName);

    const accessLogs = this.accessLogsConfiguration();
    this.artifactAccessLogs = accessLogs;
    const source = pipelines.CodePipelineSource.connection(props.pipeline.repository, props.pipeline.branch, {
      connectionArn: props.pipeline.connectionArn,
      triggerOnPush: true,
    });

    const artifactBucket = this.artifactBucketConfiguration(accessLogs);
    this.pipeline = this.pipelineConfiguration(props, source, artifactBucket);
    for (const stage of props.config.stages) this.addDeployStage(props.config, stage);
    this.pipeline.buildPipeline();
    acknowledgePipelineInternals(this.pipeline, artifactBucket, accessLogs);
  }

  /** The bucket for the artifact bucket's server access logs (SSE-S3: the only encryption log delivery supports). */
  private accessLogsConfiguration(): s3.Bucket {
    return new s3.Bucket(this, 'ArtifactAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The artifact bucket, encrypted with its own rotated key that only AWS resources may be granted. */
  private artifactBucketConfiguration(accessLogs: s3.Bucket): s3.Bucket {
    const artifactKey = new kms.Key(this, 'ArtifactKey', {
      description: 'Pipeline artifacts (shared with the stage accounts\' deploy roles)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsServices(artifactKey);
    return new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: artifactKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The pipeline: synth runs every rule pack and the tests; pinned tool versions for the self-mutation and asset steps. */
  private pipelineConfiguration(props: PipelineStackProps, source: pipelines.CodePipelineSource, artifactBucket: s3.Bucket): pipelines.CodePipeline {
    return new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: `${props.config.projectName}-delivery`,
      artifactBucket,
      dockerEnabledForSynth: false,
      // The self-mutation and asset-publishing steps install these globally with powerful roles: exact versions, never "latest".
      cliVersion: PIPELINE_TOOL_VERSIONS.cdkCli,
      cdkAssetsCliVersion: PIPELINE_TOOL_VERSIONS.cdkAssets,
      selfMutation: true,
      useChangeSets: true,
      synth: new pipelines.ShellStep('Synth', {
        input: source,
        installCommands: ['apt-get update -qq && apt-get install -y -qq redis-server'],
        // Every step runs on the functions' Node.js 24, pinned by .ci/node24's lockfile (.ci/with-node24), never on whatever
        // the build image ships. `.ci/run` is the CI job itself: install, tests, API report, type check, lint, compliance
        // report and the handler tests; then synthesis runs every cdk-nag pack and the Control Tower controls, and any
        // finding fails the build. A failing command fails the step: nothing here is allowed to fail quietly.
        commands: ['.ci/with-node24 bash .ci/run', '.ci/with-node24 npx cdk synth'],
      }),
      codeBuildDefaults: {
        // Every project (synth, self-mutation, asset publishing, integration tests) runs npm with install scripts off,
        // including the generated `npm install -g aws-cdk@<version>` and `cdk-assets@<version>` steps (neither needs
        // one); the project's own installs add `--ignore-scripts` and then run only the approved scripts
        // (.ci/rebuild-approved.mjs, which turns them back on for the packages package.json `allowScripts` approves).
        buildEnvironment: {
          buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.MEDIUM, privileged: false,
          environmentVariables: { NPM_CONFIG_IGNORE_SCRIPTS: { value: 'true' } },
        },
        timeout: Duration.minutes(60),
      },
    });
  }

  /** One stage in order: a manual approval first when it has deletion protection (prod), the integration tests after. */
  private addDeployStage(config: BaselineConfig, stage: StageConfig): void {
    const baselineStage = new BaselineStage(this, stage.name, { config, stage });
    this.stages.push(baselineStage);
    const pre = stage.deletionProtection ? [new pipelines.ManualApprovalStep(`Approve-${stage.name}`, { comment: `Promote to ${stage.name}: review the change sets first.` })] : [];
    this.pipeline.addStage(baselineStage, {
      pre,
      post: [new pipelines.ShellStep(`IntegrationTests-${stage.name}`, {
        // The integration tests (test/integ) deploy nothing: they run their assertions against the stage just deployed.
        // The runner is a pinned devDependency installed from the lockfile; `--no-install` makes npx fail rather than
        // fetch whatever the registry serves and run it with this role. Node.js 24 as in the synth step.
        commands: ['.ci/with-node24 npm ci --ignore-scripts', '.ci/with-node24 node .ci/rebuild-approved.mjs', `.ci/with-node24 npx --no-install integ-runner --directory test/integ --app "npx --no-install tsx {filePath}" --parallel-regions ${stage.region} --force`],
      })],
    });
  }

  /** Bucket for S3 server access logs of the pipeline's artifact bucket. */
  public readonly artifactAccessLogs: s3.Bucket;
}

/**
 * Reasons for the wildcard permissions CDK Pipelines writes into the roles it generates.
 * Each IAM5 finding is matched against these patterns and acknowledged on its own
 * policy; a finding no pattern explains stays unacknowledged and fails synth.
 */
const PIPELINE_WILDCARD_REASONS: [RegExp, string][] = [
  [/^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/, 'CDK Pipelines grants read/write on the pipeline\'s own artifact bucket; the wildcard actions are the S3 grantReadWrite action groups, and the resources are that bucket and its objects only.'],
  [/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/, 'CDK Pipelines lets its roles encrypt and decrypt artifacts with the pipeline\'s artifact key; the wildcard actions are the KMS encrypt/decrypt action groups on that one key.'],
  [/^Resource::<Artifacts[A-Za-z0-9]+\.Arn>\/\*$/, 'Object-level access to the pipeline\'s own artifact bucket: artifact object keys are generated per execution, so they cannot be listed in advance.'],
  [/^Resource::arn:[^:]+:codebuild:[^:]+:\d{12}:report-group\/.*\*$/, 'CodeBuild report groups are named per build project and run at execution time; the wildcard is limited to this project\'s report-group prefix in this account and region.'],
  [/^Resource::arn:[^:]+:logs:[^:]+:\d{12}:log-group:\/aws\/codebuild\/.*\*$/, 'CodeBuild writes to log streams created per build under its own /aws/codebuild/<project> log group; stream names are generated at run time.'],
  [/^Resource::arn:\*:iam::\d{12}:role\/\*$/, 'Self-mutation assumes only roles tagged aws-cdk:bootstrap-role (deploy, file-publishing, image-publishing) by condition; the names of the CDK bootstrap roles depend on the qualifier, hence the wildcard.'],
  [/^Resource::\*$/, 'codebuild:StartBuild/BatchGetBuilds/StopBuild for asset publishing and cloudformation:DescribeStacks / s3:ListBucket for self-mutation are issued by CDK Pipelines against resources named at run time in the deployment accounts.'],
];

function acknowledgePipelineInternals(pipeline: pipelines.CodePipeline, artifactBucket: s3.Bucket, accessLogs: s3.Bucket): void {
  for (const node of pipeline.node.findAll()) {
    if (!(node instanceof CfnResource)) continue;
    if (node instanceof iam.CfnPolicy) {
      for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
        Acknowledgements.of(node).add(`${pack}-IAMNoInlinePolicy`, 'Role policy generated by CDK Pipelines from its own grants (artifact bucket, key, CodeBuild logs); it is versioned and reviewed with the pipeline template and changes only through self-mutation.');
      }
      const findings = rules.iam.IAMNoWildcardPermissions(node);
      if (!Array.isArray(findings)) continue;
      for (const finding of findings as string[]) {
        const reason = PIPELINE_WILDCARD_REASONS.find(([pattern]) => pattern.test(finding))?.[1];
        if (reason) Acknowledgements.of(node).add(`AwsSolutions-IAM5[${finding}]`, reason);
      }
    }
    if (node.cfnResourceType === 'AWS::CodeBuild::Project') {
      for (const pack of ['HIPAA.Security', 'PCI.DSS.321']) {
        Acknowledgements.of(node).add(`${pack}-CodeBuildProjectSourceRepoUrl`, 'The project\'s source is the CODEPIPELINE artifact: it has no repository URL and no credentials; the repository is reached through a CodeConnections connection.');
      }
    }
  }
  for (const bucket of [artifactBucket, accessLogs]) {
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
      Acknowledgements.of(bucket).add(`${pack}-S3BucketReplicationEnabled`, 'Pipeline artifacts and their access logs are rebuilt from the source repository on every run; a cross-region replica would protect nothing that cannot be regenerated.');
    }
  }
  for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
    Acknowledgements.of(accessLogs).add(`${pack}-S3DefaultEncryptionKMS`, 'S3 server access log delivery supports only SSE-S3 on the destination bucket, so this log bucket cannot use a KMS key; it blocks public access and enforces TLS.');
  }
}

/** Adds the pipeline stack to the app when the configuration enables it. */
export function buildPipeline(scope: Construct, config: BaselineConfig): PipelineStack | undefined {
  if (!config.pipeline?.enabled) return undefined;
  return new PipelineStack(scope, `${config.projectName}-pipeline`, { config, pipeline: config.pipeline });
}
