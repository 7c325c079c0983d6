import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ServiceKey } from '../../lib/constructs/encryption-keys';
import { LogsKey } from '../../lib/constructs/logging';
import { ManagedSecret, ManagedSecretProps } from '../../lib/constructs/managed-secret';
import { SecureFunction } from '../../lib/constructs/secure-function';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

function build(props: Partial<ManagedSecretProps> & { withLambda?: boolean } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Sec', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
  const key = new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager'] });
  const rotator = props.withLambda
    ? new SecureFunction(stack, 'Rotator', { entry: join(__dirname, '..', '..', 'lambda', 'shared', 'secrets.ts'), description: 'rotates', vpc: network.vpc, logsKey: logsKey.key })
    : undefined;
  const endpoint = network.interfaceEndpoints['secretsmanager'];
  const secret = new ManagedSecret(stack, 'ApiKey', {
    description: 'Third-party API key',
    encryptionKey: key.key,
    rotation: rotator ? { rotationLambda: rotator.function } : { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({ vpc: network.vpc }) },
    ...props,
  });
  return { app, stack, key, secret, rotator, endpoint, vpc: network.vpc };
}

describe('ManagedSecret', () => {
  test('CMK encryption, a rotation schedule, TLS-only resource policy; rule packs pass', () => {
    const f = build();
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [f.stack.getLogicalId(f.key.key.node.defaultChild as any), 'Arn'] },
      GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
      SecretString: Match.absent(),
    });
    t.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: f.stack.getLogicalId(f.secret.secret.node.defaultChild as any) },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser' }),
    });
    t.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: Match.arrayWith([{
        Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'secretsmanager:*', Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }]) },
    });
    expect(formatFindings(ruleFindings(f.app))).toBe('');
  });

  test('with a VPC endpoint, reading or writing the value from elsewhere is denied, except for the rotation function and named admins', () => {
    const g = build({ withLambda: true });
    const stack = g.stack;
    const secret2 = new ManagedSecret(stack, 'Scoped', {
      description: 'scoped', encryptionKey: g.key.key, rotation: { rotationLambda: g.rotator!.function, automaticallyAfter: Duration.days(7) },
      vpcEndpoint: g.endpoint, exemptRoles: [iam.Role.fromRoleArn(stack, 'BreakGlass', 'arn:aws:iam::111111111111:role/break-glass')],
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: stack.getLogicalId(secret2.secret.node.defaultChild as any) },
      ResourcePolicy: { Statement: Match.arrayWith([{
        Sid: 'DenyValueAccessOutsideVpcEndpoint', Effect: 'Deny', Principal: { AWS: '*' },
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:SourceVpce': { Ref: stack.getLogicalId(g.endpoint.node.defaultChild as any) } },
          ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/break-glass', { 'Fn::GetAtt': [stack.getLogicalId(g.rotator!.role.node.defaultChild as any), 'Arn'] }] },
        },
      }]) },
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: stack.getLogicalId(secret2.secret.node.defaultChild as any) },
      RotationLambdaARN: Match.anyValue(),
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
    });
    expect(formatFindings(ruleFindings(g.app))).toBe('');
    // The rotation function's built-in acknowledgements name what the app shows: Secrets Manager as its (synchronous)
    // invoker, and the password-generation action aws-cdk-lib grants it on "*".
    const reasons = acknowledgements(g.app).filter((a) => a.path.startsWith('Sec/Rotator/')).map((a) => `${a.id}: ${a.reason}`);
    expect(reasons).toContainEqual(expect.stringMatching(/^Serverless-LambdaDLQ: .*lets only secretsmanager\.amazonaws\.com invoke it/));
    expect(reasons).toContainEqual(expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\]: .*and secretsmanager:GetRandomPassword, which aws-cdk-lib grants/));
  });

  test('grantRead grants the value and decrypt through Secrets Manager only', () => {
    const f = build({ withLambda: true });
    f.secret.grantRead(f.rotator!);
    const text = JSON.stringify(Template.fromStack(f.stack).toJSON());
    expect(text).toMatch(/"kms:ViaService":"secretsmanager\.eu-west-1\.amazonaws\.com"/);
    expect(f.secret.secretArn).toEqual(expect.any(String));
  });

  test('fails if no rotation or both kinds of rotation are given', () => {
    expect(() => build({ rotation: {} })).toThrow(/Sec\/ApiKey: invalid rotation = "neither rotationLambda nor hostedRotation"/);
    const f = build({ withLambda: true });
    expect(() => new ManagedSecret(f.stack, 'Both', {
      description: 'x', encryptionKey: f.key.key,
      rotation: { rotationLambda: f.rotator!.function, hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser() },
    })).toThrow(/invalid rotation = "both rotationLambda and hostedRotation"/);
  });

  test('fails if the rotation interval, endpoint or exempt roles are invalid', () => {
    expect(() => build({ rotation: { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), automaticallyAfter: Duration.days(400) } }))
      .toThrow(/invalid rotation.automaticallyAfter \(days\) = 400/);
    expect(() => build({ rotation: { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser(), automaticallyAfter: Duration.hours(36) } }))
      .toThrow(/invalid rotation.automaticallyAfter = "1 day 12 hours". Fix: use a whole number of days/);
    const f = build();
    const endpoint = (id: string, vpcEndpointId: string) => ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(f.stack, id, { vpcEndpointId, port: 443 });
    const secret = (id: string, props: Partial<ManagedSecretProps>) => () => new ManagedSecret(f.stack, id, {
      description: 'x', encryptionKey: f.key.key, rotation: { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser() }, ...props,
    });
    expect(secret('A', { vpcEndpoint: endpoint('NotAnEndpoint', 'my-endpoint') })).toThrow(/invalid vpcEndpoint = "my-endpoint"/);
    // a role ARN with a wildcard would exempt every matching role from the endpoint condition (ArnNotLike)
    const everyRole = iam.Role.fromRoleArn(f.stack, 'EveryRole', 'arn:aws:iam::111111111111:role/*');
    expect(secret('B', { vpcEndpoint: endpoint('Endpoint', 'vpce-0123456789abcdef0'), exemptRoles: [everyRole] }))
      .toThrow(/Sec\/B: invalid exemptRoles = "arn:aws:iam::111111111111:role\/\*". Fix: name IAM roles/);
  });

  test('an imported VPC endpoint is accepted (its id literal in the condition)', () => {
    const f = build();
    new ManagedSecret(f.stack, 'Scoped', {
      description: 'x', encryptionKey: f.key.key, rotation: { hostedRotation: secretsmanager.HostedRotation.mysqlSingleUser() },
      vpcEndpoint: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(f.stack, 'Endpoint', { vpcEndpointId: 'vpce-0123456789abcdef0', port: 443 }),
    });
    Template.fromStack(f.stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' } } })]) },
    });
  });
});
