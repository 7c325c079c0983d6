import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Acknowledgements, SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { buildInsecureApp } from '../fixtures/insecure-app';
import { addBaseline, findingKeys, REPORT_ONLY_CONTROLS, synthError } from './helpers';
import { validationReport } from '../helpers/compliance';

/** Every violation of the insecure app: one finding per control and resource, no more. */
const ALL_FINDINGS = [
  'SecurityBaseline-ALB1 @ Insecure/PublicAlb/Https/Resource',
  'SecurityBaseline-ALB2 @ Insecure/InternalAlb/Http/Resource',
  'SecurityBaseline-ALB2 @ Insecure/PublicAlb/Http/Resource',
  'SecurityBaseline-ALB3 @ Insecure/InternalAlb/Resource',
  'SecurityBaseline-ALB3 @ Insecure/PublicAlb/Resource',
  'SecurityBaseline-ALB4 @ Insecure/InternalAlb/Resource',
  'SecurityBaseline-ALB4 @ Insecure/PublicAlb/Resource',
  'SecurityBaseline-ALB5 @ Insecure/PublicAlb/Https/Resource',
  'SecurityBaseline-ALB6 @ Insecure/InternalAlb/Resource',
  'SecurityBaseline-ALB6 @ Insecure/PublicAlb/Resource',
  'SecurityBaseline-ALB7 @ Insecure/InternalAlb/Resource',
  'SecurityBaseline-ALB7 @ Insecure/PublicAlb/Resource',
  'SecurityBaseline-APIGW1 @ Insecure/Api/Domain/Resource',
  'SecurityBaseline-APIGW2 @ Insecure/Api/Resource',
  'SecurityBaseline-APIGW3 @ Insecure/Api/DeploymentStage.prod/Resource',
  'SecurityBaseline-APIGW4 @ Insecure/Api/DeploymentStage.prod/Resource',
  'SecurityBaseline-APIGW5 @ Insecure/Api/DeploymentStage.prod/Resource',
  'SecurityBaseline-APIGW6 @ Insecure/Api/DeploymentStage.prod/Resource',
  'SecurityBaseline-BUCKET1 @ Insecure/Bucket/Resource',
  'SecurityBaseline-BUCKET2 @ Insecure/Bucket/Resource',
  'SecurityBaseline-BUCKET3 @ Insecure/Bucket/Resource',
  'SecurityBaseline-CF1 @ Insecure/Cdn/Resource',
  'SecurityBaseline-CF2 @ Insecure/Cdn/Resource',
  'SecurityBaseline-CF3 @ Insecure/Cdn/Resource',
  'SecurityBaseline-CF4 @ Insecure/Cdn/Resource',
  'SecurityBaseline-COGNITO1 @ Insecure/Users/Resource',
  'SecurityBaseline-COGNITO2 @ Insecure/Users/Resource',
  'SecurityBaseline-COGNITO3 @ Insecure/Users/Resource',
  'SecurityBaseline-HTTPAPI1 @ Insecure/HttpApi/DefaultStage/Resource',
  'SecurityBaseline-HTTPAPI2 @ Insecure/HttpApi/DefaultStage/Resource',
  'SecurityBaseline-HTTPAPI3 @ Insecure/HttpDomain/Resource',
  'SecurityBaseline-KMS1 @ Insecure/Key/Resource',
  'SecurityBaseline-LAMBDA1 @ Insecure/Function/Resource',
  'SecurityBaseline-LAMBDA2 @ Insecure/Function/Resource',
  'SecurityBaseline-LOGS1 @ Insecure/Logs/Resource',
  'SecurityBaseline-LOGS2 @ Insecure/Logs/Resource',
  'SecurityBaseline-NLB1 @ Insecure/Nlb/Tls/Resource',
  'SecurityBaseline-RDS1 @ Insecure/Database/Resource',
  'SecurityBaseline-RDS2 @ Insecure/Database/Resource',
  'SecurityBaseline-RDS3 @ Insecure/Database/Resource',
  'SecurityBaseline-RDS4 @ Insecure/Database/Resource',
  'SecurityBaseline-RDS5 @ Insecure/Database/Resource',
  'SecurityBaseline-SECRET1 @ Insecure/Database/Secret/Resource',
  'SecurityBaseline-SG1 @ Insecure/AdminSg/Resource',
  'SecurityBaseline-WAF1 @ Insecure/Api/DeploymentStage.prod/Resource',
  'SecurityBaseline-WAF1 @ Insecure/PublicAlb/Resource',
];

