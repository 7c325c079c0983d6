import { Annotations, Duration, FeatureFlags, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../internal/acknowledge';
import { invalidProp } from '../../internal/errors';
import { warn } from '../../internal/warnings';
import { acknowledgeAccountScopedInvokePermission } from '../../internal/invoke-permissions';

const SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Shortest HSTS max-age accepted: one year, in seconds (the HSTS preload list's minimum). */
export const MIN_HSTS_MAX_AGE_SECONDS = 31_536_000;

/** TLS-1.3-only listener policies: allowed without opt-in. */
export const TLS13_ONLY_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.TLS13_13,
  elbv2.SslPolicy.TLS13_13_PQ,
  elbv2.SslPolicy.FIPS_TLS13_13,
  elbv2.SslPolicy.FIPS_TLS13_13_PQ,
];

/** Policies that offer TLS 1.3 and also TLS 1.2 (never 1.0/1.1): allowed only with `allowTls12: true`. */
export const TLS12_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.RECOMMENDED_TLS,
  elbv2.SslPolicy.TLS13_RES,
  elbv2.SslPolicy.TLS13_EXT1,
  elbv2.SslPolicy.TLS13_EXT2,
  elbv2.SslPolicy.TLS13_12_PQ,
  elbv2.SslPolicy.TLS13_12_RES_PQ,
  elbv2.SslPolicy.TLS13_12_EXT1_PQ,
  elbv2.SslPolicy.TLS13_12_EXT2_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12,
  elbv2.SslPolicy.FIPS_TLS13_12_RES,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT0,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT1,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT2,
  elbv2.SslPolicy.FIPS_TLS13_12_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_RES_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT0_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT1_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT2_PQ,
];

/** Policies that still accept TLS 1.0 or 1.1, or offer no TLS 1.3 at all: always rejected. */
export const REJECTED_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.RECOMMENDED,
  elbv2.SslPolicy.TLS13_10,
  elbv2.SslPolicy.TLS13_11,
  elbv2.SslPolicy.TLS13_10_PQ,
  elbv2.SslPolicy.FIPS_TLS13_11,
  elbv2.SslPolicy.FIPS_TLS13_10,
  elbv2.SslPolicy.FIPS_TLS13_10_PQ,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12_RES_GCM,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12_RES,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS11,
  elbv2.SslPolicy.FORWARD_SECRECY,
  elbv2.SslPolicy.TLS12,
  elbv2.SslPolicy.TLS12_EXT,
  elbv2.SslPolicy.TLS11,
  elbv2.SslPolicy.LEGACY,
];

/** The default Content-Security-Policy: nothing may load, frame, submit or set a base URL (right for a JSON API). */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Listener attribute keys the construct sets (the ALB adds these headers to every HTTPS response). */
export const LISTENER_HEADER_ATTRIBUTES = {
  hsts: 'routing.http.response.strict_transport_security.header_value',
  contentTypeOptions: 'routing.http.response.x_content_type_options.header_value',
  frameOptions: 'routing.http.response.x_frame_options.header_value',
  contentSecurityPolicy: 'routing.http.response.content_security_policy.header_value',
  serverEnabled: 'routing.http.response.server.enabled',
} as const;

/** Strict-Transport-Security settings. */
export interface HstsOptions {
  /**
   * How long browsers remember to use HTTPS only (at least one year).
   * @default Duration.days(730) - two years, as the HSTS preload list recommends
   */
  readonly maxAge?: Duration;
  /**
   * Apply the policy to every subdomain too.
   * @default true
   */
  readonly includeSubDomains?: boolean;
  /**
   * Signal consent to the browsers' HSTS preload list (needs `includeSubDomains`).
   * @default true
   */
  readonly preload?: boolean;
}

/** Options of {@link TlsLoadBalancer.addLambdaTarget}. */
export interface TlsLoadBalancerLambdaTargetOptions {
  /**
   * Route only requests that match these conditions (needs `priority`).
   * @default - the function becomes the listener's default action
   */
  readonly conditions?: elbv2.ListenerCondition[];
  /**
   * Rule priority, required with `conditions`.
   * @default - none (default action)
   */
  readonly priority?: number;
  /**
   * Pass repeated headers and query parameters to the function as arrays.
   * @default true
   */
  readonly multiValueHeadersEnabled?: boolean;
  /**
   * Health check of the Lambda target group.
   * @default - ALB default for Lambda targets (disabled)
   */
  readonly healthCheck?: elbv2.HealthCheck;
}

