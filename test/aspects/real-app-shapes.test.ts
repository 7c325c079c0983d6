import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigatewayv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { addBaseline, synthError } from './helpers';

type Build = (stack: Stack) => void;

/** Synthesizes the shape plain, in report mode, in fix mode and with fix applied twice; templates are read from the assembly (findings fail synth after it is written). */
function shape(build: Build) {
  const synth = (modes: SecurityBaselineMode[]) => {
    const app = new App();
    build(new Stack(app, 'S', { env: { account: '123456789012', region: 'eu-west-1' } }));
    const baselines = modes.map((mode) => addBaseline(app, { mode }));
    const error = synthError(app);
    const template = JSON.parse(readFileSync(join(app.outdir, 'S.template.json'), 'utf8'));
    return { baselines, error, template };
  };
  return { plain: synth([]), report: synth([SecurityBaselineMode.REPORT]), fix: synth([SecurityBaselineMode.FIX]), twice: synth([SecurityBaselineMode.FIX, SecurityBaselineMode.FIX]) };
}

/** The properties every shape keeps: report changes nothing; fix keeps every logical id and is idempotent. */
function expectSafe(s: ReturnType<typeof shape>): void {
  expect(s.report.template).toEqual(s.plain.template);
  expect(Object.keys(s.fix.template.Resources).sort()).toEqual(Object.keys(s.plain.template.Resources).sort());
  for (const [id, r] of Object.entries<{ Type: string }>(s.plain.template.Resources)) expect(s.fix.template.Resources[id].Type).toBe(r.Type);
  expect(s.twice.template).toEqual(s.fix.template);
  expect(s.twice.baselines[1].changes).toEqual([]);
}

const ids = (b: SecurityBaseline, prefix: string) => b.findings.map((f) => f.controlId).filter((id) => id.startsWith(prefix)).sort();
const changed = (b: SecurityBaseline, prefix: string) => b.changes.map((c) => c.controlId).filter((id) => id.startsWith(prefix)).sort();

describe('a Lambda function with logRetention (Custom::LogRetention)', () => {
  const s = shape((stack) => new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    logRetention: logs.RetentionDays.ONE_DAY,
  }));
  const retention = (t: { Resources: Record<string, { Type: string; Properties: { RetentionInDays?: number } }> }) =>
    Object.values(t.Resources).filter((r) => r.Type === 'Custom::LogRetention').map((r) => r.Properties.RetentionInDays);

  test('report: one day of logs is a LOGS1 finding on the custom resource', () => {
    const finding = s.report.baselines[0].findings.find((f) => f.controlId === 'LOGS1')!;
    expect(finding.path).toBe('S/Fn/LogRetention/Resource');
    expect(finding.message).toContain('S/Fn/LogRetention/Resource: RetentionInDays (Custom::LogRetention) = 1. Fix: set logRetention');
  });

  test('fix: the custom resource is reported, not changed (a plain CfnResource has no public reader before the template is written); synth fails; report changed nothing', () => {
    expect(retention(s.plain.template)).toEqual([1]);
    expect(retention(s.fix.template)).toEqual([1]);
    expect(changed(s.fix.baselines[0], 'LOGS')).toEqual([]);
    expect(ids(s.fix.baselines[0], 'LOGS')).toEqual(['LOGS1']);
    expect(s.fix.error?.message).toContain('S/Fn/LogRetention/Resource: RetentionInDays (Custom::LogRetention) = 1. Fix: set logRetention');
    expectSafe(s);
  });
});

