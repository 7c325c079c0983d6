import { App, Aspects, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { SecurityBaseline, SecurityBaselineMode, SecurityBaselineThresholds } from '../../lib';
import { addBaseline, synthError } from './helpers';

type Build = (stack: Stack) => void;

/** Runs one control (every other one off) on a stack and returns its findings as `path` and the template. */
function run(controlId: string, build: Build, options: { mode?: SecurityBaselineMode; thresholds?: SecurityBaselineThresholds } = {}) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
  build(stack);
  const baseline = addBaseline(app, {
    mode: options.mode ?? SecurityBaselineMode.REPORT,
    thresholds: options.thresholds,
    disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((id) => id !== controlId),
  });
  synthError(app);
  return { paths: baseline.findings.map((f) => f.path).sort(), baseline, template: () => app.synth({ force: true }).getStackByName(stack.stackName).template };
}

const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1';
const FIXED = [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '200' } }];
const alb = (s: Stack, id = 'Lb', attributes?: { key: string; value: string }[], extra: Partial<elbv2.CfnLoadBalancerProps> = {}) =>
  new elbv2.CfnLoadBalancer(s, id, { subnets: ['subnet-1', 'subnet-2'], loadBalancerAttributes: attributes, ...extra });
const listener = (s: Stack, id: string, props: Partial<elbv2.CfnListenerProps>) =>
  new elbv2.CfnListener(s, id, { loadBalancerArn: LB_ARN, defaultActions: FIXED, port: 443, protocol: 'HTTPS', ...props });
const stage = (s: Stack, props: Partial<apigateway.CfnStageProps> = {}) => {
  const api = new apigateway.CfnRestApi(s, 'Api', { name: 'api' });
  return { api, stage: new apigateway.CfnStage(s, 'Stage', { restApiId: api.ref, deploymentId: 'd', stageName: 'v1', ...props }) };
};

interface Case { readonly name: string; readonly build: Build; readonly findings: number; readonly thresholds?: SecurityBaselineThresholds }