/** Props of {@link TlsLoadBalancer}. */
export interface TlsLoadBalancerProps {
  /** VPC whose public subnets host the load balancer. */
  readonly vpc: ec2.IVpc;
  /**
   * Hosted zone: validates the created certificate by DNS and holds the alias record.
   * Import it with `HostedZone.fromHostedZoneAttributes` (no lookups).
   * @default - none; then pass `certificate` and no `recordName`
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * Domain name of the ACM certificate to create (DNS-validated through `hostedZone`).
   * Exactly one of `domainName` and `certificate`.
   * @default - none; pass `certificate`
   */
  readonly domainName?: string;
  /**
   * Extra names on the created certificate.
   * @default - none
   */
  readonly subjectAlternativeNames?: string[];
  /**
   * Key algorithm of the created certificate.
   * @default acm.KeyAlgorithm.RSA_2048 (every client supports it)
   */
  readonly certificateKeyAlgorithm?: acm.KeyAlgorithm;
  /**
   * An existing ACM certificate. Exactly one of `domainName` and `certificate`.
   * @default - a new DNS-validated certificate for `domainName`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * TLS policy of the HTTPS listener. TLS-1.3-only policies are accepted as they are
   * (`TLS13_13`, `TLS13_13_PQ`, `FIPS_TLS13_13`, `FIPS_TLS13_13_PQ`); policies that also
   * allow TLS 1.2 need `allowTls12: true`; anything allowing TLS 1.0/1.1 fails synth.
   * @default elbv2.SslPolicy.TLS13_13 - TLS 1.3 only
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Opt in to a TLS policy that also accepts TLS 1.2 (for clients that cannot speak 1.3).
   * Adds a synth warning.
   * @default false
   */
  readonly allowTls12?: boolean;
  /**
   * Strict-Transport-Security header.
   * @default - `max-age=63072000; includeSubDomains; preload`
   */
  readonly hsts?: HstsOptions;
  /**
   * Content-Security-Policy header added to every HTTPS response.
   * @default DEFAULT_CONTENT_SECURITY_POLICY - `default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`
   */
  readonly contentSecurityPolicy?: string;
  /**
   * Deletion protection of the load balancer. Turning it off adds a synth warning.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * IP address type. `DUAL_STACK` also publishes an AAAA record and admits IPv6 clients.
   * @default elbv2.IpAddressType.IPV4
   */
  readonly ipAddressType?: elbv2.IpAddressType;
  /**
   * Who may connect on 443 and 80.
   * @default - the whole internet (`Peer.anyIpv4()`, plus `Peer.anyIpv6()` when dual-stack)
   */
  readonly ingressPeers?: ec2.IPeer[];
  /**
   * Record name of the alias record(s) in `hostedZone`, for example `app.dev.example.com`.
   * @default - no DNS record
   */
  readonly recordName?: string;
  /**
   * Bucket for the load balancer's access logs (must use SSE-S3, same region).
   * @default - a new bucket: public access blocked, TLS enforced, SSE-S3, versioned, lifecycle expiry, server access logs
   */
  readonly accessLogBucket?: s3.IBucket;
  /**
   * Key prefix of the access logs in the bucket.
   * @default - no prefix
   */
  readonly accessLogPrefix?: string;
  /**
   * How long the created access-log bucket keeps log objects (and noncurrent versions).
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
  /**
   * Bucket that receives the S3 server access logs of the created access-log bucket.
   * @default - a new bucket with the same protections
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Removal policy of the created log buckets. Logs are audit evidence: they are
   * retained by default, and never auto-emptied.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Idle timeout of client connections.
   * @default Duration.seconds(60)
   */
  readonly idleTimeout?: Duration;
}

/**
 * An internet-facing Application Load Balancer that speaks TLS 1.3 only.
 *
 * Secure defaults: HTTPS on 443 with an ACM certificate and `TLS13_13`; port 80
 * answers only with a 301 to HTTPS; HSTS (2 years, subdomains, preload),
 * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, a deny-all
 * Content-Security-Policy and no `Server` header on every HTTPS response;
 * invalid header fields dropped, desync mitigation `strictest`, deletion
 * protection, access logs to a locked-down bucket; a security group that admits
 * only 443 and 80 and sends only to registered targets on their port. Until a
 * target is added, HTTPS requests get a fixed 404 JSON response.
 */
