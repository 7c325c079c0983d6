import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { LogsKey, SecureLogGroup } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { WebFirewall } from '../../lib/constructs/web-firewall';
import {
  AccessLogBucket, DEFAULT_CONTENT_SECURITY_POLICY, LISTENER_HEADER_ATTRIBUTES, TlsLoadBalancer, TlsLoadBalancerProps,
} from '../../lib/constructs/tls-load-balancer';
import { StageStacks } from '../../app/baseline';
import { buildTestApp, exampleBaselineWith, projectApp } from '../helpers/baseline';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const TLS13_ONLY = 'ELBSecurityPolicy-TLS13-1-3-2021-06';
const DEFAULT_HSTS = 'max-age=63072000; includeSubDomains; preload';

/** An App with the project's feature flags (cdk.json), validated as `cdk synth` validates, and no bundling. */
function newApp(): App {
  return projectApp({ baseline: undefined, 'aws:cdk:bundling-stacks': [] });
}

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly vpc: ec2.IVpc;
  readonly zone: route53.IHostedZone;
}

function fixture(vpcProps: ec2.VpcProps = {}): Fixture {
  const app = newApp();
  const stack = new Stack(app, 'TestStack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0, ...vpcProps });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLEABC', zoneName: 'example.com' });
  return { app, stack, vpc, zone };
}

function build(props: Partial<TlsLoadBalancerProps> = {}, f: Fixture = fixture()): Fixture & { lb: TlsLoadBalancer; template: () => Template } {
  const lb = new TlsLoadBalancer(f.stack, 'Lb', {
    vpc: f.vpc,
    hostedZone: f.zone,
    ...(props.certificate ? {} : { domainName: 'app.example.com' }),
    ...props,
  });
  let template: Template | undefined;
  return { ...f, lb, template: () => (template ??= Template.fromStack(f.stack)) };
}

function attributes(template: Template, type: string, key: 'LoadBalancerAttributes' | 'ListenerAttributes', port?: number): Record<string, unknown> {
  const resources = Object.values(template.findResources(type)).filter((r) => port === undefined || r.Properties.Port === port);
  expect(resources).toHaveLength(1);
  return Object.fromEntries((resources[0].Properties[key] ?? []).map((a: { Key: string; Value: unknown }) => [a.Key, a.Value]));
}

const listenerAttrs = (t: Template, port: number) => attributes(t, 'AWS::ElasticLoadBalancingV2::Listener', 'ListenerAttributes', port);
const lbAttrs = (t: Template) => attributes(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'LoadBalancerAttributes');

function tinyFunction(stack: Stack, id = 'Fn'): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_LATEST,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "ok" });'),
  });
}

/** A target that registers a security group as connectable on one port (as ECS services and instances do). */
class SecurityGroupTarget implements elbv2.IApplicationLoadBalancerTarget {
  constructor(private readonly securityGroup: ec2.ISecurityGroup, private readonly port: number) {}
  public attachToApplicationTargetGroup(targetGroup: elbv2.IApplicationTargetGroup): elbv2.LoadBalancerTargetProps {
    targetGroup.registerConnectable(new ec2.Connections({ securityGroups: [this.securityGroup] }), ec2.Port.tcp(this.port));
    return { targetType: elbv2.TargetType.IP, targetJson: { id: '10.0.0.10', port: this.port } };
  }
}