const CASES: Record<string, Case[]> = {
  ALB1: [
    { name: 'HTTPS without a policy (ELBSecurityPolicy-2016-08)', build: (s) => listener(s, 'L', {}), findings: 1 },
    { name: 'HTTPS with a TLS 1.2 policy', build: (s) => listener(s, 'L', { sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }), findings: 1 },
    { name: 'HTTPS with the post-quantum TLS 1.3-only policy', build: (s) => listener(s, 'L', { sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09' }), findings: 0 },
    { name: 'an HTTP listener (no TLS policy applies)', build: (s) => listener(s, 'L', { protocol: 'HTTP', port: 80 }), findings: 0 },
  ],
  ALB2: [
    { name: 'HTTP forwarding, no HTTPS listener', build: (s) => { const lb = alb(s); listener(s, 'Http', { loadBalancerArn: lb.ref, protocol: 'HTTP', port: 80, defaultActions: [{ type: 'forward', targetGroupArn: 'arn:tg' }] }); }, findings: 1 },
    { name: 'HTTP redirecting, but a listener rule forwards', build: (s) => {
      const l = listener(s, 'Http', { protocol: 'HTTP', port: 80, defaultActions: [{ type: 'redirect', redirectConfig: { protocol: 'HTTPS', statusCode: 'HTTP_301' } }] });
      new elbv2.CfnListenerRule(s, 'Rule', { listenerArn: l.ref, priority: 1, actions: [{ type: 'forward', targetGroupArn: 'arn:tg' }], conditions: [{ field: 'path-pattern', values: ['/*'] }] });
    }, findings: 1 },
    { name: 'HTTP redirecting to HTTPS', build: (s) => listener(s, 'Http', { protocol: 'HTTP', port: 80, defaultActions: [{ type: 'redirect', redirectConfig: { protocol: 'HTTPS', statusCode: 'HTTP_301' } }] }), findings: 0 },
  ],
  ALB3: [
    { name: 'ALB without the attribute', build: (s) => alb(s), findings: 1 },
    { name: 'ALB with drop_invalid_header_fields false', build: (s) => alb(s, 'Lb', [{ key: 'routing.http.drop_invalid_header_fields.enabled', value: 'false' }]), findings: 1 },
    { name: 'ALB dropping invalid headers', build: (s) => alb(s, 'Lb', [{ key: 'routing.http.drop_invalid_header_fields.enabled', value: 'true' }]), findings: 0 },
    { name: 'a Network Load Balancer (not applicable)', build: (s) => alb(s, 'Lb', undefined, { type: 'network' }), findings: 0 },
  ],
  ALB4: [
    { name: 'ALB with defensive mode', build: (s) => alb(s, 'Lb', [{ key: 'routing.http.desync_mitigation_mode', value: 'defensive' }]), findings: 1 },
    { name: 'ALB with strictest mode', build: (s) => alb(s, 'Lb', [{ key: 'routing.http.desync_mitigation_mode', value: 'strictest' }]), findings: 0 },
  ],
  ALB5: [
    { name: 'HTTPS without HSTS', build: (s) => listener(s, 'L', {}), findings: 1 },
    { name: 'HTTPS with a five-minute HSTS', build: (s) => listener(s, 'L', { listenerAttributes: [{ key: 'routing.http.response.strict_transport_security.header_value', value: 'max-age=300' }] }), findings: 1 },
    { name: 'HTTPS with a one-year HSTS', build: (s) => listener(s, 'L', { listenerAttributes: [{ key: 'routing.http.response.strict_transport_security.header_value', value: 'max-age=31536000; includeSubDomains' }] }), findings: 0 },
    { name: 'HTTPS with a one-year HSTS under a two-year threshold', thresholds: { hstsMaxAge: Duration.seconds(63072000) },
      build: (s) => listener(s, 'L', { listenerAttributes: [{ key: 'routing.http.response.strict_transport_security.header_value', value: 'max-age=31536000' }] }), findings: 1 },
  ],
  ALB6: [
    { name: 'ALB without access logs', build: (s) => alb(s), findings: 1 },
    { name: 'ALB with access logs', build: (s) => alb(s, 'Lb', [{ key: 'access_logs.s3.enabled', value: 'true' }]), findings: 0 },
  ],
  ALB7: [
    { name: 'ALB without deletion protection', build: (s) => alb(s), findings: 1 },
    { name: 'ALB with deletion protection', build: (s) => alb(s, 'Lb', [{ key: 'deletion_protection.enabled', value: 'true' }]), findings: 0 },
  ],
  APIGW1: [
    { name: 'a TLS 1.2 domain', build: (s) => new apigateway.CfnDomainName(s, 'D', { domainName: 'a.example.com', securityPolicy: 'TLS_1_2' }), findings: 1 },
    { name: 'TLS 1.3 with BASIC endpoint access', build: (s) => new apigateway.CfnDomainName(s, 'D', { domainName: 'a.example.com', securityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', endpointAccessMode: 'BASIC' }), findings: 1 },
    { name: 'TLS 1.3 with STRICT access', build: (s) => new apigateway.CfnDomainName(s, 'D', { domainName: 'a.example.com', securityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', endpointAccessMode: 'STRICT' }), findings: 0 },
  ],
  APIGW2: [
    { name: 'a mapped API that keeps execute-api', build: (s) => { const a = new apigateway.CfnRestApi(s, 'Api', { name: 'a' }); new apigateway.CfnBasePathMapping(s, 'M', { domainName: 'a.example.com', restApiId: a.ref }); }, findings: 1 },
    { name: 'a mapped API without execute-api', build: (s) => { const a = new apigateway.CfnRestApi(s, 'Api', { name: 'a', disableExecuteApiEndpoint: true }); new apigateway.CfnBasePathMapping(s, 'M', { domainName: 'a.example.com', restApiId: a.ref }); }, findings: 0 },
    { name: 'an API without a custom domain', build: (s) => new apigateway.CfnRestApi(s, 'Api', { name: 'a' }), findings: 0 },
  ],
  APIGW3: [
    { name: 'a stage without access logs', build: (s) => stage(s), findings: 1 },
    { name: 'a stage with access logs', build: (s) => stage(s, { accessLogSetting: { destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x', format: '$context.requestId' } }), findings: 0 },
  ],
  APIGW4: [
    { name: 'a stage without tracing', build: (s) => stage(s), findings: 1 },
    { name: 'a traced stage', build: (s) => stage(s, { tracingEnabled: true }), findings: 0 },
  ],
  APIGW5: [
    { name: 'a stage without limits', build: (s) => stage(s), findings: 1 },
    { name: 'a stage with only a rate limit', build: (s) => stage(s, { methodSettings: [{ resourcePath: '/*', httpMethod: '*', throttlingRateLimit: 10 }] }), findings: 1 },
    { name: 'a stage with rate and burst limits', build: (s) => stage(s, { methodSettings: [{ resourcePath: '/*', httpMethod: '*', throttlingRateLimit: 10, throttlingBurstLimit: 20 }] }), findings: 0 },
  ],
  APIGW6: [
    { name: 'data trace on one method', build: (s) => stage(s, { methodSettings: [{ resourcePath: '/~1login', httpMethod: 'POST', dataTraceEnabled: true }] }), findings: 1 },
    { name: 'data trace off', build: (s) => stage(s, { methodSettings: [{ resourcePath: '/*', httpMethod: '*', dataTraceEnabled: false }] }), findings: 0 },
  ],
  BUCKET1: [
    { name: 'a bucket without a policy', build: (s) => new s3.CfnBucket(s, 'B'), findings: 1 },
    { name: 'enforceSSL without a minimum TLS version', build: (s) => new s3.Bucket(s, 'B', { enforceSSL: true }), findings: 1 },
    { name: 'enforceSSL with TLS 1.2 at least', build: (s) => new s3.Bucket(s, 'B', { enforceSSL: true, minimumTLSVersion: 1.2 }), findings: 0 },
  ],
  BUCKET2: [
    { name: 'a bucket with three Block Public Access settings off', build: (s) => new s3.CfnBucket(s, 'B', { publicAccessBlockConfiguration: { blockPublicAcls: true } }), findings: 1 },
    { name: 'a website bucket without Block Public Access', build: (s) => new s3.CfnBucket(s, 'B', { websiteConfiguration: { indexDocument: 'index.html' } }), findings: 1 },
    { name: 'a private bucket without PublicAccessBlockConfiguration (S3 blocks public access on new buckets)', build: (s) => new s3.CfnBucket(s, 'B'), findings: 0 },
    { name: 'BLOCK_ALL', build: (s) => new s3.Bucket(s, 'B', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL }), findings: 0 },
  ],
  BUCKET3: [
    { name: 'an unversioned bucket', build: (s) => new s3.CfnBucket(s, 'B'), findings: 1 },
    { name: 'a versioned bucket', build: (s) => new s3.Bucket(s, 'B', { versioned: true }), findings: 0 },
  ],
  LOGS1: [
    { name: '30 days', build: (s) => new logs.CfnLogGroup(s, 'G', { retentionInDays: 30 }), findings: 1 },
    { name: '400 days', build: (s) => new logs.CfnLogGroup(s, 'G', { retentionInDays: 400 }), findings: 0 },
    { name: 'never expire', build: (s) => new logs.CfnLogGroup(s, 'G', {}), findings: 0 },
    { name: 'Custom::LogRetention of one day (a Lambda logRetention prop)', build: (s) => new logs.LogRetention(s, 'R', { logGroupName: '/aws/lambda/f', retention: logs.RetentionDays.ONE_DAY }), findings: 1 },
    { name: 'Custom::LogRetention of two years', build: (s) => new logs.LogRetention(s, 'R', { logGroupName: '/aws/lambda/f', retention: logs.RetentionDays.TWO_YEARS }), findings: 0 },
    { name: 'Custom::LogRetention that never expires', build: (s) => new logs.LogRetention(s, 'R', { logGroupName: '/aws/lambda/f', retention: logs.RetentionDays.INFINITE }), findings: 0 },
    { name: '400 days under a 731-day threshold', thresholds: { logRetention: logs.RetentionDays.TWO_YEARS }, build: (s) => new logs.CfnLogGroup(s, 'G', { retentionInDays: 400 }), findings: 1 },
  ],
  LOGS2: [
    { name: 'no KMS key', build: (s) => new logs.CfnLogGroup(s, 'G', {}), findings: 1 },
    { name: 'a KMS key', build: (s) => new logs.CfnLogGroup(s, 'G', { kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/x' }), findings: 0 },
  ],
  KMS1: [
    { name: 'a symmetric key without rotation', build: (s) => new kms.CfnKey(s, 'K', {}), findings: 1 },
    { name: 'a rotating key', build: (s) => new kms.Key(s, 'K', { enableKeyRotation: true }), findings: 0 },
    { name: 'an asymmetric signing key (cannot rotate)', build: (s) => new kms.Key(s, 'K', { keySpec: kms.KeySpec.ECC_NIST_P256, keyUsage: kms.KeyUsage.SIGN_VERIFY }), findings: 0 },
  ],
  LAMBDA1: [
    { name: 'a token in the environment', build: (s) => fn(s, { GITHUB_TOKEN: 'x' }), findings: 1 },
    { name: 'a secret ARN and a token endpoint URL', build: (s) => fn(s, { DB_SECRET_ARN: 'arn:x', TOKEN_ENDPOINT: 'https://id.example.com/token' }), findings: 0 },
  ],
  LAMBDA2: [
    { name: 'nodejs20.x (deprecated April 2026)', build: (s) => fn(s, {}, lambda.Runtime.NODEJS_20_X), findings: 1 },
    { name: 'nodejs22.x', build: (s) => fn(s, {}, lambda.Runtime.NODEJS_22_X), findings: 0 },
  ],
  SG1: [
    { name: 'all ports from ::/0', build: (s) => new ec2.CfnSecurityGroupIngress(s, 'I', { groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 0, toPort: 65535, cidrIpv6: '::/0' }), findings: 1 },
    { name: 'all traffic from 0.0.0.0/0 inline', build: (s) => new ec2.CfnSecurityGroup(s, 'G', { groupDescription: 'g', securityGroupIngress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0' }] }), findings: 1 },
    { name: 'HTTPS and HTTP from anywhere; SSH from a /32', build: (s) => new ec2.CfnSecurityGroup(s, 'G', { groupDescription: 'g', securityGroupIngress: [
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0' }, { ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv6: '::/0' },
      { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '203.0.113.7/32' }] }), findings: 0 },
  ],
  RDS1: [
    { name: 'an unencrypted cluster', build: (s) => cluster(s, { storageEncrypted: false }), findings: 1 },
    { name: 'an encrypted cluster and its member instance', build: (s) => { const c = cluster(s, { storageEncrypted: true }); new rds.CfnDBInstance(s, 'I', { dbClusterIdentifier: c.ref, dbInstanceClass: 'db.r6g.large', engine: 'aurora-postgresql' }); }, findings: 0 },
  ],
  RDS2: [
    { name: 'a PostgreSQL cluster without IAM auth', build: (s) => cluster(s, {}), findings: 1 },
    { name: 'a PostgreSQL cluster with IAM auth', build: (s) => cluster(s, { enableIamDatabaseAuthentication: true }), findings: 0 },
    { name: 'an Oracle instance (no IAM auth there)', build: (s) => new rds.CfnDBInstance(s, 'I', { engine: 'oracle-ee', dbInstanceClass: 'db.m5.large' }), findings: 0 },
  ],
  RDS3: [
    { name: 'an unprotected instance', build: (s) => new rds.CfnDBInstance(s, 'I', { engine: 'postgres', dbInstanceClass: 'db.t4g.micro' }), findings: 1 },
    { name: 'a protected cluster', build: (s) => cluster(s, { deletionProtection: true }), findings: 0 },
  ],
  RDS4: [
    { name: 'one day of backups (default)', build: (s) => cluster(s, {}), findings: 1 },
    { name: 'seven days', build: (s) => cluster(s, { backupRetentionPeriod: 7 }), findings: 0 },
    { name: 'seven days under a 14-day threshold', thresholds: { backupRetention: Duration.days(14) }, build: (s) => cluster(s, { backupRetentionPeriod: 7 }), findings: 1 },
  ],
  RDS5: [
    { name: 'Aurora PostgreSQL with the default cluster parameter group', build: (s) => cluster(s, {}), findings: 1 },
    { name: 'MySQL without require_secure_transport', build: (s) => new rds.CfnDBInstance(s, 'I', { engine: 'mysql', dbInstanceClass: 'db.t4g.micro' }), findings: 1 },
    { name: 'Aurora PostgreSQL with rds.force_ssl=1 (L2 DatabaseCluster)', build: (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      new rds.DatabaseCluster(s, 'C', { engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }), vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, writer: rds.ClusterInstance.serverlessV2('W'), parameters: { 'rds.force_ssl': '1' } });
    }, findings: 0 },
    { name: 'RDS for PostgreSQL 16 (forces TLS by default)', build: (s) => new rds.CfnDBInstance(s, 'I', { engine: 'postgres', engineVersion: '16.4', dbInstanceClass: 'db.t4g.micro' }), findings: 0 },
  ],
  SECRET1: [
    { name: 'a secret without rotation', build: (s) => new secretsmanager.CfnSecret(s, 'S2', {}), findings: 1 },
    { name: 'a rotated secret', build: (s) => { const sec = new secretsmanager.CfnSecret(s, 'S2', {}); new secretsmanager.CfnRotationSchedule(s, 'R', { secretId: sec.ref, rotationLambdaArn: 'arn:fn', rotationRules: { automaticallyAfterDays: 30 } }); }, findings: 0 },
  ],
  COGNITO1: [
    { name: 'optional MFA', build: (s) => new cognito.UserPool(s, 'P', { mfa: cognito.Mfa.OPTIONAL, mfaSecondFactor: { otp: true, sms: false } }), findings: 1 },
    { name: 'required MFA', build: (s) => new cognito.UserPool(s, 'P', { mfa: cognito.Mfa.REQUIRED, mfaSecondFactor: { otp: true, sms: false } }), findings: 0 },
  ],
  COGNITO2: [
    { name: '12-character passwords', build: (s) => new cognito.UserPool(s, 'P', { passwordPolicy: { minLength: 12 } }), findings: 1 },
    { name: '14-character passwords', build: (s) => new cognito.UserPool(s, 'P', { passwordPolicy: { minLength: 14 } }), findings: 0 },
  ],
  COGNITO3: [
    { name: 'threat protection in audit mode', build: (s) => new cognito.CfnUserPool(s, 'P', { userPoolAddOns: { advancedSecurityMode: 'AUDIT' } }), findings: 1 },
    { name: 'threat protection enforced', build: (s) => new cognito.CfnUserPool(s, 'P', { userPoolAddOns: { advancedSecurityMode: 'ENFORCED' } }), findings: 0 },
  ],
  WAF1: [
    { name: 'a public ALB and a stage without a web ACL', build: (s) => { alb(s); stage(s); }, findings: 2 },
    { name: 'an internal ALB', build: (s) => alb(s, 'Lb', undefined, { scheme: 'internal' }), findings: 0 },
    { name: 'an ALB and a stage with web ACLs (stage by ARN built from the API id and stage name)', build: (s) => {
      const lb = alb(s);
      const { api } = stage(s);
      new wafv2.CfnWebACLAssociation(s, 'A1', { resourceArn: lb.ref, webAclArn: 'arn:acl' });
      new wafv2.CfnWebACLAssociation(s, 'A2', { resourceArn: `arn:aws:apigateway:eu-west-1::/restapis/${api.ref}/stages/v1`, webAclArn: 'arn:acl' });
    }, findings: 0 },
    { name: 'a web ACL on another stage of the same API', build: (s) => {
      const { api } = stage(s);
      new wafv2.CfnWebACLAssociation(s, 'A2', { resourceArn: `arn:aws:apigateway:eu-west-1::/restapis/${api.ref}/stages/v2`, webAclArn: 'arn:acl' });
    }, findings: 1 },
    { name: 'a stage of a private API', build: (s) => {
      const api = new apigateway.CfnRestApi(s, 'Api', { name: 'api', endpointConfiguration: { types: ['PRIVATE'] } });
      new apigateway.CfnStage(s, 'Stage', { restApiId: api.ref, deploymentId: 'd', stageName: 'v1' });
    }, findings: 0 },
  ],
  NLB1: [
    { name: 'an NLB TLS listener without a policy', build: (s) => listener(s, 'L', { protocol: 'TLS' }), findings: 1 },
    { name: 'an NLB TLS listener with a TLS 1.2 policy', build: (s) => listener(s, 'L', { protocol: 'TLS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' }), findings: 1 },
    { name: 'an NLB TLS listener with the TLS 1.3-only policy', build: (s) => listener(s, 'L', { protocol: 'TLS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' }), findings: 0 },
    { name: 'a TCP listener (no TLS)', build: (s) => listener(s, 'L', { protocol: 'TCP', port: 5432 }), findings: 0 },
  ],
  HTTPAPI1: [
    { name: 'a stage without access logs', build: (s) => httpStage(s, {}), findings: 1 },
    { name: 'a stage with access logs', build: (s) => httpStage(s, { accessLogSettings: { destinationArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:x', format: '$context.requestId' } }), findings: 0 },
  ],
  HTTPAPI2: [
    { name: 'a stage with only a rate limit', build: (s) => httpStage(s, { defaultRouteSettings: { throttlingRateLimit: 100 } }), findings: 1 },
    { name: 'a stage with rate and burst limits', build: (s) => httpStage(s, { defaultRouteSettings: { throttlingRateLimit: 100, throttlingBurstLimit: 50 } }), findings: 0 },
  ],
  HTTPAPI3: [
    { name: 'a domain without a policy', build: (s) => httpDomain(s, undefined), findings: 1 },
    { name: 'a domain on TLS_1_0', build: (s) => httpDomain(s, 'TLS_1_0'), findings: 1 },
    { name: 'a domain on TLS_1_2', build: (s) => httpDomain(s, 'TLS_1_2'), findings: 0 },
  ],
  CF1: [
    { name: 'an L2 distribution with the default behavior (allow-all)', build: (s) => distribution(s, {}), findings: 1 },
    { name: 'a behavior redirecting to HTTPS', build: (s) => distribution(s, { viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS }), findings: 0 },
    { name: 'a behavior accepting HTTPS only', build: (s) => distribution(s, { viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY }), findings: 0 },
  ],
  CF2: [
    { name: 'the default *.cloudfront.net certificate', build: (s) => distribution(s, {}), findings: 1 },
    { name: 'an own certificate with TLSv1.2_2019', build: (s) => cfnDistribution(s, { minimumProtocolVersion: 'TLSv1.2_2019' }), findings: 1 },
    { name: 'an own certificate with TLSv1.2_2021', build: (s) => cfnDistribution(s, { minimumProtocolVersion: 'TLSv1.2_2021' }), findings: 0 },
    { name: 'an own certificate with TLSv1.3_2025', build: (s) => cfnDistribution(s, { minimumProtocolVersion: 'TLSv1.3_2025' }), findings: 0 },
  ],
  CF3: [
    { name: 'a custom origin over HTTP only', build: (s) => distribution(s, {}, new origins.HttpOrigin('origin.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY })), findings: 1 },
    { name: 'a custom origin matching the viewer', build: (s) => distribution(s, {}, new origins.HttpOrigin('origin.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.MATCH_VIEWER })), findings: 1 },
    { name: 'a custom origin over HTTPS with TLS 1.1 allowed', build: (s) => distribution(s, {}, new origins.HttpOrigin('origin.example.com', {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY, originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_1, cloudfront.OriginSslPolicy.TLS_V1_2] })), findings: 1 },
    { name: 'a custom origin over HTTPS with TLS 1.2', build: (s) => distribution(s, {}, new origins.HttpOrigin('origin.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY })), findings: 0 },
  ],
  CF4: [
    { name: 'a distribution without logging', build: (s) => distribution(s, {}), findings: 1 },
    { name: 'standard logging to S3', build: (s) => new cloudfront.Distribution(s, 'D', { defaultBehavior: { origin: new origins.HttpOrigin('origin.example.com') },
      enableLogging: true, logBucket: new s3.Bucket(s, 'Logs', { objectOwnership: s3.ObjectOwnership.OBJECT_WRITER }) }), findings: 0 },
    { name: 'a CloudWatch Logs delivery source for the distribution', build: (s) => {
      const d = distribution(s, {});
      new logs.CfnDeliverySource(s, 'Source', { name: 'cf', logType: 'ACCESS_LOGS', resourceArn: `arn:aws:cloudfront::123456789012:distribution/${d.distributionId}` });
    }, findings: 0 },
  ],
};

function httpStage(s: Stack, props: Partial<apigatewayv2.CfnStageProps>): apigatewayv2.CfnStage {
  const api = new apigatewayv2.CfnApi(s, 'HttpApi', { name: 'api', protocolType: 'HTTP' });
  return new apigatewayv2.CfnStage(s, 'HttpStage', { apiId: api.ref, stageName: '$default', autoDeploy: true, ...props });
}

function httpDomain(s: Stack, securityPolicy: string | undefined): apigatewayv2.CfnDomainName {
  return new apigatewayv2.CfnDomainName(s, 'HttpDomain', { domainName: 'api.example.com',
    domainNameConfigurations: [{ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x', endpointType: 'REGIONAL', securityPolicy }] });
}

function distribution(s: Stack, behavior: Partial<cloudfront.BehaviorOptions>, origin: cloudfront.IOrigin = new origins.HttpOrigin('origin.example.com')): cloudfront.Distribution {
  return new cloudfront.Distribution(s, 'D', { defaultBehavior: { origin, ...behavior } });
}

function cfnDistribution(s: Stack, certificate: Partial<cloudfront.CfnDistribution.ViewerCertificateProperty>): cloudfront.CfnDistribution {
  return new cloudfront.CfnDistribution(s, 'D', { distributionConfig: { enabled: true, aliases: ['www.example.com'],
    defaultCacheBehavior: { targetOriginId: 'o', viewerProtocolPolicy: 'redirect-to-https', cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
    origins: [{ id: 'o', domainName: 'origin.example.com', customOriginConfig: { originProtocolPolicy: 'https-only' } }],
    viewerCertificate: { acmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x', sslSupportMethod: 'sni-only', ...certificate } } });
}

function fn(s: Stack, environment: Record<string, string>, runtime = lambda.Runtime.NODEJS_22_X): void {
  new lambda.CfnFunction(s, 'F', { role: 'arn:aws:iam::123456789012:role/r', runtime: runtime.name, handler: 'index.handler', code: { zipFile: 'x' }, environment: { variables: environment } });
}

function cluster(s: Stack, props: Partial<rds.CfnDBClusterProps>): rds.CfnDBCluster {
  return new rds.CfnDBCluster(s, 'C', { engine: 'aurora-postgresql', storageEncrypted: true, ...props });
}

describe('every control has non-compliant and compliant cases', () => {
  test('the table covers every control', () => {
    expect(Object.keys(CASES).sort()).toEqual(SecurityBaseline.controls().map((c) => c.id).sort());
    for (const cases of Object.values(CASES)) {
      expect(cases.some((c) => c.findings > 0)).toBe(true);
      expect(cases.some((c) => c.findings === 0)).toBe(true);
    }
  });

  for (const [id, cases] of Object.entries(CASES)) {
    describe(id, () => {
      for (const c of cases) {
        test(`${c.findings > 0 ? 'non-compliance' : 'compliance'}: ${c.name}`, () => {
          const { baseline } = run(id, c.build, { thresholds: c.thresholds });
          expect(baseline.findings.map((f) => f.ruleId)).toEqual(Array(c.findings).fill(`SecurityBaseline-${id}`));
        });
      }
    });
  }
});

describe('fix mode on L1 resources', () => {
  test('HSTS: raises max-age and keeps the other directives', () => {
    const { template, baseline } = run('ALB5', (s) => listener(s, 'L', { listenerAttributes: [
      { key: 'routing.http.response.strict_transport_security.header_value', value: 'max-age=300; includeSubDomains' },
      { key: 'routing.http.response.server.enabled', value: 'false' }] }), { mode: SecurityBaselineMode.FIX });
    expect(baseline.findings).toEqual([]);
    expect(template().Resources.L.Properties.ListenerAttributes).toEqual([
      { Key: 'routing.http.response.server.enabled', Value: 'false' },
      { Key: 'routing.http.response.strict_transport_security.header_value', Value: 'max-age=31536000; includeSubDomains' },
    ]);
  });

  test('ALB attributes on a plain L1 list: keeps the others, replaces the weak one', () => {
    const { template } = run('ALB4', (s) => alb(s, 'Lb', [{ key: 'idle_timeout.timeout_seconds', value: '30' }, { key: 'routing.http.desync_mitigation_mode', value: 'monitor' }]), { mode: SecurityBaselineMode.FIX });
    expect(template().Resources.Lb.Properties.LoadBalancerAttributes).toEqual([
      { Key: 'idle_timeout.timeout_seconds', Value: '30' }, { Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' },
    ]);
  });

  test('a bucket policy made by the L2 (enforceSSL) gets only the missing TLS-version statement', () => {
    const { template, baseline } = run('BUCKET1', (s) => new s3.Bucket(s, 'B', { enforceSSL: true }), { mode: SecurityBaselineMode.FIX });
    expect(baseline.findings).toEqual([]);
    const policies = Object.values(template().Resources).filter((r: any) => r.Type === 'AWS::S3::BucketPolicy') as any[];
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement.map((st: any) => Object.keys(st.Condition)[0])).toEqual(['Bool', 'NumericLessThan']);
  });

  test('a raw JSON bucket policy is merged, not replaced', () => {
    const { template } = run('BUCKET1', (s) => {
      const b = new s3.CfnBucket(s, 'B');
      new s3.CfnBucketPolicy(s, 'P', { bucket: b.ref, policyDocument: { Version: '2012-10-17', Statement: [
        { Sid: 'Own', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] } });
    }, { mode: SecurityBaselineMode.FIX });
    expect(template().Resources.P.Properties.PolicyDocument.Statement.map((st: any) => st.Sid))
      .toEqual(['Own', 'SecurityBaselineDenyInsecureTransport', 'SecurityBaselineDenyTlsBelow12']);
  });

  test('Block Public Access is not forced on a website bucket (it would take the site down): reported instead', () => {
    const { baseline } = run('BUCKET2', (s) => new s3.CfnBucket(s, 'B', { websiteConfiguration: { indexDocument: 'index.html' } }), { mode: SecurityBaselineMode.FIX });
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(['SecurityBaseline-BUCKET2']);
    expect(baseline.findings[0].message).toContain('CloudFront');
    expect(baseline.changes).toEqual([]);
  });

  test('an API domain with mutual TLS keeps its policy (enhanced policies exclude mTLS): reported instead', () => {
    const { baseline } = run('APIGW1', (s) => new apigateway.CfnDomainName(s, 'D', { domainName: 'a.example.com', securityPolicy: 'TLS_1_2',
      regionalCertificateArn: 'arn:cert', endpointConfiguration: { types: ['REGIONAL'] }, mutualTlsAuthentication: { truststoreUri: 's3://b/t.pem' } }), { mode: SecurityBaselineMode.FIX });
    expect(baseline.changes).toEqual([]);
    expect(baseline.findings[0].message).toContain('mutual TLS');
  });

  test('an edge-optimized domain gets the edge TLS 1.3 policy', () => {
    const { template } = run('APIGW1', (s) => new apigateway.CfnDomainName(s, 'D', { domainName: 'a.example.com', certificateArn: 'arn:cert',
      endpointConfiguration: { types: ['EDGE'] } }), { mode: SecurityBaselineMode.FIX });
    expect(template().Resources.D.Properties).toMatchObject({ SecurityPolicy: 'SecurityPolicy_TLS13_2025_EDGE', EndpointAccessMode: 'STRICT' });
  });

  test('log retention is raised to the configured threshold', () => {
    const { template } = run('LOGS1', (s) => new logs.CfnLogGroup(s, 'G', { retentionInDays: 30 }), { mode: SecurityBaselineMode.FIX, thresholds: { logRetention: logs.RetentionDays.FIVE_YEARS } });
    expect(template().Resources.G.Properties.RetentionInDays).toBe(1827);
  });

  test('an escape-hatch override that keeps the weak value is reported, not hidden', () => {
    const { baseline } = run('KMS1', (s) => new kms.CfnKey(s, 'K', {}).addPropertyOverride('EnableKeyRotation', false), { mode: SecurityBaselineMode.FIX });
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(['SecurityBaseline-KMS1']);
    expect(baseline.findings[0].message).toMatch(/did not take effect/);
  });
});

describe('scope', () => {
  test('works when added to one stack only, and judges resources made by any construct library (here an L2 and an L1)', () => {
    const app = new App();
    const judged = new Stack(app, 'Judged');
    const other = new Stack(app, 'Other');
    new kms.Key(judged, 'L2Key');
    new kms.CfnKey(judged, 'L1Key', {});
    new kms.CfnKey(other, 'Untouched', {});
    const baseline = new SecurityBaseline({ mode: SecurityBaselineMode.FIX });
    Aspects.of(judged).add(baseline);
    expect(Template.fromStack(judged).toJSON().Resources.L1Key.Properties.EnableKeyRotation).toBe(true);
    expect(Template.fromStack(other).toJSON().Resources.Untouched.Properties).toBeUndefined();
    expect(baseline.changes.map((c) => c.path).sort()).toEqual(['Judged/L1Key', 'Judged/L2Key/Resource']);
  });

  test('a nested Stage (a pipeline stage) is judged when the Aspect is added to it too: aspects do not cross Stage boundaries', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod');
    new kms.CfnKey(new Stack(stage, 'Data'), 'Key', {});
    const baseline = new SecurityBaseline();
    Aspects.of(app).add(baseline);
    Aspects.of(stage).add(baseline);
    expect(synthError(app)?.message).toContain('Prod/Data/Key: EnableKeyRotation = not set.');
    expect(baseline.findings.map((f) => f.path)).toEqual(['Prod/Data/Key']);
  });

  test('one Aspect instance reused for a second app starts afresh: findings and changes are those of the last synthesis', () => {
    // GIVEN one fixing Aspect, and two apps with the same paths (two keys in the first, one in the second)
    const baseline = new SecurityBaseline({ mode: SecurityBaselineMode.FIX, disabledControls: ['LOGS1'] });
    const counts: { findings: number; changes: number }[] = [];
    for (const keys of [2, 1]) {
      const app = new App();
      const stack = new Stack(app, 'S');
      for (let i = 0; i < keys; i++) new kms.CfnKey(stack, `Key${i}`, {});
      new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 7 });
      Aspects.of(app).add(baseline);
      // WHEN
      synthError(app);
      counts.push({ findings: baseline.findings.length, changes: baseline.changes.length });
    }
    // THEN (LOGS2 reports the log group; KMS1 fixes each key)
    expect(counts).toEqual([{ findings: 1, changes: 2 }, { findings: 1, changes: 1 }]);
    expect(baseline.changes.map((c) => c.path)).toEqual(['S/Key0']);
  });
});
