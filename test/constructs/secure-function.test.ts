import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LogsKey } from '../../lib/constructs/logging';
import { InvocationType, SecureFunction } from '../../lib/constructs/secure-function';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

const ENTRY = join(__dirname, '..', 'fixtures', 'hello.ts');
/** Code built already, as the constructs load their pre-built handler bundles. */
const CODE = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });');

function setup(bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1, restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'pub', subnetType: ec2.SubnetType.PUBLIC }, { name: 'priv', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
  });
  const logsKey = new LogsKey(stack, 'LogsKey').key;
  return { app, stack, vpc, logsKey };
}

describe('SecureFunction', () => {
  test('defaults: latest runtime, arm64, tracing, reserved concurrency, explicit memory and timeout, JSON logs, in the VPC', () => {
    // GIVEN
    const { stack, vpc, logsKey } = setup();
    // WHEN
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: lambda.Runtime.NODEJS_LATEST.name,
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 10,
      MemorySize: 256,
      Timeout: 10,
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
    });
  });

  test('the default security group allows only outbound HTTPS', () => {
    const { stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })],
    });
  });

  test('logs go to its own KMS-encrypted log group with a year of retention', () => {
    const { stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('FnLogGroup') }, LogFormat: 'JSON' } });
  });

  test('permissions live in a customer-managed policy: no inline policy, no AWS-managed policy, grants included', () => {
    const { stack, vpc, logsKey } = setup();
    const fn = new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    new sqs.Queue(stack, 'Q', { enforceSSL: true }).grantSendMessages(fn);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Policy', 0);
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']) })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('FnRole') }],
    });
  });

  test('passes every rule pack', () => {
    const { app, stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    const findings = ruleFindings(app).filter((f) => f.path.startsWith('S/Fn'));
    expect(formatFindings(findings)).toBe('');
  });

  describe('acknowledgements are made only when the finished app shows their reason', () => {
    const dlqFindings = (app: App) => ruleFindings(app).filter((f) => f.rule.endsWith('-LambdaDLQ')).map((f) => f.rule).sort();
    const DLQ_RULES = ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'];

    test('invoked only through API Gateway: the dead-letter-queue rules are acknowledged, naming the invoker', () => {
      const { app, stack, vpc, logsKey } = setup();
      const fn = new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
      fn.function.addPermission('Api', { principal: new iam.ServicePrincipal('apigateway.amazonaws.com'), sourceArn: 'arn:aws:execute-api:eu-west-1:111111111111:abc/*' });
      expect(dlqFindings(app)).toEqual([]);
      const reasons = acknowledgements(app).filter((a) => a.id.endsWith('-LambdaDLQ')).map((a) => a.reason);
      expect(reasons).toHaveLength(3);
      expect(reasons[0]).toMatch(/lets only apigateway\.amazonaws\.com invoke it/);
    });

    test('an S3 event notification (an asynchronous invoker) on a "synchronous" function: the dead-letter-queue findings reach the user', () => {
      const { app, stack, vpc, logsKey } = setup();
      const fn = new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
      fn.function.addPermission('Bucket', { principal: new iam.ServicePrincipal('s3.amazonaws.com'), sourceAccount: '111111111111' });
      expect(dlqFindings(app)).toEqual(DLQ_RULES);
    });

    test('an asynchronous invoke configuration added later: the dead-letter-queue findings reach the user', () => {
      const { app, stack, vpc, logsKey } = setup();
      const fn = new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
      fn.function.configureAsyncInvoke({ retryAttempts: 0 });
      expect(dlqFindings(app)).toEqual(DLQ_RULES);
    });

    test('a grant with Resource "*" added to the role: AwsSolutions-IAM5[Resource::*] reaches the user instead of hiding under the acknowledgement', () => {
      const { app, stack, vpc, logsKey } = setup();
      new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
      const iam5 = () => ruleFindings(app).filter((f) => f.rule === 'AwsSolutions-IAM5[Resource::*]').map((f) => f.path);
      expect(acknowledgements(app).filter((a) => a.id === 'AwsSolutions-IAM5[Resource::*]').map((a) => a.path)).toEqual(['S/Fn/Role']);
      const widened = setup();
      const other = new SecureFunction(widened.stack, 'Fn', { code: CODE, description: 'test', vpc: widened.vpc, logsKey: widened.logsKey });
      other.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
      expect(iam5()).toEqual([]);
      expect(ruleFindings(widened.app).filter((f) => f.rule === 'AwsSolutions-IAM5[Resource::*]').map((f) => f.path)).toEqual(['S/Fn/Role/Policy/Resource']);
      expect(acknowledgements(widened.app).filter((a) => a.id === 'AwsSolutions-IAM5[Resource::*]')).toEqual([]);
    });

    test('VPC in another stack: the Control Tower VPC check is acknowledged naming that stack; in the same stack it is not', () => {
      const { app, stack, vpc, logsKey } = setup();
      const other = new Stack(app, 'Compute', { env: { account: '111111111111', region: 'eu-west-1' } });
      new SecureFunction(other, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
      new SecureFunction(stack, 'Local', { code: CODE, description: 'test', vpc, logsKey });
      const acks = acknowledgements(app).filter((a) => a.id === 'cdk-validator-cfnguard::lambda_inside_vpc_check');
      expect(acks.map((a) => a.path)).toEqual(['Compute/Fn/Resource']);
      expect(acks[0].reason).toMatch(/VpcConfig names 2 subnets and its security groups, and the subnet ids are references to stack S \(Fn::ImportValue/);
      expect(acks[0].reason).not.toMatch(/network stack/);
      Template.fromStack(other).hasResourceProperties('AWS::Lambda::Function', {
        VpcConfig: { SubnetIds: Match.arrayWith([{ 'Fn::ImportValue': Match.stringLikeRegexp('^S:') }]) },
      });
    });
  });

  test('asynchronous functions get an encrypted dead-letter queue', () => {
    const { stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, invocationType: InvocationType.ASYNCHRONOUS });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: 'alias/aws/sqs' });
    t.hasResourceProperties('AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: Match.anyValue() } });
  });

  test('overrides: memory, timeout, concurrency, architecture', () => {
    const { stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', {
      code: CODE, description: 'test', vpc, logsKey, memorySize: 1024, timeout: Duration.seconds(3), reservedConcurrentExecutions: 2, architecture: lambda.Architecture.X86_64,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 3, ReservedConcurrentExecutions: 2, Architectures: ['x86_64'] });
  });

  test('fails if an environment variable would carry a secret, naming it and the fix', () => {
    const { stack, vpc, logsKey } = setup();
    expect(() => new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, environment: { DB_PASSWORD: 'hunter2' } }))
      .toThrow(/S\/Fn: invalid environment\.DB_PASSWORD = "\(value hidden\)"\. Fix: never put a secret in an environment variable.*DB_PASSWORD_ARN/);
  });

  test('fails if the environment exceeds Lambda\'s 4 KB for all variables together, naming the largest and the fix', () => {
    // GIVEN variables that together take more than 4,096 bytes (Lambda would refuse the deployment)
    const { stack, vpc, logsKey } = setup();
    const environment = { SMALL: 'x', LARGE_TABLE: 'y'.repeat(4100) };
    // THEN synth stops, naming the construct, the prop, the largest variable and the fix
    expect(() => new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, environment }))
      .toThrow(/S\/Fn: invalid environment = "4100 bytes in LARGE_TABLE"\. Fix: the function's environment would take about \d+ bytes and Lambda allows 4096/);
    // AND just under the limit is accepted
    new SecureFunction(stack, 'Fn2', { code: CODE, description: 'test', vpc, logsKey, environment: { LARGE_TABLE: 'y'.repeat(4000) } });
  });

  test('secret references (ARNs, names) are allowed', () => {
    const { stack, vpc, logsKey } = setup();
    new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, environment: { API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:x' } });
  });

  test.each([[64, 'memorySize'], [0, 'reservedConcurrentExecutions']])('fails if %s is out of range (%s)', (value, prop) => {
    const { stack, vpc, logsKey } = setup();
    expect(() => new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, [prop]: value }))
      .toThrow(new RegExp(`invalid ${prop} = ${value}\\. Fix: use a whole number`));
  });

  test('runs code built already as a lambda.Function with handler index.handler', () => {
    // GIVEN
    const { stack, vpc, logsKey } = setup();
    // WHEN
    const fn = new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey });
    // THEN a plain lambda.Function (no bundling at synth) with the default handler
    expect(fn.function).toBeInstanceOf(lambda.Function);
    expect(fn.function).not.toBeInstanceOf(nodejs.NodejsFunction);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Code: { ZipFile: Match.stringLikeRegexp('exports.handler') } });
  });

  test('code and entry give the function the same logical id (construct id Resource)', () => {
    const a = setup();
    const b = setup();
    const withCode = new SecureFunction(a.stack, 'Fn', { code: CODE, description: 'test', vpc: a.vpc, logsKey: a.logsKey });
    const withEntry = new SecureFunction(b.stack, 'Fn', { entry: ENTRY, description: 'test', vpc: b.vpc, logsKey: b.logsKey });
    const id = (s: SecureFunction) => Stack.of(s).getLogicalId(s.function.node.defaultChild as lambda.CfnFunction);
    expect(id(withCode)).toBe(id(withEntry));
    expect(withCode.node.defaultChild).toBe(withCode.function.node.defaultChild);
  });

  test('bundles entry locally with esbuild (no Docker) into a minified asset', () => {
    const { stack, vpc, logsKey } = setup(true);
    const fn = new SecureFunction(stack, 'Fn', { entry: ENTRY, description: 'test', vpc, logsKey });
    expect(fn.function).toBeInstanceOf(nodejs.NodejsFunction);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Code: { S3Key: Match.stringLikeRegexp('\\.zip$') } });
  });

  test('fails if both code and entry are given', () => {
    const { stack, vpc, logsKey } = setup();
    expect(() => new SecureFunction(stack, 'Fn', { code: CODE, entry: ENTRY, description: 'test', vpc, logsKey }))
      .toThrow(/S\/Fn: invalid entry = ".*hello\.ts"\. Fix: give either code .* or entry .*, not both/);
  });

  test('fails if neither code nor entry is given', () => {
    const { stack, vpc, logsKey } = setup();
    expect(() => new SecureFunction(stack, 'Fn', { description: 'test', vpc, logsKey }))
      .toThrow(/S\/Fn: invalid code = undefined\. Fix: give code .* or entry/);
  });

  test.each([['minify', false], ['sourceMap', true], ['externalModules', ['pg']]])('fails if %s is given with code (it only applies to entry)', (prop, value) => {
    const { stack, vpc, logsKey } = setup();
    expect(() => new SecureFunction(stack, 'Fn', { code: CODE, description: 'test', vpc, logsKey, [prop]: value }))
      .toThrow(new RegExp(`S/Fn: invalid ${prop} = .*Fix: ${prop} only applies to entry`));
  });
});