/**
 * What fix mode cannot change safely: report-only controls, the HTTP listener of a load balancer without HTTPS, and the
 * viewer TLS of a distribution on the default CloudFront certificate.
 */
const UNFIXABLE = ALL_FINDINGS.filter((f) => REPORT_ONLY_CONTROLS.some((id) => f.startsWith(`SecurityBaseline-${id} `))
  || f === 'SecurityBaseline-ALB2 @ Insecure/InternalAlb/Http/Resource' || f === 'SecurityBaseline-CF2 @ Insecure/Cdn/Resource');

/**
 * The insecure app with fix mode and the report-only controls off, so synth passes and templates can be read;
 * the one fixable control it cannot fix there (an HTTP listener with no HTTPS listener to redirect to) is acknowledged.
 */
function fixedInsecureApp(count = 1, app = new App()): ReturnType<typeof buildInsecureApp> & { baselines: SecurityBaseline[] } {
  const built = buildInsecureApp(app);
  const baselines = Array.from({ length: count }, () => addBaseline(built.app, { mode: SecurityBaselineMode.FIX, disabledControls: REPORT_ONLY_CONTROLS }));
  Acknowledgements.of(built.internalAlb.node.findChild('Http')).add('SecurityBaseline-ALB2',
    'Test: this internal load balancer has no HTTPS listener, so the redirect cannot be added by the Aspect.');
  Acknowledgements.of(built.stack.node.findChild('Cdn')).add('SecurityBaseline-CF2',
    'Test: this distribution uses the default CloudFront certificate, whose minimum TLS version cannot be raised.');
  return { ...built, baselines };
}

describe('SecurityBaseline in report mode on an insecure app', () => {
  test('every control has a violation in the insecure app', () => {
    const ids = new Set(ALL_FINDINGS.map((f) => f.split(' ')[0]));
    expect([...ids].sort()).toEqual(SecurityBaseline.controls().map((c) => c.ruleId).sort());
  });

  test('synth fails with exactly the expected findings, one per violation', () => {
    // GIVEN
    const { app } = buildInsecureApp();
    const baseline = addBaseline(app, { mode: SecurityBaselineMode.REPORT });
    // WHEN
    const error = synthError(app);
    // THEN
    expect(error?.message).toContain('(SecurityBaseline)');
    expect(findingKeys(baseline)).toEqual(ALL_FINDINGS);
    for (const f of ALL_FINDINGS) {
      const [ruleId] = f.split(' ');
      expect(error!.message).toContain(`Acknowledge with 'SecurityBaseline::${ruleId}'`);
    }
  });

  test('each message is one line naming the resource path, the setting, the value found and the fix', () => {
    const { app } = buildInsecureApp();
    const baseline = addBaseline(app);
    synthError(app);
    for (const f of baseline.findings) {
      expect(f.message).not.toContain('\n');
      expect(f.message).toMatch(new RegExp(`^${f.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S.* = .+\\. Fix: .+\\.$`));
    }
    expect(baseline.findings.find((f) => f.ruleId === 'SecurityBaseline-ALB1')!.message).toBe(
      'Insecure/PublicAlb/Https/Resource: SslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06". Fix: set it to ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only).');
    expect(baseline.findings.find((f) => f.ruleId === 'SecurityBaseline-LOGS1')!.message).toBe(
      'Insecure/Logs/Resource: RetentionInDays = 7. Fix: set it to at least 365 days.');
  });

  test('report mode changes nothing', () => {
    const plain = buildInsecureApp();
    const reported = buildInsecureApp();
    addBaseline(reported.app, { mode: SecurityBaselineMode.REPORT, disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((id) => id !== 'KMS1') });
    Acknowledgements.of(reported.stack.node.findChild('Key')).add('SecurityBaseline-KMS1', 'Test: the key is only synthesized to prove report mode leaves it unchanged.');
    expect(Template.fromStack(reported.stack).toJSON()).toEqual(Template.fromStack(plain.stack).toJSON());
  });
});

