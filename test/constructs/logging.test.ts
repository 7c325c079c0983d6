import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LogsKey, SecureLogGroup } from '../../lib/constructs/logging';
import { formatFindings, ruleFindings } from '../helpers/compliance';

function stack(): { app: App; stack: Stack } {
  const app = new App();
  return { app, stack: new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } }) };
}

describe('LogsKey', () => {
  test('rotates yearly, is retained, and lets only CloudWatch Logs of this account and region use it', () => {
    // GIVEN
    const { stack: s } = stack();
    // WHEN
    new LogsKey(s, 'Key');
    // THEN
    const t = Template.fromStack(s);
    t.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, RotationPeriodInDays: 365 },
      DeletionPolicy: 'Retain',
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        })]),
      },
    });
  });

  test('denies kms:CreateGrant unless the grant is for an AWS resource or the caller is an AWS service (CT.KMS.PR.3)', () => {
    const { stack: s } = stack();
    new LogsKey(s, 'Key');
    Template.fromStack(s).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'DenyGrantsExceptForAwsResources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }]),
      },
    });
  });

  test('removal policy can be overridden', () => {
    const { stack: s } = stack();
    new LogsKey(s, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(s).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

describe('SecureLogGroup', () => {
  test('is encrypted with the key and keeps events one year by default', () => {
    const { app, stack: s } = stack();
    const key = new LogsKey(s, 'Key');
    new SecureLogGroup(s, 'Logs', { encryptionKey: key.key });
    Template.fromStack(s).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Key'), 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
    expect(formatFindings(ruleFindings(app))).toBe('');
  });

  test('retention can be longer', () => {
    const { stack: s } = stack();
    new SecureLogGroup(s, 'Logs', { encryptionKey: new LogsKey(s, 'Key').key, retention: logs.RetentionDays.FIVE_YEARS });
    Template.fromStack(s).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 1827 });
  });

  test('fails if retention is under a year, naming the prop, the value and the fix', () => {
    const { stack: s } = stack();
    expect(() => new SecureLogGroup(s, 'Logs', { encryptionKey: new LogsKey(s, 'Key').key, retention: logs.RetentionDays.ONE_MONTH }))
      .toThrow(/S\/Logs: invalid retention = 30\. Fix: keep logs for at least 365 days/);
  });
});