export class TlsLoadBalancer extends Construct implements ec2.IConnectable {
  /** The load balancer. */
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The HTTPS listener on 443. Prefer {@link TlsLoadBalancer.addTargets} / {@link TlsLoadBalancer.addLambdaTarget} to add targets. */
  public readonly httpsListener: elbv2.ApplicationListener;
  /** The port-80 listener (301 to HTTPS only). */
  public readonly httpListener: elbv2.ApplicationListener;
  /** The listener certificate (created or imported). */
  public readonly certificate: acm.ICertificate;
  /** Bucket of the access logs. */
  public readonly accessLogBucket: s3.IBucket;
  /** Security group of the load balancer. */
  public readonly securityGroup: ec2.SecurityGroup;
  /**
   * Network access of the load balancer (its security group). Targets added with {@link TlsLoadBalancer.addTargets} or
   * {@link TlsLoadBalancer.addLambdaTarget} are opened on their port automatically; use this to open egress to other targets.
   */
  public readonly connections: ec2.Connections;
  /** The TLS policy in force on the HTTPS listener. */
  public readonly sslPolicy: elbv2.SslPolicy;
  /** The Strict-Transport-Security header value. */
  public readonly hstsHeader: string;
  /** Alias records (A, and AAAA when dual-stack), if `recordName` was given. */
  public readonly aliasRecords: route53.RecordSet[] = [];

  private hasDefaultTarget = false;

