import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LogsKey } from '../constructs/logging';
import { BaselineStack, BaselineStackProps, stageRemovalPolicy } from './baseline-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends BaselineStackProps {
  readonly vpc: ec2.IVpc;
}

/** Stateless edge and API: web ACL, REST API and custom domain, authorizer, handlers, ALB, certificates and DNS records. */
export class ApiStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
  }
}