describe('acknowledging a finding', () => {
  test('acknowledge() on a construct silences exactly that finding; the same control on another resource stays open', () => {
    // GIVEN two load balancers that both keep invalid header fields
    const { app, publicAlb } = buildInsecureApp();
    const baseline = addBaseline(app);
    // WHEN one is acknowledged
    Acknowledgements.of(publicAlb).add('SecurityBaseline-ALB3', 'Test: a legacy client on this load balancer sends headers with underscores.');
    const error = synthError(app);
    // THEN only that finding is acknowledged
    const acknowledged = baseline.findings.filter((f) => f.acknowledged).map((f) => `${f.ruleId} @ ${f.path}`);
    expect(acknowledged).toEqual(['SecurityBaseline-ALB3 @ Insecure/PublicAlb/Resource']);
    expect(findingKeys(baseline, { open: true })).toEqual(ALL_FINDINGS.filter((f) => f !== 'SecurityBaseline-ALB3 @ Insecure/PublicAlb/Resource'));
    expect(error!.message).toContain('Insecure/InternalAlb/Resource');
    expect(error!.message).not.toMatch(/Insecure\/PublicAlb\/Resource \(\w+\) aws-cdk-lib.aws_elasticloadbalancingv2.CfnLoadBalancer\s+Suggested fix: set it to "true"/);
  });

  test('with every finding acknowledged synth passes, and the report lists each one as suppressed with its reason', () => {
    // GIVEN
    const first = buildInsecureApp();
    const probe = addBaseline(first.app);
    synthError(first.app);
    const { app } = buildInsecureApp();
    const baseline = addBaseline(app);
    // WHEN
    for (const f of probe.findings) {
      const construct = app.node.findAll().find((c) => c.node.path === f.path)!;
      Acknowledgements.of(construct).add(f.ruleId, `Test: ${f.ruleId} is accepted on this sample resource to prove acknowledgements work.`);
    }
    const assembly = app.synth();
    // THEN
    expect(baseline.findings.every((f) => f.acknowledged)).toBe(true);
    const report = validationReport(assembly.directory).pluginReports.find((p) => p.pluginName === 'SecurityBaseline')!;
    expect(report.conclusion).toBe('success');
    expect(report.violations).toEqual([]);
    const suppressed = (report.suppressedViolations ?? []).flatMap((v) => v.violatingConstructs.map((r) => `${v.ruleName} @ ${r.constructPath}`));
    expect(suppressed.sort()).toEqual(ALL_FINDINGS);
    expect(report.suppressedViolations!.every((v) => v.reason?.startsWith('Test: ') && v.acknowledgedId === `SecurityBaseline::${v.ruleName}`)).toBe(true);
  });
});

