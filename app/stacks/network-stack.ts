import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LogsKey, SecureVpc } from '../../lib';
import { BaselineStack, BaselineStackProps, stageLogRetention, stageRemovalPolicy } from './baseline-stack';

/** The network: a three-tier VPC with flow logs and private endpoints. Long-lived, rarely changed. */
export class NetworkStack extends BaselineStack {
  public readonly network: SecureVpc;
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: BaselineStackProps) {
    super(scope, id, props);
    const logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
    this.network = new SecureVpc(this, 'Vpc', {
      availabilityZones: this.stage.availabilityZones,
      natGateways: this.stage.natGateways,
      ...(this.stage.endpointAzs !== undefined ? { interfaceEndpointAzs: this.stage.endpointAzs } : {}),
      logsKey: logsKey.key,
      flowLogRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
    });
    this.vpc = this.network.vpc;
  }
}
