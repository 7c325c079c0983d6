import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../../internal/acknowledge';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { nagText } from '../../internal/nag-reference';

/** Props of {@link ApiGatewayCloudWatchRole}. */
export interface ApiGatewayCloudWatchRoleProps {
  /**
   * Removal policy of the role and its policy (other APIs in the account log through them).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The account-wide role API Gateway writes execution and access logs with: one per account and region, shared by every
 * REST API there. Its permissions are a customer-managed policy (no inline or AWS-managed policy) that is equivalent to
 * AmazonAPIGatewayPushToCloudWatchLogs: write to any log group of this account and region, since API Gateway names
 * the execution log groups itself. An `AWS::ApiGateway::Account` resource points API Gateway at it.
 */
export class ApiGatewayCloudWatchRole extends ManagedPolicyRole {
  constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps = {}) {
    super(scope, id, {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Account-level role API Gateway uses to write execution and access logs to CloudWatch Logs',
    });
    const stack = Stack.of(this);
    const logGroups = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`;
    this.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteApiGatewayLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams',
        'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      resources: [logGroups],
    }));
    acknowledge(this, `AwsSolutions-IAM5[Resource::${nagText(this, logGroups)}]`,
      'This is the single account-level role API Gateway uses for every REST API in the account and region: it must write to the ' +
      'execution log groups (API-Gateway-Execution-Logs_<apiId>/<stage>) and the access log groups of any API, so it is scoped to log ' +
      'groups of this account and region but not to one group. Equivalent to the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy.');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.applyRemovalPolicy(removalPolicy);
    this.managedPolicy.applyRemovalPolicy(removalPolicy);
  }
}