  constructor(scope: Construct, id: string, props: TlsLoadBalancerProps) {
    super(scope, id);
    this.sslPolicy = this.checkSslPolicy(props.sslPolicy ?? elbv2.SslPolicy.TLS13_13, props.allowTls12 ?? false);
    this.hstsHeader = this.buildHsts(props.hsts ?? {});
    const csp = props.contentSecurityPolicy ?? DEFAULT_CONTENT_SECURITY_POLICY;
    if (!Token.isUnresolved(csp) && csp.trim() === '') {
      invalidProp(this, 'contentSecurityPolicy', csp, "Fix: omit it for the deny-all default, or give a policy such as \"default-src 'self'; frame-ancestors 'none'\".");
    }
    if (props.recordName !== undefined && !props.hostedZone) {
      invalidProp(this, 'recordName', props.recordName, 'Fix: pass hostedZone too (the zone that holds the record), or omit recordName.');
    }
    const ipAddressType = props.ipAddressType ?? elbv2.IpAddressType.IPV4;
    const dualStack = ipAddressType !== elbv2.IpAddressType.IPV4;

    this.certificate = this.resolveCertificate(props);

    // --- security group: 443 and 80 in, only registered targets out ---
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'TLS load balancer: HTTPS 443 and HTTP 80 (redirect only) in; out only to registered targets on their port',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    const peers = props.ingressPeers ?? internetPeers(ipAddressType);
    if (peers.length === 0) {
      invalidProp(this, 'ingressPeers', peers, 'Fix: name at least one peer (for example ec2.Peer.anyIpv4()), or omit it to admit the internet.');
    }
    for (const peer of peers) {
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS');
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP, answered only with a 301 to HTTPS');
    }
    if (peers.some((p) => ['0.0.0.0/0', '::/0'].includes(p.uniqueId))) {
      acknowledge(this.securityGroup, 'AwsSolutions-EC23',
        'Internet-facing HTTPS entry point behind AWS WAF: 443 (TLS 1.3) and 80 (301 redirect only) must be reachable from any client address; ' +
        'no other port is open and egress is limited to the registered targets on their port.');
    }

    // --- load balancer ---
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Resource', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC, onePerAz: true },
      securityGroup: this.securityGroup,
      ipAddressType,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.STRICTEST,
      deletionProtection: props.deletionProtection ?? true,
      http2Enabled: true,
      idleTimeout: props.idleTimeout,
    });
    this.loadBalancer.setAttribute('waf.fail_open.enabled', 'false');
    if (props.deletionProtection === false) {
      warn(this, 'tls-load-balancer:deletion-protection-off',
        'deletionProtection is off: the load balancer (and its DNS name) can be deleted by a stack update or deletion. Use this only for disposable stages.');
    }
    this.node.defaultChild = this.loadBalancer.node.defaultChild;
    this.connections = this.loadBalancer.connections;

    // --- access logs ---
    this.accessLogBucket = props.accessLogBucket ?? this.createAccessLogBucket(props);
    this.loadBalancer.logAccessLogs(this.accessLogBucket, props.accessLogPrefix);

    // --- HTTPS listener ---
    this.httpsListener = this.loadBalancer.addListener('Https', {
      protocol: elbv2.ApplicationProtocol.HTTPS,
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(this.certificate)],
      sslPolicy: this.sslPolicy,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: JSON.stringify({ message: 'Not Found' }),
      }),
    });
    this.httpsListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.hsts, this.hstsHeader);
    this.httpsListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.contentTypeOptions, 'nosniff');
    this.httpsListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.frameOptions, 'DENY');
    this.httpsListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.contentSecurityPolicy, csp);
    this.httpsListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.serverEnabled, 'false');

    // --- HTTP listener: a permanent redirect to HTTPS, nothing else ---
    this.httpListener = this.loadBalancer.addListener('Http', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    this.httpListener.setAttribute(LISTENER_HEADER_ATTRIBUTES.serverEnabled, 'false');
    for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
      acknowledge(this.httpListener, `${pack}-ELBv2ACMCertificateRequired`,
        'Plain-HTTP listener on port 80 whose only action is a 301 redirect to HTTPS on 443; it serves no content and cannot hold a certificate. ' +
        'The HTTPS listener uses the ACM certificate.');
    }

    // --- DNS ---
    if (props.recordName !== undefined && props.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer));
      if (ipAddressType !== elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4) {
        this.aliasRecords.push(new route53.ARecord(this, 'AliasRecord', { zone: props.hostedZone, recordName: props.recordName, target }));
      }
      if (dualStack) {
        this.aliasRecords.push(new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.recordName, target }));
      }
    }
  }

  /** The load balancer's DNS name. */
  public get dnsName(): string {
    return this.loadBalancer.loadBalancerDnsName;
  }

  /**
   * Puts a Lambda function behind the HTTPS listener (as the default action, or
   * for requests that match `conditions`). The ALB gets permission to invoke it.
   */
  public addLambdaTarget(id: string, fn: lambda.IFunction, options: TlsLoadBalancerLambdaTargetOptions = {}): elbv2.ApplicationTargetGroup {
    const targetGroup = new elbv2.ApplicationTargetGroup(this, `${id}TargetGroup`, {
      targetType: elbv2.TargetType.LAMBDA,
      targets: [new targets.LambdaTarget(fn)],
      multiValueHeadersEnabled: options.multiValueHeadersEnabled ?? true,
      healthCheck: options.healthCheck,
    });
    // LambdaTarget grants elasticloadbalancing.amazonaws.com invoke rights with no condition: any load balancer, in any
    // account, whose target group names this function could call it. Limit the grant to this account's load balancers.
    // (SourceArn = this target group would be tighter, but the target group must exist after the permission: a cycle.)
    for (const c of fn.node.findAll()) {
      if (c instanceof lambda.CfnPermission && Stack.of(c).resolve(c.principal) === 'elasticloadbalancing.amazonaws.com'
        && c.sourceArn === undefined && c.sourceAccount === undefined) {
        c.sourceAccount = Stack.of(c).account;
        acknowledgeAccountScopedInvokePermission(c);
      }
    }
    this.beforeAddingTarget(id, options.conditions, options.priority);
    this.httpsListener.addTargetGroups(id, { targetGroups: [targetGroup], conditions: options.conditions, priority: options.priority });
    return targetGroup;
  }

  /**
   * Puts targets (ECS services, instances, IP addresses, ...) behind the HTTPS listener.
   * Connectable targets get an egress rule from the load balancer on their port only.
   */
  public addTargets(id: string, props: elbv2.AddApplicationTargetsProps): elbv2.ApplicationTargetGroup {
    this.beforeAddingTarget(id, props.conditions, props.priority);
    return this.httpsListener.addTargets(id, props);
  }

  /** The first unconditioned target replaces the fixed 404; that replacement is intended. */
  private beforeAddingTarget(id: string, conditions: elbv2.ListenerCondition[] | undefined, priority: number | undefined): void {
    const isDefault = (conditions ?? []).length === 0 && priority === undefined;
    if (!isDefault) return;
    if (this.hasDefaultTarget) {
      invalidProp(this, `${id}.conditions`, conditions, 'Fix: the HTTPS listener already has a default target; give this target conditions and a priority.');
    }
    this.hasDefaultTarget = true;
    Annotations.of(this.httpsListener).acknowledgeWarning('@aws-cdk/aws-elbv2:listenerExistingDefaultActionReplaced',
      'The fixed 404 default action is a placeholder until the first default target is added.');
  }

  private checkSslPolicy(policy: elbv2.SslPolicy, allowTls12: boolean): elbv2.SslPolicy {
    if (Token.isUnresolved(policy)) return policy;
    if (TLS13_ONLY_POLICIES.includes(policy)) return policy;
    if (TLS12_POLICIES.includes(policy)) {
      if (!allowTls12) {
        invalidProp(this, 'sslPolicy', policy,
          'This policy also accepts TLS 1.2. Fix: use elbv2.SslPolicy.TLS13_13 (or TLS13_13_PQ / FIPS_TLS13_13 / FIPS_TLS13_13_PQ), or set allowTls12: true if clients truly need TLS 1.2.');
      }
      warn(this, 'tls-load-balancer:tls12',
        `sslPolicy ${policy} accepts TLS 1.2 because allowTls12 is true. Return to elbv2.SslPolicy.TLS13_13 once every client speaks TLS 1.3.`);
      return policy;
    }
    if (REJECTED_POLICIES.includes(policy)) {
      invalidProp(this, 'sslPolicy', policy,
        'This policy accepts TLS 1.0/1.1 or offers no TLS 1.3. Fix: use elbv2.SslPolicy.TLS13_13 (default), TLS13_13_PQ, FIPS_TLS13_13 or FIPS_TLS13_13_PQ; TLS13_12_* policies need allowTls12: true.');
    }
    return invalidProp(this, 'sslPolicy', policy,
      'This is not a known ELB security policy. Fix: use a member of elbv2.SslPolicy, such as elbv2.SslPolicy.TLS13_13 (TLS 1.3 only, the default).');
  }

  private buildHsts(hsts: HstsOptions): string {
    const maxAge = hsts.maxAge ?? Duration.days(730);
    const includeSubDomains = hsts.includeSubDomains ?? true;
    const preload = hsts.preload ?? true;
    const seconds = maxAge.toSeconds();
    if (!Token.isUnresolved(seconds) && seconds < MIN_HSTS_MAX_AGE_SECONDS) {
      invalidProp(this, 'hsts.maxAge', `${seconds} seconds`,
        `Fix: use at least one year (Duration.days(365) = ${MIN_HSTS_MAX_AGE_SECONDS} seconds); the default is two years.`);
    }
    if (preload && !includeSubDomains) {
      invalidProp(this, 'hsts.preload', preload, 'Fix: the HSTS preload list requires includeSubDomains; set includeSubDomains: true or preload: false.');
    }
    return [`max-age=${seconds}`, includeSubDomains ? 'includeSubDomains' : undefined, preload ? 'preload' : undefined]
      .filter((p) => p !== undefined).join('; ');
  }

  private resolveCertificate(props: TlsLoadBalancerProps): acm.ICertificate {
    if (props.certificate && props.domainName !== undefined) {
      invalidProp(this, 'certificate', props.certificate.certificateArn,
        'Fix: pass exactly one of certificate (an existing ACM certificate) and domainName (a new DNS-validated certificate), not both.');
    }
    if (props.certificate) {
      if (props.subjectAlternativeNames || props.certificateKeyAlgorithm) {
        invalidProp(this, 'subjectAlternativeNames', props.subjectAlternativeNames ?? props.certificateKeyAlgorithm?.name,
          'Fix: subjectAlternativeNames and certificateKeyAlgorithm apply only to a created certificate; drop them when passing certificate.');
      }
      return props.certificate;
    }
    if (props.domainName === undefined) {
      invalidProp(this, 'domainName', undefined,
        'Fix: pass exactly one of certificate (an existing ACM certificate) and domainName with hostedZone (a new DNS-validated certificate).');
    }
    if (!props.hostedZone) {
      invalidProp(this, 'hostedZone', undefined, `Fix: a certificate for ${props.domainName} is validated by DNS; pass the hosted zone that serves that name.`);
    }
    return new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      subjectAlternativeNames: props.subjectAlternativeNames,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
      keyAlgorithm: props.certificateKeyAlgorithm ?? acm.KeyAlgorithm.RSA_2048,
      transparencyLoggingEnabled: true,
    });
  }

  private createAccessLogBucket(props: TlsLoadBalancerProps): s3.Bucket {
    const retention = props.accessLogRetention ?? Duration.days(365);
    const seconds = retention.toSeconds();
    if (!Token.isUnresolved(seconds) && (seconds < 86_400 || seconds % 86_400 !== 0)) {
      invalidProp(this, 'accessLogRetention', retention.toHumanString(), 'Fix: use a whole number of days, at least one (the default is Duration.days(365)).');
    }
    const removalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const serverAccessLogsBucket = props.serverAccessLogsBucket ?? this.createLogBucket('ServerAccessLogs', retention, removalPolicy);
    const bucket = this.createLogBucket('AccessLogs', retention, removalPolicy, serverAccessLogsBucket);
    if (!props.serverAccessLogsBucket) {
      acknowledgeLogBucket(serverAccessLogsBucket as s3.Bucket, 'S3 server access logs');
      acknowledge(serverAccessLogsBucket, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
        'This bucket is the end of the log chain: it receives the server access logs of the load balancer\'s log bucket; logging it to itself would loop and logging it elsewhere would only move the question.');
    }
    acknowledgeLogBucket(bucket, 'Application Load Balancer access logs');
    return bucket;
  }

  private createLogBucket(id: string, retention: Duration, removalPolicy: RemovalPolicy, serverAccessLogsBucket?: s3.IBucket): s3.Bucket {
    const isServerAccessLogTarget = serverAccessLogsBucket === undefined;
    return new s3.Bucket(this, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: s3.BucketEncryption.S3_MANAGED,
      // ACLs off. A server-access-log target needs the LogDeliveryWrite ACL unless the
      // `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag makes CDK grant delivery in the bucket policy.
      objectOwnership: isServerAccessLogTarget && !FeatureFlags.of(this).isEnabled(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)
        ? undefined
        : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket,
      lifecycleRules: [{
        id: 'ExpireLogs',
        expiration: retention,
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy,
    });
  }
}

