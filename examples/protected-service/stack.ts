/**
 * How another team protects its own service with the baseline: import the
 * constructs from the package (here `../../lib`, in your project
 * `aws-security-baseline`), compose them, and keep the rule packs on.
 *
 *   const app = new App();
 *   RulePacks.addTo(app);
 *   new ProtectedServiceStack(app, 'Inventory', { env: { region: 'eu-west-1' }, zoneId: 'Z…', zoneName: 'example.com' });
 */
import { join } from 'path';
import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { InvocationType, LogsKey, SecureFunction, SecureVpc, TlsLoadBalancer, WebFirewall } from '../../lib';

export interface ProtectedServiceStackProps extends StackProps {
  /** Route 53 hosted zone that will hold `inventory.<zoneName>`. */
  readonly zoneId: string;
  readonly zoneName: string;
}

export class ProtectedServiceStack extends Stack {
  public readonly loadBalancer: TlsLoadBalancer;
  public readonly firewall: WebFirewall;
  public readonly service: SecureFunction;

  constructor(scope: Construct, id: string, props: ProtectedServiceStackProps) {
    super(scope, id, props);
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.zoneId, zoneName: props.zoneName });
    const logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: RemovalPolicy.DESTROY });

    // Network: public subnets for the load balancer only, the service in private subnets, no NAT needed.
    const network = new SecureVpc(this, 'Network', {
      availabilityZones: [`${this.region}a`, `${this.region}b`],
      natGateways: 0,
      ipAddresses: ec2.IpAddresses.cidr('10.20.0.0/16'),
      logsKey: logsKey.key,
      logRemovalPolicy: RemovalPolicy.DESTROY,
    });

    // The team's own code, with the baseline's Lambda defaults.
    this.service = new SecureFunction(this, 'Inventory', {
      entry: join(__dirname, 'handler.ts'),
      description: 'Inventory service (example)',
      vpc: network.vpc,
      logsKey: logsKey.key,
      logRetention: logs.RetentionDays.ONE_YEAR,
      invocationType: InvocationType.SYNCHRONOUS,
      reservedConcurrentExecutions: 5,
    });

    // TLS 1.3 only, HSTS and security headers, 301 from HTTP, access logs.
    const domainName = `inventory.${props.zoneName}`;
    this.loadBalancer = new TlsLoadBalancer(this, 'Edge', {
      vpc: network.vpc,
      hostedZone: zone,
      domainName,
      recordName: domainName,
      deletionProtection: true,
    });
    this.loadBalancer.addLambdaTarget('Inventory', this.service.function);

    // Rate limits, managed rules and redacted, encrypted WAF logs in front of it.
    this.firewall = new WebFirewall(this, 'Firewall', { logsKey: logsKey.key });
    this.firewall.associateLoadBalancer(this.loadBalancer.loadBalancer);
  }
}
