import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { stageDomain } from '../config';
import { LogsKey } from '../constructs/logging';
import { TlsLoadBalancer } from '../constructs/tls-load-balancer';
import { WebFirewall } from '../constructs/web-firewall';
import { SecureRestApi } from '../constructs/secure-rest-api';
import { acknowledge } from '../internal/acknowledge';
import { BaselineStack, BaselineStackProps, stageLogRetention, stageRemovalPolicy } from './baseline-stack';
import { DataStack } from './data-stack';
import { IdentityStack } from './identity-stack';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends BaselineStackProps {
  readonly vpc: ec2.IVpc;
  /** The stage's data stack (database, secrets). */
  readonly data: DataStack;
  /** The stage's identity stack (user directory, issuer). */
  readonly identity: IdentityStack;
}

/**
 * Stateless edge and API: web ACL, REST API and custom domain, authorizer,
 * handlers, ALB, certificates and DNS records. Safe to destroy and recreate.
 */
export class ApiStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;
  /** The configured hosted zone, imported by attributes (never looked up). */
  public readonly zone: route53.IHostedZone;
  /** The stage's DNS name, for example `dev.example.com`. */
  public readonly stageDomainName: string;
  /** Regional web ACL in front of the ALB and the REST API stage (issue 4). */
  public readonly firewall: WebFirewall;
  /** Internet-facing TLS 1.3 load balancer at `app.<stage domain>` (issue 3); targets are added with `addLambdaTarget`/`addTargets`. */
  public readonly loadBalancer: TlsLoadBalancer;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: this.config.hostedZone.id,
      zoneName: this.config.hostedZone.name,
    });
    this.stageDomainName = stageDomain(this.config, this.stage);

    // --- Web firewall (issue 4) ---
    this.firewall = new WebFirewall(this, 'WebFirewall', {
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
    });

    // --- REST API, authorizer and handlers (issues 5 and 6) ---

    // --- TLS load balancer (issue 3) ---
    const appDomainName = `app.${this.stageDomainName}`;
    this.loadBalancer = new TlsLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      hostedZone: this.zone,
      domainName: appDomainName,
      recordName: appDomainName,
      deletionProtection: this.stage.deletionProtection,
    });
    if (!this.stage.deletionProtection) {
      for (const pack of ['NIST.800.53.R5', 'HIPAA.Security']) {
        acknowledge(this.loadBalancer.loadBalancer, `${pack}-ELBDeletionProtectionEnabled`,
          `Stage ${this.stage.name} sets deletionProtection: false in its configuration so the stateless edge stack can be torn down and rebuilt; ` +
          'stages with deletionProtection: true (prod) keep the load balancer protected.');
      }
    }

    // --- WAF associations (issue 4) ---
    // Runs last, after every section: one web ACL protects each internet-facing entry point that exists by now.
    if (this.loadBalancer) this.firewall.associate(this.loadBalancer.loadBalancer);
    for (const restApi of this.node.findAll().filter((c): c is SecureRestApi => c instanceof SecureRestApi)) {
      if (!restApi.webAclAssociation) this.firewall.associate(restApi.stage); // skip a stage already given a webAclArn
    }
  }
}