/** The whole internet, for the address families the load balancer serves. */
function internetPeers(ipAddressType: elbv2.IpAddressType): ec2.IPeer[] {
  switch (ipAddressType) {
    case elbv2.IpAddressType.IPV4: return [ec2.Peer.anyIpv4()];
    case elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4: return [ec2.Peer.anyIpv6()];
    default: return [ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6()];
  }
}

/** Log buckets: the delivering services support SSE-S3 only, and logs are not replicated cross-region. */
function acknowledgeLogBucket(bucket: s3.Bucket, kind: string): void {
  const kmsReason = `${kind} can be delivered only to buckets encrypted with SSE-S3 (AES-256); AWS does not support SSE-KMS for this destination, so the bucket uses SSE-S3.`;
  const replicationReason = `${kind} are operational evidence kept in the load balancer's region with versioning and lifecycle expiry; cross-region replication would copy them without adding protection the baseline requires.`;
  for (const pack of ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) {
    acknowledge(bucket, `${pack}-S3DefaultEncryptionKMS`, kmsReason);
    acknowledge(bucket, `${pack}-S3BucketReplicationEnabled`, replicationReason);
  }
  // Control Tower proactive controls (cfn-guard) on the same bucket.
  acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', kmsReason);
  acknowledge(bucket, 'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
    `${kind} are read by people and log tools (for example Athena) on demand; nothing consumes a per-object event, so a notification target would be an unused queue or topic.`);
  acknowledge(bucket, 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
    `${kind} are kept for the configured retention in a versioned, RETAIN bucket that blocks public access and enforces TLS; object lock would pin a retention that the lifecycle expiry cannot shorten. Pass your own accessLogBucket with object lock where WORM storage is required.`);
}