describe('TlsLoadBalancer defaults', () => {
  const { lb, template: tpl, stack } = build();
  const template = tpl();

  test('internet-facing application load balancer in the public subnets only', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
      IpAddressType: 'ipv4',
      Subnets: [{ Ref: Match.stringLikeRegexp('VpcPublicSubnet1') }, { Ref: Match.stringLikeRegexp('VpcPublicSubnet2') }],
    });
  });

  test('HTTPS listener on 443 uses TLS 1.3 only (TLS13_13) and the certificate', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: TLS13_ONLY,
      Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp('LbCertificate') } }],
    });
    expect(lb.sslPolicy).toBe(elbv2.SslPolicy.TLS13_13);
  });

  test('certificate is an ACM certificate validated by DNS through the hosted zone', () => {
    template.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'app.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'app.example.com', HostedZoneId: 'Z0123456789EXAMPLEABC' }],
      KeyAlgorithm: 'RSA_2048',
      CertificateTransparencyLoggingPreference: 'ENABLED',
    });
    expect(lb.certificate).toBeInstanceOf(acm.Certificate);
  });

  test('port 80 answers only with a permanent (301) redirect to HTTPS 443', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', 0);
    expect(listenerAttrs(template, 80)).toEqual({ [LISTENER_HEADER_ATTRIBUTES.serverEnabled]: 'false' });
  });

  test('HSTS: max-age two years, includeSubDomains, preload', () => {
    expect(listenerAttrs(template, 443)[LISTENER_HEADER_ATTRIBUTES.hsts]).toBe(DEFAULT_HSTS);
    expect(lb.hstsHeader).toBe(DEFAULT_HSTS);
  });

  test('X-Content-Type-Options: nosniff', () => {
    expect(listenerAttrs(template, 443)['routing.http.response.x_content_type_options.header_value']).toBe('nosniff');
  });

  test('X-Frame-Options: DENY', () => {
    expect(listenerAttrs(template, 443)['routing.http.response.x_frame_options.header_value']).toBe('DENY');
  });

  test('Content-Security-Policy denies everything by default', () => {
    expect(listenerAttrs(template, 443)['routing.http.response.content_security_policy.header_value'])
      .toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  test('Server header removed', () => {
    expect(listenerAttrs(template, 443)['routing.http.response.server.enabled']).toBe('false');
  });

  test('invalid header fields are dropped', () => {
    expect(lbAttrs(template)['routing.http.drop_invalid_header_fields.enabled']).toBe('true');
  });

  test('desync mitigation is strictest', () => {
    expect(lbAttrs(template)['routing.http.desync_mitigation_mode']).toBe('strictest');
  });

  test('deletion protection is on', () => {
    expect(lbAttrs(template)['deletion_protection.enabled']).toBe('true');
  });

  test('WAF fail-open is off', () => {
    expect(lbAttrs(template)['waf.fail_open.enabled']).toBe('false');
  });

  test('access logs go to the created bucket', () => {
    const attrs = lbAttrs(template);
    expect(attrs['access_logs.s3.enabled']).toBe('true');
    expect(attrs['access_logs.s3.bucket']).toEqual({ Ref: expect.stringMatching(/^LbAccessLogs[0-9A-F]{8}$/) });
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^LbAccessLogs/), expect.stringMatching(/^LbServerAccessLogs/)]));
  });

  test.each(['AccessLogs', 'ServerAccessLogs'])('%s bucket blocks public access and ACLs, uses SSE-S3, is versioned, expires logs, is retained', (name) => {
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: {
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 365, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' })]) },
      },
      DeletionPolicy: 'Retain',
    });
    expect(Object.keys(buckets).filter((id) => new RegExp(`^Lb${name}[0-9A-F]{8}$`).test(id))).toHaveLength(1);
  });

  test.each(['AccessLogs', 'ServerAccessLogs'])('%s bucket refuses requests without TLS (>= 1.2)', (name) => {
    const bucketRef = { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Lb${name}[0-9A-F]{8}$`), 'Arn'] };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp(`^Lb${name}[0-9A-F]{8}$`) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: Match.arrayWith([bucketRef]) }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('access-log bucket has S3 server access logging to the server-access-log bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^LbServerAccessLogs') } },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  test('security group admits only 443 and 80 from the internet and has no egress until a target is added', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^TLS load balancer'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 }),
      ],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });

  test('HTTPS answers a fixed 404 JSON response until a target is added', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'application/json', MessageBody: '{"message":"Not Found"}' } }],
    });
  });

  test('no DNS record without recordName', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(lb.aliasRecords).toHaveLength(0);
  });

  test('exposes the underlying L2 constructs', () => {
    expect(lb.loadBalancer).toBeInstanceOf(elbv2.ApplicationLoadBalancer);
    expect(lb.httpsListener.port).toBe(443);
    expect(lb.httpListener.port).toBe(80);
    expect(lb.accessLogBucket).toBeInstanceOf(s3.Bucket);
    expect(lb.securityGroup).toBeInstanceOf(ec2.SecurityGroup);
    expect(lb.node.defaultChild).toBe(lb.loadBalancer.node.defaultChild);
    expect(lb.dnsName).toBe(lb.loadBalancer.loadBalancerDnsName);
  });

  test('adds no synth warnings', () => {
    expect(Annotations.fromStack(stack).findWarning('/TestStack/Lb*', Match.anyValue())).toEqual([]);
  });
});

describe('TlsLoadBalancer rule packs', () => {
  test('every pack passes on a stack with the construct (behind a logged web ACL, in a SecureVpc)', () => {
    // GIVEN
    const app = newApp();
    const stack = new Stack(app, 'PackStack', { env: ENV });
    const logsKey = new LogsKey(stack, 'LogsKey');
    const network = new SecureVpc(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLEABC', zoneName: 'example.com' });
    // WHEN
    const lb = new TlsLoadBalancer(stack, 'Lb', { vpc: network.vpc, hostedZone: zone, domainName: 'app.example.com', recordName: 'app.example.com' });
    const acl = new wafv2.CfnWebACL(stack, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'test', sampledRequestsEnabled: true },
      rules: [],
    });
    new wafv2.CfnWebACLAssociation(stack, 'WebAclAssociation', { resourceArn: lb.loadBalancer.loadBalancerArn, webAclArn: acl.attrArn });
    const wafLogs = new SecureLogGroup(stack, 'WafLogs', { encryptionKey: logsKey.key, logGroupName: 'aws-waf-logs-test', removalPolicy: RemovalPolicy.DESTROY });
    new wafv2.CfnLoggingConfiguration(stack, 'WafLogging', { resourceArn: acl.attrArn, logDestinationConfigs: [wafLogs.logGroupArn] });
    // THEN
    expect(formatFindings(ruleFindings(app))).toBe('');
  });

  test('without a web ACL the packs report ALBWAFEnabled (the ALB must be put behind a WAF)', () => {
    const { app } = build();
    expect(formatFindings(ruleFindings(app))).toMatch(/PCI\.DSS\.321-ALBWAFEnabled @ TestStack\/Lb\/Resource\/Resource/);
  });

  test('the 0.0.0.0/0 acknowledgement (behind a web ACL) sits on the load balancer security group only', () => {
    const { app, stack, lb } = build();
    associateWebAcl(stack, lb.loadBalancer.loadBalancerArn);
    const ec23 = acknowledgements(app).filter((a) => a.id === 'AwsSolutions-EC23');
    expect(ec23.map((a) => a.path)).toEqual(['TestStack/Lb/SecurityGroup']);
  });
});

/** A web ACL (no rules: the association is what the construct checks) associated with `resourceArn`, in `stack`. */
function associateWebAcl(stack: Stack, resourceArn: string, id = 'WebAcl'): wafv2.CfnWebACLAssociation {
  const acl = new wafv2.CfnWebACL(stack, id, {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: id, sampledRequestsEnabled: true },
    rules: [],
  });
  return new wafv2.CfnWebACLAssociation(stack, `${id}Association`, { resourceArn, webAclArn: acl.attrArn });
}

/** The AwsSolutions-EC23 findings and acknowledgements of the app, as the rule packs see them. */
function ec23(app: App): { findings: string[]; acks: string[] } {
  return {
    findings: ruleFindings(app).filter((f) => f.rule === 'AwsSolutions-EC23').map((f) => f.path),
    acks: acknowledgements(app).filter((a) => a.id === 'AwsSolutions-EC23').map((a) => a.path),
  };
}

describe('TlsLoadBalancer acknowledgements are made only when the finished app shows their reason', () => {
  test('no web ACL associated: AwsSolutions-EC23 (open ingress) reaches the user, nothing is acknowledged', () => {
    const { app } = build();
    expect(ec23(app)).toEqual({ findings: ['TestStack/Lb/SecurityGroup/Resource'], acks: [] });
  });

  test('a web ACL associated with this load balancer (after the construct): EC23 is acknowledged with the association named', () => {
    // GIVEN
    const { app, stack, lb } = build();
    // WHEN
    associateWebAcl(stack, lb.loadBalancer.loadBalancerArn);
    // THEN
    expect(ec23(app)).toEqual({ findings: [], acks: ['TestStack/Lb/SecurityGroup'] });
    const [ack] = acknowledgements(app).filter((a) => a.id === 'AwsSolutions-EC23');
    expect(ack.reason).toContain('TestStack/WebAclAssociation targets this load balancer');
    expect(ack.reason).toContain(TLS13_ONLY);
    expect(ack.reason).not.toMatch(/network stack|notes|sample/i);
  });

  test('a WebFirewall in another stack associated with the load balancer counts (cross-stack reference)', () => {
    const { app, lb } = build();
    const edge = new Stack(app, 'Edge', { env: ENV });
    const firewall = new WebFirewall(edge, 'Firewall', { logsKey: new LogsKey(edge, 'LogsKey').key });
    firewall.associateLoadBalancer(lb.loadBalancer);
    expect(ec23(app)).toEqual({ findings: [], acks: ['TestStack/Lb/SecurityGroup'] });
  });

  test('a web ACL associated with another load balancer does not count', () => {
    const { app, stack, vpc } = build();
    const other = new elbv2.ApplicationLoadBalancer(stack, 'Other', { vpc, internetFacing: true });
    associateWebAcl(stack, other.loadBalancerArn);
    expect(ec23(app)).toEqual({ findings: ['TestStack/Lb/SecurityGroup/Resource'], acks: [] });
  });

  test('an ingress port other than 443 and 80 added later voids the reason, even behind a web ACL', () => {
    const { app, stack, lb } = build();
    associateWebAcl(stack, lb.loadBalancer.loadBalancerArn);
    lb.connections.allowFrom(ec2.Peer.anyIpv4(), ec2.Port.tcp(8080));
    expect(ec23(app)).toEqual({ findings: ['TestStack/Lb/SecurityGroup/Resource'], acks: [] });
  });

  test('the HTTP listener certificate finding is acknowledged while it only redirects, and reaches the user once it routes', () => {
    const certificateFindings = (app: App): string[] => ruleFindings(app).filter((f) => f.rule.endsWith('-ELBv2ACMCertificateRequired')).map((f) => f.rule);
    const redirectOnly = build();
    expect(certificateFindings(redirectOnly.app)).toEqual([]);
    expect(acknowledgements(redirectOnly.app).filter((a) => a.id.endsWith('-ELBv2ACMCertificateRequired')).map((a) => a.path))
      .toEqual(Array(3).fill('TestStack/Lb/Resource/Http'));
    // WHEN a rule on port 80 serves content
    const routed = build();
    routed.lb.httpListener.addAction('Plain', {
      priority: 1, conditions: [elbv2.ListenerCondition.pathPatterns(['/plain'])], action: elbv2.ListenerAction.fixedResponse(200),
    });
    expect(certificateFindings(routed.app).sort()).toEqual(['HIPAA.Security-ELBv2ACMCertificateRequired', 'NIST.800.53.R5-ELBv2ACMCertificateRequired',
      'PCI.DSS.321-ELBv2ACMCertificateRequired']);
  });

  test('cdk synth: the cdk-nag plugin sees the acknowledgement decided at synth end (and reports EC23 without a web ACL)', () => {
    const synthErrors = (withAcl: boolean): string => {
      const { app, stack, lb } = build();
      if (withAcl) associateWebAcl(stack, lb.loadBalancer.loadBalancerArn);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      try { app.synth(); return ''; } catch (e) { return String(e); }
    };
    const without = synthErrors(false);
    expect(without).toMatch(/AwsSolutions-EC23/);
    const behindAcl = synthErrors(true);
    expect(behindAcl).toMatch(/AwsSolutions-/); // the pack ran (the bare test VPC has findings of its own)
    expect(behindAcl).not.toMatch(/AwsSolutions-EC23/);
  });
});

describe('TlsLoadBalancer overrides', () => {
  test.each([
    ['TLS13_13_PQ', elbv2.SslPolicy.TLS13_13_PQ, 'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09'],
    ['FIPS_TLS13_13', elbv2.SslPolicy.FIPS_TLS13_13, 'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04'],
    ['FIPS_TLS13_13_PQ', elbv2.SslPolicy.FIPS_TLS13_13_PQ, 'ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09'],
  ])('sslPolicy %s (TLS 1.3 only) is accepted without opt-in or warning', (_name, sslPolicy, value) => {
    const { template, stack } = build({ sslPolicy });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, SslPolicy: value });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('TLS 1.2'))).toEqual([]);
  });

  test.each([
    ['TLS13_12_PQ', elbv2.SslPolicy.TLS13_12_PQ],
    ['RECOMMENDED_TLS', elbv2.SslPolicy.RECOMMENDED_TLS],
    ['TLS13_RES', elbv2.SslPolicy.TLS13_RES],
    ['FIPS_TLS13_12_EXT2_PQ', elbv2.SslPolicy.FIPS_TLS13_12_EXT2_PQ],
  ])('allowTls12: true accepts %s and warns at synth', (_name, sslPolicy) => {
    const { template, stack } = build({ sslPolicy, allowTls12: true });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, SslPolicy: sslPolicy });
    Annotations.fromStack(stack).hasWarning('/TestStack/Lb', Match.stringLikeRegexp(`${sslPolicy} accepts TLS 1.2 because allowTls12 is true`));
  });

  test('hsts: a one-year max-age without subdomains or preload', () => {
    const { template } = build({ hsts: { maxAge: Duration.days(365), includeSubDomains: false, preload: false } });
    expect(listenerAttrs(template(), 443)[LISTENER_HEADER_ATTRIBUTES.hsts]).toBe('max-age=31536000');
  });

  test('hsts: includeSubDomains without preload', () => {
    const { template } = build({ hsts: { preload: false } });
    expect(listenerAttrs(template(), 443)[LISTENER_HEADER_ATTRIBUTES.hsts]).toBe('max-age=63072000; includeSubDomains');
  });

  test('contentSecurityPolicy replaces the default', () => {
    const csp = "default-src 'self'; frame-ancestors 'none'";
    const { template } = build({ contentSecurityPolicy: csp });
    expect(listenerAttrs(template(), 443)[LISTENER_HEADER_ATTRIBUTES.contentSecurityPolicy]).toBe(csp);
    expect(csp).not.toBe(DEFAULT_CONTENT_SECURITY_POLICY);
  });

  test('deletionProtection: false turns deletion protection off and warns at synth', () => {
    const { template, stack } = build({ deletionProtection: false });
    expect(lbAttrs(template())['deletion_protection.enabled']).toBe('false');
    Annotations.fromStack(stack).hasWarning('/TestStack/Lb', Match.stringLikeRegexp('^deletionProtection is off'));
  });

  test('an imported certificate is used as it is and no certificate is created', () => {
    const f = fixture();
    const certificate = acm.Certificate.fromCertificateArn(f.stack, 'Imported', 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555');
    const { template, lb } = build({ certificate }, f);
    template().resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, Certificates: [{ CertificateArn: certificate.certificateArn }],
    });
    expect(lb.certificate).toBe(certificate);
  });

  test('subjectAlternativeNames and certificateKeyAlgorithm shape the created certificate', () => {
    const { template } = build({ subjectAlternativeNames: ['www.example.com'], certificateKeyAlgorithm: acm.KeyAlgorithm.EC_PRIME256V1 });
    template().hasResourceProperties('AWS::CertificateManager::Certificate', {
      SubjectAlternativeNames: ['www.example.com'], KeyAlgorithm: 'EC_prime256v1',
    });
  });

  test('recordName creates an A alias record to the load balancer (IPv4)', () => {
    const { template, lb } = build({ recordName: 'app.example.com' });
    template().resourceCountIs('AWS::Route53::RecordSet', 1);
    template().hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'app.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789EXAMPLEABC',
      AliasTarget: { DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Lb'), 'DNSName'] }]] } },
    });
    expect(lb.aliasRecords).toHaveLength(1);
    // aliasRecords is a plain array in the API (jsii has no readonly arrays) but frozen: a caller cannot add or drop a record
    expect(() => lb.aliasRecords.push(lb.aliasRecords[0])).toThrow(TypeError);
    expect(() => lb.aliasRecords.pop()).toThrow(TypeError);
    expect(lb.aliasRecords).toHaveLength(1);
  });

  test('ipAddressType DUAL_STACK admits IPv6 clients and publishes A and AAAA records', () => {
    const f = fixture({ ipProtocol: ec2.IpProtocol.DUAL_STACK });
    const { template } = build({ ipAddressType: elbv2.IpAddressType.DUAL_STACK, recordName: 'app.example.com' }, f);
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^TLS load balancer'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { IpAddressType: 'dualstack' });
    template().hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.example.com.', Type: 'A' });
    template().hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.example.com.', Type: 'AAAA' });
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^TLS load balancer'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80 }),
        Match.objectLike({ CidrIpv6: '::/0', FromPort: 443 }),
        Match.objectLike({ CidrIpv6: '::/0', FromPort: 80 }),
      ],
    });
  });

  test('ipAddressType DUAL_STACK_WITHOUT_PUBLIC_IPV4 admits IPv6 clients only and publishes only an AAAA record', () => {
    const f = fixture({ ipProtocol: ec2.IpProtocol.DUAL_STACK });
    const { template, lb } = build({ ipAddressType: elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4, recordName: 'app.example.com' }, f);
    template().resourceCountIs('AWS::Route53::RecordSet', 1);
    template().hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.example.com.', Type: 'AAAA' });
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^TLS load balancer'),
      SecurityGroupIngress: [Match.objectLike({ CidrIpv6: '::/0', FromPort: 443 }), Match.objectLike({ CidrIpv6: '::/0', FromPort: 80 })],
    });
    expect(lb.aliasRecords).toHaveLength(1);
  });

  test('ingressPeers restricts who may connect, and then nothing is acknowledged for EC23', () => {
    const { template, app } = build({ ingressPeers: [ec2.Peer.ipv4('203.0.113.0/24')] });
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^TLS load balancer'),
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 443, ToPort: 443 }),
        Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 80, ToPort: 80 }),
      ],
    });
    expect(acknowledgements(app).filter((a) => a.id === 'AwsSolutions-EC23')).toEqual([]);
  });

  test('accessLogBucket and accessLogPrefix: logs go to the given bucket and no bucket is created', () => {
    const f = fixture();
    const bucket = s3.Bucket.fromBucketName(f.stack, 'Existing', 'existing-alb-logs');
    const { template, lb } = build({ accessLogBucket: bucket, accessLogPrefix: 'edge' }, f);
    template().resourceCountIs('AWS::S3::Bucket', 0);
    expect(lbAttrs(template())).toMatchObject({ 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'existing-alb-logs', 'access_logs.s3.prefix': 'edge' });
    expect(lb.accessLogBucket).toBe(bucket);
  });

  test('accessLogRetention and logRemovalPolicy shape the created buckets', () => {
    const { template } = build({ accessLogRetention: Duration.days(90), logRemovalPolicy: RemovalPolicy.DESTROY });
    const buckets = Object.values(template().findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.DeletionPolicy).toBe('Delete');
      expect(b.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(90);
    }
  });

  test('serverAccessLogsBucket receives the access-log bucket\'s server access logs', () => {
    const f = fixture();
    const target = s3.Bucket.fromBucketName(f.stack, 'SalTarget', 'central-s3-access-logs');
    const { template } = build({ serverAccessLogsBucket: target }, f);
    template().resourceCountIs('AWS::S3::Bucket', 1);
    template().hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: { DestinationBucketName: 'central-s3-access-logs' } });
  });

  test('idleTimeout is applied', () => {
    const { template } = build({ idleTimeout: Duration.seconds(30) });
    expect(lbAttrs(template())['idle_timeout.timeout_seconds']).toBe('30');
  });
});

describe('TlsLoadBalancer targets', () => {
  test('addLambdaTarget makes the function the default action, lets the ALB invoke it, and warns about nothing', () => {
    // GIVEN
    const { lb, stack, template } = build();
    const fn = tinyFunction(stack);
    // WHEN
    const tg = lb.addLambdaTarget('Api', fn);
    // THEN
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^LbApiTargetGroup') } }],
    });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Fn'), 'Arn'] } }],
      TargetGroupAttributes: [{ Key: 'lambda.multi_value_headers.enabled', Value: 'true' }],
    });
    template().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction', Principal: 'elasticloadbalancing.amazonaws.com',
    });
    expect(tg.targetGroupArn).toBeDefined();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('default Action already existed'))).toEqual([]);
  });

  test('addLambdaTarget with conditions adds a rule and keeps the 404 default', () => {
    const { lb, stack, template } = build();
    lb.addLambdaTarget('Api', tinyFunction(stack), {
      conditions: [elbv2.ListenerCondition.pathPatterns(['/api/*'])], priority: 10, multiValueHeadersEnabled: false,
    });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
    });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, DefaultActions: [Match.objectLike({ Type: 'fixed-response' })] });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'lambda', TargetGroupAttributes: Match.absent(),
    });
  });

  test('addTargets opens egress from the load balancer to the target on its port only', () => {
    // GIVEN
    const { lb, stack, vpc, template } = build();
    const targetSg = new ec2.SecurityGroup(stack, 'TargetSg', { vpc, allowAllOutbound: false });
    // WHEN
    lb.addTargets('Service', { port: 8443, protocol: elbv2.ApplicationProtocol.HTTPS, targets: [new SecurityGroupTarget(targetSg, 8443)] });
    // THEN
    template().resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    template().hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TargetSg'), 'GroupId'] },
      IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443,
    });
    template().hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TargetSg'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LbSecurityGroup'), 'GroupId'] },
      FromPort: 8443, ToPort: 8443,
    });
    template().hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443, DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: Match.stringLikeRegexp('^LbHttpsServiceGroup') } }],
    });
  });

  test('fails if a second default target is added', () => {
    const { lb, stack } = build();
    lb.addLambdaTarget('Api', tinyFunction(stack));
    expect(() => lb.addLambdaTarget('Other', tinyFunction(stack, 'OtherFn'))).toThrow(/TestStack\/Lb: invalid Other\.conditions.*already has a default target/);
  });
});

describe('TlsLoadBalancer validation', () => {
  test.each([
    ['TLS13_10', elbv2.SslPolicy.TLS13_10],
    ['TLS13_11', elbv2.SslPolicy.TLS13_11],
    ['RECOMMENDED (ELBSecurityPolicy-2016-08)', elbv2.SslPolicy.RECOMMENDED],
    ['the 2016-08 string', 'ELBSecurityPolicy-2016-08' as elbv2.SslPolicy],
    ['FIPS_TLS13_10_PQ', elbv2.SslPolicy.FIPS_TLS13_10_PQ],
    ['LEGACY', elbv2.SslPolicy.LEGACY],
  ])('fails if sslPolicy is %s (allows TLS 1.0/1.1), even with allowTls12', (_name, sslPolicy) => {
    expect(() => build({ sslPolicy })).toThrow(/TestStack\/Lb: invalid sslPolicy = "ELBSecurityPolicy-.*accepts TLS 1\.0\/1\.1.*Fix: use elbv2\.SslPolicy\.TLS13_13/);
    expect(() => build({ sslPolicy, allowTls12: true })).toThrow(/invalid sslPolicy/);
  });

  test('fails if sslPolicy offers no TLS 1.3 (TLS-1-2-2017-01)', () => {
    expect(() => build({ sslPolicy: elbv2.SslPolicy.TLS12, allowTls12: true })).toThrow(/invalid sslPolicy = "ELBSecurityPolicy-TLS-1-2-2017-01".*offers no TLS 1\.3/);
  });

  test('fails if sslPolicy is an unknown string', () => {
    expect(() => build({ sslPolicy: 'ELBSecurityPolicy-Made-Up-2030' as elbv2.SslPolicy }))
      .toThrow(/invalid sslPolicy = "ELBSecurityPolicy-Made-Up-2030".*not a known ELB security policy.*Fix:/);
  });

  test.each([
    ['TLS13_12_PQ', elbv2.SslPolicy.TLS13_12_PQ],
    ['RECOMMENDED_TLS', elbv2.SslPolicy.RECOMMENDED_TLS],
    ['TLS13_EXT1', elbv2.SslPolicy.TLS13_EXT1],
    ['FIPS_TLS13_12', elbv2.SslPolicy.FIPS_TLS13_12],
  ])('fails if sslPolicy %s (TLS 1.2) is used without allowTls12', (_name, sslPolicy) => {
    expect(() => build({ sslPolicy })).toThrow(/invalid sslPolicy = .*also accepts TLS 1\.2\. Fix: .*allowTls12: true/);
  });

  test('fails if the HSTS max-age is shorter than one year', () => {
    expect(() => build({ hsts: { maxAge: Duration.days(364) } })).toThrow(/invalid hsts\.maxAge = "31449600 seconds"\. Fix: use at least one year/);
    expect(() => build({ hsts: { maxAge: Duration.seconds(0) } })).toThrow(/invalid hsts\.maxAge/);
  });

  test('fails if HSTS preload is asked without includeSubDomains', () => {
    expect(() => build({ hsts: { includeSubDomains: false } })).toThrow(/invalid hsts\.preload = true\. Fix: .*includeSubDomains/);
  });

  test('fails if both certificate and domainName are given', () => {
    const f = fixture();
    const certificate = acm.Certificate.fromCertificateArn(f.stack, 'Imported', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
    expect(() => new TlsLoadBalancer(f.stack, 'Lb', { vpc: f.vpc, hostedZone: f.zone, certificate, domainName: 'app.example.com' }))
      .toThrow(/invalid certificate = .*Fix: pass exactly one of certificate .* and domainName/);
  });

  test('fails if neither certificate nor domainName is given', () => {
    const f = fixture();
    expect(() => new TlsLoadBalancer(f.stack, 'Lb', { vpc: f.vpc, hostedZone: f.zone })).toThrow(/invalid domainName = undefined\. Fix: pass exactly one of/);
  });

  test('fails if a certificate is to be created without a hosted zone', () => {
    const f = fixture();
    expect(() => new TlsLoadBalancer(f.stack, 'Lb', { vpc: f.vpc, domainName: 'app.example.com' })).toThrow(/invalid hostedZone = undefined\. Fix: .*validated by DNS/);
  });

  test('fails if certificate options are given with an imported certificate', () => {
    const f = fixture();
    const certificate = acm.Certificate.fromCertificateArn(f.stack, 'Imported', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
    expect(() => new TlsLoadBalancer(f.stack, 'Lb', { vpc: f.vpc, certificate, subjectAlternativeNames: ['www.example.com'] }))
      .toThrow(/invalid subjectAlternativeNames/);
  });

  test('fails if recordName is given without a hosted zone', () => {
    const f = fixture();
    const certificate = acm.Certificate.fromCertificateArn(f.stack, 'Imported', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
    expect(() => new TlsLoadBalancer(f.stack, 'Lb', { vpc: f.vpc, certificate, recordName: 'app.example.com' })).toThrow(/invalid recordName = "app\.example\.com"\. Fix: pass hostedZone/);
  });

  test('fails if contentSecurityPolicy is empty', () => {
    expect(() => build({ contentSecurityPolicy: ' ' })).toThrow(/invalid contentSecurityPolicy = " "/);
  });

  test('fails if ingressPeers is empty', () => {
    expect(() => build({ ingressPeers: [] })).toThrow(/invalid ingressPeers = \[\]/);
  });

  test('fails if accessLogRetention is shorter than a day', () => {
    expect(() => build({ accessLogRetention: Duration.hours(1) })).toThrow(/invalid accessLogRetention = "1 hour"\. Fix: use a whole number of days/);
    expect(() => build({ accessLogRetention: Duration.hours(36) })).toThrow(/invalid accessLogRetention/);
  });
});

describe('dev ApiStack with the load balancer kept (loadBalancer: true; the example dev turns it off)', () => {
  let stages: StageStacks[];
  let api: Template;
  let network: Template;
  beforeAll(() => {
    stages = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) }).stages;
    api = Template.fromStack(stages[0].api, { skipCyclicalDependenciesCheck: true });
    network = Template.fromStack(stages[0].network, { skipCyclicalDependenciesCheck: true });
  });

  test('443 listener with SslPolicy ELBSecurityPolicy-TLS13-1-3-2021-06 and the HSTS attribute', () => {
    api.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: TLS13_ONLY,
      ListenerAttributes: Match.arrayWith([{ Key: 'routing.http.response.strict_transport_security.header_value', Value: DEFAULT_HSTS }]),
    });
  });

  test('port 80 redirects with HTTP_301', () => {
    api.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, DefaultActions: [{ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) }],
    });
  });

  test('drops invalid header fields and writes access logs; deletion protection follows the stage (off in dev)', () => {
    expect(lbAttrs(api)).toMatchObject({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'routing.http.desync_mitigation_mode': 'strictest',
      'access_logs.s3.enabled': 'true',
      'deletion_protection.enabled': 'false',
    });
  });

  test('DNS-validated certificate for app.dev.example.com and its alias record', () => {
    api.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'app.dev.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'app.dev.example.com', HostedZoneId: 'Z0123456789EXAMPLEABC' }],
    });
    api.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.dev.example.com.', Type: 'A' });
  });

  test('VPC flow logs in the network stack', () => {
    network.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
  });

  test('stack exposes the load balancer for targets and the web ACL', () => {
    expect(stages[0].api.loadBalancer).toBeInstanceOf(TlsLoadBalancer);
  });
});

describe('AccessLogBucket', () => {
  // GIVEN a chain of two log buckets outside any load balancer
  const stack = new Stack(newApp(), 'LogStack', { env: ENV });
  const end = new AccessLogBucket(stack, 'End', { contents: 'S3 server access logs', retention: Duration.days(30), removalPolicy: RemovalPolicy.DESTROY });
  const logs = new AccessLogBucket(stack, 'Logs', {
    contents: 'Application Load Balancer access logs', retention: Duration.days(30), removalPolicy: RemovalPolicy.DESTROY, serverAccessLogsBucket: end,
  });
  const template = Template.fromStack(stack);

  test('is a locked-down bucket whose L1 keeps the id Resource (logical ids as a plain s3.Bucket)', () => {
    expect(logs).toBeInstanceOf(s3.Bucket);
    expect(logs.node.defaultChild?.node.id).toBe('Resource');
    const buckets = template.findResources('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 30 } })] },
      },
      DeletionPolicy: 'Delete',
    });
    expect(Object.keys(buckets).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['End', 'Logs']);
  });

  test('sends its server access logs to the next bucket; the end of the chain logs nowhere', () => {
    const [logsBucket] = Object.values(template.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.LoggingConfiguration);
    expect(logsBucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: stack.getLogicalId(end.node.defaultChild as s3.CfnBucket) } });
    expect(Object.values(template.findResources('AWS::S3::Bucket')).filter((b) => b.Properties.LoggingConfiguration)).toHaveLength(1);
  });
});
