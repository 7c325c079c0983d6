import { RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BaselineConfig, StageConfig } from '../config';

/** Props every baseline stack takes: the validated configuration and its stage. */
export interface BaselineStackProps extends StackProps {
  readonly config: BaselineConfig;
  readonly stage: StageConfig;
}

/** The removal policy a stage applies to its stateful resources. */
export function stageRemovalPolicy(stage: StageConfig): RemovalPolicy {
  switch (stage.removalPolicy) {
    case 'destroy': return RemovalPolicy.DESTROY;
    case 'snapshot': return RemovalPolicy.SNAPSHOT;
    default: return RemovalPolicy.RETAIN;
  }
}

/** The stage's log retention as the CDK enum. */
export function stageLogRetention(stage: StageConfig): logs.RetentionDays {
  return stage.logRetentionDays as logs.RetentionDays;
}

/** Base class: tags every resource with the project and stage. */
export abstract class BaselineStack extends Stack {
  public readonly config: BaselineConfig;
  public readonly stage: StageConfig;

  protected constructor(scope: Construct, id: string, props: BaselineStackProps) {
    super(scope, id, {
      env: props.env ?? { account: props.stage.account, region: props.stage.region },
      stackName: props.stackName,
      description: props.description,
      terminationProtection: props.terminationProtection,
      crossRegionReferences: props.crossRegionReferences,
      synthesizer: props.synthesizer,
    });
    this.config = props.config;
    this.stage = props.stage;
    Tags.of(this).add('project', props.config.projectName);
    Tags.of(this).add('stage', props.stage.name);
  }
}
