import { Construct } from 'constructs';
import { LogsKey } from '../constructs/logging';
import { BaselineStack, BaselineStackProps, stageRemovalPolicy } from './baseline-stack';

/** Identity: the Cognito user pool (MFA, threat protection, groups as roles), app client and resource server. Stateful. */
export class IdentityStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;

  constructor(scope: Construct, id: string, props: BaselineStackProps) {
    super(scope, id, { ...props, terminationProtection: props.stage.deletionProtection });
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
  }
}
