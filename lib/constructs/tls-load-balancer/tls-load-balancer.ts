/**
 * `TlsLoadBalancer`, its props and the options of `addLambdaTarget`. The TLS policy check, the security headers and the
 * log bucket it uses live beside it (tls-policy.ts, security-headers.ts, access-log-bucket.ts).
 *
 * Why this file is long: about 150 of its lines are the props, each documented with its default; the construct keeps
 * them beside it, as aws-cdk-lib does, and the constructor itself is a list of named steps.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeIfVerified, packRuleIds } from '../../internal/acknowledge';
import { ingressRules, onlyTcpPorts, resolvedJson, stageConstructs, webAclAssociationOf } from '../../internal/app-facts';
import { invalidProp } from '../../internal/errors';
import { warn } from '../../internal/warnings';
import { acknowledgeAccountScopedInvokePermission } from '../../internal/invoke-permissions';
import { AccessLogBucket } from './access-log-bucket';
import {
  checkContentSecurityPolicy, DEFAULT_CONTENT_SECURITY_POLICY, type HstsOptions, hstsHeaderValue, LISTENER_HEADER_ATTRIBUTES, listenerHeaderAttributes,
} from './security-headers';
import { checkSslPolicy } from './tls-policy';

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
   * @default - `default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'` (the API's own policy)
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
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Network access of the load balancer (its security group). Targets added with {@link TlsLoadBalancer.addTargets} or
   * {@link TlsLoadBalancer.addLambdaTarget} are opened on their port automatically; use this to open egress to other targets.
   */
  public readonly connections: ec2.Connections;
  /** The TLS policy in force on the HTTPS listener. */
  public readonly sslPolicy: elbv2.SslPolicy;
  /** The Strict-Transport-Security header value. */
  public readonly hstsHeader: string;
  /** Alias records (A, and AAAA when dual-stack), if `recordName` was given: a frozen array (read-only at run time). */
  public readonly aliasRecords: route53.IRecordSet[];

  private hasDefaultTarget = false;

  constructor(scope: Construct, id: string, props: TlsLoadBalancerProps) {
    super(scope, id);
    this.sslPolicy = checkSslPolicy(this, props.sslPolicy ?? elbv2.SslPolicy.TLS13_13, props.allowTls12 ?? false);
    this.hstsHeader = hstsHeaderValue(this, props.hsts ?? {});
    const contentSecurityPolicy = checkContentSecurityPolicy(this, props.contentSecurityPolicy ?? DEFAULT_CONTENT_SECURITY_POLICY);
    if (props.recordName !== undefined && !props.hostedZone) {
      invalidProp(this, 'recordName', props.recordName, 'Fix: pass hostedZone too (the zone that holds the record), or omit recordName.');
    }
    const ipAddressType = props.ipAddressType ?? elbv2.IpAddressType.IPV4;

    this.certificate = this.certificateConfiguration(props);
    this.securityGroup = this.securityGroupConfiguration(props.vpc, props.ingressPeers ?? internetPeers(ipAddressType));
    this.loadBalancer = this.loadBalancerConfiguration(props, ipAddressType);
    this.node.defaultChild = this.loadBalancer.node.defaultChild;
    this.connections = this.loadBalancer.connections;
    this.accessLogBucket = this.accessLogConfiguration(props);
    this.httpsListener = this.httpsListenerConfiguration(contentSecurityPolicy);
    this.httpListener = this.httpListenerConfiguration();
    this.aliasRecords = this.dnsConfiguration(props, ipAddressType);
    Object.freeze(this.aliasRecords);
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

  /** The listener certificate: the one passed in, or a new DNS-validated ACM certificate for `domainName`. */
  private certificateConfiguration(props: TlsLoadBalancerProps): acm.ICertificate {
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

  /** The security group: 443 and 80 in from `peers`, nothing out until a target is added (then only to it, on its port). */
  private securityGroupConfiguration(vpc: ec2.IVpc, peers: ec2.IPeer[]): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'TLS load balancer: HTTPS 443 and HTTP 80 (redirect only) in; out only to registered targets on their port',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    if (peers.length === 0) {
      invalidProp(this, 'ingressPeers', peers, 'Fix: name at least one peer (for example ec2.Peer.anyIpv4()), or omit it to admit the internet.');
    }
    for (const peer of peers) {
      securityGroup.addIngressRule(peer, ec2.Port.tcp(443), 'HTTPS');
      securityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP, answered only with a 301 to HTTPS');
    }
    if (peers.some((p) => ['0.0.0.0/0', '::/0'].includes(p.uniqueId))) {
      acknowledgeIfVerified(securityGroup, ['AwsSolutions-EC23'], () => this.openIngressReason(securityGroup));
    }
    return securityGroup;
  }

  /**
   * The reason for the open-ingress finding, given only when the app shows it at synth end: a web ACL association
   * targets this load balancer and the security group admits nothing but TCP 443 and 80. Otherwise undefined: the
   * finding reaches the user (a web ACL managed outside the app, by Firewall Manager for example, is not visible here).
   */
  private openIngressReason(securityGroup: ec2.SecurityGroup): string | undefined {
    const association = webAclAssociationOf(this.loadBalancer, this.loadBalancer.loadBalancerArn);
    if (association === undefined || !onlyTcpPorts(ingressRules(securityGroup), [443, 80])) return undefined;
    return `Internet-facing entry point, checked at synth: the AWS WAF web ACL association ${association.node.path} targets this load balancer ` +
      `(WAF fail-open off), and this security group admits only TCP 443 (HTTPS, ${this.sslPolicy}) and 80 (answered with a 301 to HTTPS) ` +
      'from any client address, which a public endpoint needs; every request is filtered by the web ACL before it reaches a target.';
  }

  /** The load balancer: public subnets, invalid headers dropped, strictest desync mitigation, no WAF fail-open. */
  private loadBalancerConfiguration(props: TlsLoadBalancerProps, ipAddressType: elbv2.IpAddressType): elbv2.ApplicationLoadBalancer {
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Resource', {
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
    loadBalancer.setAttribute('waf.fail_open.enabled', 'false');
    if (props.deletionProtection === false) {
      warn(this, 'tls-load-balancer:deletion-protection-off',
        'deletionProtection is off: the load balancer (and its DNS name) can be deleted by a stack update or deletion. Use this only for disposable stages.');
    }
    return loadBalancer;
  }

  /**
   * Access logs of the load balancer: to `accessLogBucket`, or to a new `AccessLogBucket` whose own S3 server
   * access logs go to `serverAccessLogsBucket` or to a second new one (the end of the log chain).
   */
  private accessLogConfiguration(props: TlsLoadBalancerProps): s3.IBucket {
    const bucket = props.accessLogBucket ?? this.createAccessLogBuckets(props);
    this.loadBalancer.logAccessLogs(bucket, props.accessLogPrefix);
    return bucket;
  }

  private createAccessLogBuckets(props: TlsLoadBalancerProps): AccessLogBucket {
    const retention = props.accessLogRetention ?? Duration.days(365);
    const seconds = retention.toSeconds();
    if (!Token.isUnresolved(seconds) && (seconds < 86_400 || seconds % 86_400 !== 0)) {
      invalidProp(this, 'accessLogRetention', retention.toHumanString(), 'Fix: use a whole number of days, at least one (the default is Duration.days(365)).');
    }
    const removalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const serverAccessLogsBucket = props.serverAccessLogsBucket
      ?? new AccessLogBucket(this, 'ServerAccessLogs', { contents: 'S3 server access logs', retention, removalPolicy });
    return new AccessLogBucket(this, 'AccessLogs', { contents: 'Application Load Balancer access logs', retention, removalPolicy, serverAccessLogsBucket });
  }

  /**
   * The HTTPS listener: the certificate, the TLS policy, a placeholder 404 until a target is added, and the security
   * headers the ALB can add (see security-headers.ts), with no `Server` header.
   */
  private httpsListenerConfiguration(contentSecurityPolicy: string): elbv2.ApplicationListener {
    const listener = this.loadBalancer.addListener('Https', {
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
    for (const [key, value] of Object.entries(listenerHeaderAttributes({ hsts: this.hstsHeader, contentSecurityPolicy }))) {
      listener.setAttribute(key, value);
    }
    listener.setAttribute(LISTENER_HEADER_ATTRIBUTES.serverEnabled, 'false');
    return listener;
  }

  /** The HTTP listener: a permanent redirect to HTTPS, nothing else, and no `Server` header. */
  private httpListenerConfiguration(): elbv2.ApplicationListener {
    const listener = this.loadBalancer.addListener('Http', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
    });
    listener.setAttribute(LISTENER_HEADER_ATTRIBUTES.serverEnabled, 'false');
    acknowledgeIfVerified(listener, packRuleIds('ELBv2ACMCertificateRequired', ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']),
      () => (onlyRedirectsToHttps(listener)
        ? 'Plain-HTTP listener on port 80 whose only action, checked at synth, is a 301 redirect to HTTPS on 443 (no listener rules); it serves ' +
          'no content and cannot hold a certificate. The HTTPS listener uses the ACM certificate.'
        : undefined));
    return listener;
  }

  /** Alias records for `recordName`: A (unless IPv6-only), and AAAA when dual-stack. */
  private dnsConfiguration(props: TlsLoadBalancerProps, ipAddressType: elbv2.IpAddressType): route53.RecordSet[] {
    if (props.recordName === undefined || !props.hostedZone) return [];
    const records: route53.RecordSet[] = [];
    const target = route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(this.loadBalancer));
    if (ipAddressType !== elbv2.IpAddressType.DUAL_STACK_WITHOUT_PUBLIC_IPV4) {
      records.push(new route53.ARecord(this, 'AliasRecord', { zone: props.hostedZone, recordName: props.recordName, target }));
    }
    if (ipAddressType !== elbv2.IpAddressType.IPV4) {
      records.push(new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: props.recordName, target }));
    }
    return records;
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

/** True when the listener's only action is the permanent redirect to HTTPS on 443 and no listener rule is attached to it. */
function onlyRedirectsToHttps(listener: elbv2.ApplicationListener): boolean {
  const stack = Stack.of(listener);
  const cfn = listener.node.defaultChild as elbv2.CfnListener;
  const actions = stack.resolve(cfn.defaultActions) as { type?: string; redirectConfig?: Record<string, unknown> }[];
  const redirect = actions.length === 1 && actions[0].type === 'redirect' ? actions[0].redirectConfig : undefined;
  if (redirect?.protocol !== 'HTTPS' || redirect.port !== '443' || redirect.statusCode !== 'HTTP_301') return false;
  const listenerArn = resolvedJson(stack, listener.listenerArn);
  return !stageConstructs(listener).some((n) => n instanceof elbv2.CfnListenerRule && resolvedJson(stack, n.listenerArn) === listenerArn);
}