describe('a CloudFront distribution with allow-all (the L2 default) and the default certificate', () => {
  const s = shape((stack) => {
    const d = new cloudfront.Distribution(stack, 'Site', { defaultBehavior: { origin: new origins.HttpOrigin('origin.example.com', { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY }) } });
    d.addBehavior('/api/*', new origins.HttpOrigin('api.example.com'), { allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL, viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY });
  });
  const behaviorPolicy = (t: { Resources: Record<string, { Type: string; Properties: any }> }) =>
    Object.values(t.Resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy;

  test('report: viewer protocol, viewer TLS (default certificate), HTTP origin and logging are findings', () => {
    expect(ids(s.report.baselines[0], 'CF')).toEqual(['CF1', 'CF2', 'CF3', 'CF4']);
    expect(s.report.baselines[0].findings.find((f) => f.controlId === 'CF1')!.message).toBe(
      'S/Site/Resource: DefaultCacheBehavior.ViewerProtocolPolicy = "allow-all". Fix: set viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS.');
  });

  test('fix: the GET/HEAD behavior redirects to HTTPS; the rest is reported (they could break the app); logical ids kept; idempotent', () => {
    expect(behaviorPolicy(s.plain.template)).toBe('allow-all');
    expect(behaviorPolicy(s.fix.template)).toBe('redirect-to-https');
    expect(changed(s.fix.baselines[0], 'CF')).toEqual(['CF1']);
    expect(ids(s.fix.baselines[0], 'CF')).toEqual(['CF2', 'CF3', 'CF4']);
    expectSafe(s);
  });

  test('a behavior that accepts POST with allow-all is reported, not redirected (a redirect can drop a request body)', () => {
    const post = shape((stack) => new cloudfront.Distribution(stack, 'Api', { defaultBehavior: {
      origin: new origins.HttpOrigin('api.example.com'), allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL } }));
    expect(changed(post.fix.baselines[0], 'CF')).toEqual([]);
    expect(post.fix.baselines[0].findings.find((f) => f.controlId === 'CF1')!.message).toContain('not fixed: these behaviors accept requests with a body');
    expect(post.fix.template).toEqual(post.plain.template);
  });

  test('a distribution on its own certificate with TLSv1.2_2019 is raised to TLSv1.2_2021', () => {
    const own = shape((stack) => new cloudfront.Distribution(stack, 'Site', {
      defaultBehavior: { origin: new origins.HttpOrigin('origin.example.com'), viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS },
      domainNames: ['www.example.com'], certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/x'),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2019 }));
    expect(changed(own.fix.baselines[0], 'CF')).toEqual(['CF2']);
    expect(JSON.stringify(own.fix.template)).toContain('"MinimumProtocolVersion":"TLSv1.2_2021"');
    expectSafe(own);
  });
});

describe('an HTTP API (apigatewayv2) on a custom domain', () => {
  const s = shape((stack) => {
    const domainName = new apigatewayv2.DomainName(stack, 'Domain', { domainName: 'api.example.com',
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/x'), securityPolicy: apigatewayv2.SecurityPolicy.TLS_1_0 });
    const api = new apigatewayv2.HttpApi(stack, 'Api', { defaultDomainMapping: { domainName } });
    api.addRoutes({ path: '/items', methods: [apigatewayv2.HttpMethod.GET], integration: new HttpUrlIntegration('Backend', 'https://backend.example.com/items') });
  });

  test('report: the stage has no access logs and no throttling; the domain accepts TLS 1.0', () => {
    expect(ids(s.report.baselines[0], 'HTTPAPI')).toEqual(['HTTPAPI1', 'HTTPAPI2', 'HTTPAPI3']);
    expect(s.report.baselines[0].findings.find((f) => f.controlId === 'HTTPAPI3')!.message).toBe(
      'S/Domain/Resource: DomainNameConfigurations[].SecurityPolicy = "TLS_1_0". Fix: set securityPolicy: SecurityPolicy.TLS_1_2 (HTTP APIs cannot use the TLS 1.3 policies REST APIs have).');
  });

  test('fix: the domain moves to TLS_1_2; logs and throttling stay findings; logical ids kept; idempotent', () => {
    expect(JSON.stringify(s.fix.template)).toContain('"SecurityPolicy":"TLS_1_2"');
    expect(changed(s.fix.baselines[0], 'HTTPAPI')).toEqual(['HTTPAPI3']);
    expect(ids(s.fix.baselines[0], 'HTTPAPI')).toEqual(['HTTPAPI1', 'HTTPAPI2']);
    expectSafe(s);
  });
});

describe('a Network Load Balancer TLS listener', () => {
  const s = shape((stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc, internetFacing: true });
    nlb.addListener('Tls', { port: 443, certificates: [elbv2.ListenerCertificate.fromArn('arn:aws:acm:eu-west-1:123456789012:certificate/x')],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS, defaultAction: elbv2.NetworkListenerAction.forward([new elbv2.NetworkTargetGroup(stack, 'Targets', { vpc, port: 8443, protocol: elbv2.Protocol.TLS })]) });
  });

  test('report: the TLS 1.2 policy is an NLB1 finding', () => {
    expect(s.report.baselines[0].findings.filter((f) => f.controlId === 'NLB1').map((f) => f.message)).toEqual([
      'S/Nlb/Tls/Resource: SslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06". Fix: set it to ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only).']);
  });

  test('fix: TLS 1.3 only; logical ids kept; idempotent', () => {
    expect(JSON.stringify(s.fix.template)).toContain('"SslPolicy":"ELBSecurityPolicy-TLS13-1-3-2021-06"');
    expect(changed(s.fix.baselines[0], 'NLB')).toEqual(['NLB1']);
    expectSafe(s);
  });

  test('a FIPS policy is raised to the FIPS TLS 1.3-only policy, never replaced by a non-FIPS one', () => {
    const fips = shape((stack) => {
      const lb = new elbv2.CfnLoadBalancer(stack, 'Lb', { type: 'network', subnets: ['subnet-1'] });
      new elbv2.CfnListener(stack, 'Tls', { loadBalancerArn: lb.ref, port: 443, protocol: 'TLS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04',
        defaultActions: [{ type: 'forward', targetGroupArn: 'arn:tg' }] });
    });
    expect(changed(fips.fix.baselines[0], 'NLB')).toEqual(['NLB1']);
    expect(fips.fix.template.Resources.Tls.Properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04');
    expect(fips.report.baselines[0].findings.find((f) => f.controlId === 'NLB1')!.message).toContain('Fix: set it to ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04 (TLS 1.3 only, FIPS)');
    expectSafe(fips);
  });
});