describe('SecurityBaseline in fix mode on an insecure app', () => {
  test('reports only what it cannot fix safely', () => {
    const { app } = buildInsecureApp();
    const baseline = addBaseline(app, { mode: SecurityBaselineMode.FIX });
    expect(synthError(app)).toBeDefined();
    expect(findingKeys(baseline)).toEqual(UNFIXABLE);
    expect(baseline.changes.map((c) => `${c.ruleId} @ ${c.path}`).sort()).toEqual(ALL_FINDINGS.filter((f) => !UNFIXABLE.includes(f)));
  });

  describe('every fixable property has the baseline value', () => {
    // Report-only controls are turned off so synth passes and the template can be read.
    const { stack } = fixedInsecureApp();
    const template = Template.fromStack(stack);
    const annotations = Annotations.fromStack(stack);

    test('ALB: TLS 1.3-only policy, HSTS, header and desync attributes; HTTP redirects to HTTPS', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
        ListenerAttributes: Match.arrayWith([{ Key: 'routing.http.response.strict_transport_security.header_value', Value: 'max-age=31536000' }]) });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'redirect',
        RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301', Host: '#{host}', Path: '/#{path}', Query: '#{query}' } }] });
      const lbs = template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer', { Properties: { Type: 'application' } });
      expect(Object.keys(lbs)).toHaveLength(2);
      for (const lb of Object.values(lbs)) {
        expect(lb.Properties.LoadBalancerAttributes).toEqual(expect.arrayContaining([
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
          { Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' },
        ]));
      }
    });

    test('NLB TLS listener on TLS 1.3 only; HTTP API domain on TLS_1_2; CloudFront redirects viewers to HTTPS', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'TLS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' });
      template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2' })] });
      template.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }) }) });
    });

    test('API Gateway: TLS 1.3 domain with STRICT access; data trace off', () => {
      template.hasResourceProperties('AWS::ApiGateway::DomainName', { SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', EndpointAccessMode: 'STRICT' });
      template.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [Match.objectLike({ DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*' })] });
    });

    test('S3: a bucket policy denying non-TLS and TLS < 1.2; Block Public Access on', () => {
      template.hasResourceProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: {
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } });
      template.hasResourceProperties('AWS::S3::BucketPolicy', { Bucket: { Ref: Match.stringLikeRegexp('^Bucket') }, PolicyDocument: { Statement: [
        Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ] } });
    });

    test('logs keep a year; keys rotate', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    test('every change is recorded as an info annotation on the resource', () => {
      annotations.hasInfo('/Insecure/PublicAlb/Https/Resource',
        Match.stringLikeRegexp('SslPolicy "ELBSecurityPolicy-TLS13-1-2-2021-06" -> "ELBSecurityPolicy-TLS13-1-3-2021-06" \\(SecurityBaseline-ALB1 fix\\)'));
      annotations.hasInfo('/Insecure/Logs/Resource', Match.stringLikeRegexp('RetentionInDays 7 -> 365 \\(SecurityBaseline-LOGS1 fix\\)'));
      annotations.hasInfo('/Insecure/Bucket/Resource', Match.stringLikeRegexp("to the bucket's own policy Insecure/Bucket/Policy"));
      // Stricter HTTP parsing on the internet-facing load balancer can reject requests the default accepted: warnings, to be reviewed.
      const warnings = annotations.findWarning('*', Match.stringLikeRegexp('SecurityBaseline-\\w+ fix\\). Review before deploying')).map((w) => w.entry.data);
      expect(warnings).toEqual([expect.stringContaining('SecurityBaseline-ALB3 fix'), expect.stringContaining('SecurityBaseline-ALB4 fix')]);
      expect(warnings.every((w) => String(w).startsWith('Insecure/PublicAlb/Resource:'))).toBe(true);
      expect(annotations.findInfo('*', Match.stringLikeRegexp('SecurityBaseline-\\w+ fix'))).toHaveLength(ALL_FINDINGS.length - UNFIXABLE.length - warnings.length);
    });
  });

  test('applying the Aspect twice gives the same template as once', () => {
    // GIVEN
    const once = fixedInsecureApp(1);
    const twice = fixedInsecureApp(2);
    // THEN
    expect(Template.fromStack(twice.stack).toJSON()).toEqual(Template.fromStack(once.stack).toJSON());
    expect(twice.baselines[0].changes.length).toBeGreaterThan(0);
    expect(twice.baselines[1].changes).toEqual([]);
  });

  test('a fixed template synthesized again is unchanged (same Aspect, second synth)', () => {
    const { app, stack, baselines: [baseline] } = fixedInsecureApp();
    const first = JSON.stringify(Template.fromStack(stack).toJSON());
    const changes = baseline.changes.length;
    expect(JSON.stringify(app.synth({ force: true }).getStackByName(stack.stackName).template)).toBe(first);
    expect(baseline.changes).toHaveLength(changes);
  });

  test('an app that is already fixed is not changed by report or fix mode', () => {
    const fixed = fixedInsecureApp();
    const before = Template.fromStack(fixed.stack).toJSON();
    const again = addBaseline(fixed.app, { mode: SecurityBaselineMode.REPORT, disabledControls: REPORT_ONLY_CONTROLS });
    expect(JSON.parse(JSON.stringify(fixed.app.synth({ force: true }).getStackByName(fixed.stack.stackName).template))).toEqual(before);
    expect(again.findings.filter((f) => !f.acknowledged)).toEqual([]);
  });
});
