import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LogsKey } from '../constructs/logging';
import { BaselineStack, BaselineStackProps, stageRemovalPolicy } from './baseline-stack';

/** Props of {@link DataStack}. */
export interface DataStackProps extends BaselineStackProps {
  readonly vpc: ec2.IVpc;
}

/**
 * Stateful resources: KMS keys, the database, secrets and the database bootstrap.
 * Termination protection follows the stage's deletion protection; resources are retained or snapshotted.
 */
export class DataStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.stage.deletionProtection });
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
  }
}
