import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ServiceKey } from '../../lib/constructs/encryption-keys';

function keyAndRole(): { stack: Stack; key: ServiceKey; role: iam.Role } {
  const stack = new Stack(new App(), 'Keys', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager', 'rds'] });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, key, role };
}

/** The identity-policy statements of the role's default policy. */
function statements(stack: Stack): { Action: string | string[]; Condition: unknown; Resource: unknown }[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ServiceKey grants', () => {
  test.each([
    ['grantDecryptVia', ['kms:Decrypt']],
    ['grantEncryptVia', ['kms:Encrypt', 'kms:GenerateDataKey']],
    ['grantEncryptDecryptVia', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']],
  ] as const)('%s grants exactly %j on the key, only through the named service', (method, actions) => {
    // GIVEN
    const { stack, key, role } = keyAndRole();
    // WHEN
    key[method](role, 'rds');
    // THEN one statement, the key's ARN, the same kms:ViaService condition as the key policy
    const granted = statements(stack);
    expect(granted).toHaveLength(1);
    expect([granted[0].Action].flat()).toEqual(actions);
    expect(granted[0].Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.key.node.defaultChild as kms.CfnKey), 'Arn'] });
    expect(granted[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' } });
  });

  test.each(['grantDecryptVia', 'grantEncryptVia', 'grantEncryptDecryptVia'] as const)('%s fails for a service the key does not serve', (method) => {
    const { key, role } = keyAndRole();
    expect(() => key[method](role, 'backup')).toThrow(new RegExp(`invalid ${method}.service = "backup". Fix: use one of the key's services`));
  });
});

describe('ServiceKey rotationPeriod', () => {
  test('fails with a clear message if the period is not a whole number of days', () => {
    const stack = new Stack(new App(), 'K');
    expect(() => new ServiceKey(stack, 'Key', { purpose: 'x', services: ['rds'], rotationPeriod: Duration.hours(2200) }))
      .toThrow(/K\/Key: invalid rotationPeriod = "91 days 16 hours". Fix: use a whole number of days/);
  });

  test('a whole number of days in hours is accepted', () => {
    const stack = new Stack(new App(), 'K');
    new ServiceKey(stack, 'Key', { purpose: 'x', services: ['rds'], rotationPeriod: Duration.hours(24 * 120) });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { RotationPeriodInDays: 120 });
  });
});
