import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeEach, packRuleIds } from '../../internal/acknowledge';
import { checkRange, invalidProp } from '../../internal/errors';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { SecureLogGroup } from '../logging';

/** Props of {@link SecureVpc}. */
export interface SecureVpcProps {
  /** Availability zones, named explicitly so synth never looks them up (at least 2). */
  readonly availabilityZones: string[];
  /**
   * NAT gateways (0 when nothing in the private subnets needs the internet).
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * The VPC's IPv4 addresses, as for `ec2.Vpc`: `ec2.IpAddresses.cidr('10.20.0.0/16')` or an IPAM pool
   * (`ec2.IpAddresses.awsIpamAllocation(...)`). The interface endpoints admit HTTPS from this range.
   * @default ec2.IpAddresses.cidr('10.0.0.0/16')
   */
  readonly ipAddresses?: ec2.IIpAddresses;
  /** KMS key for the flow-log group. */
  readonly logsKey: kms.IKey;
  /**
   * Flow-log retention (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Removal policy of the flow-log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Interface endpoints so AWS API calls never leave the AWS network.
   * @default - Secrets Manager only
   */
  readonly interfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];
  /**
   * How many zones (the first ones of `availabilityZones`) get each interface endpoint. One zone costs a third or half as much;
   * the endpoints stay private (same security group, same policy), but a zone outage can leave them unreachable.
   * @default - every zone
   */
  readonly interfaceEndpointAzs?: number;
}

/**
 * A three-tier VPC: public subnets for the load balancer only, private subnets
 * (with egress) for Lambda, isolated subnets for the database; all traffic
 * recorded in flow logs to an encrypted log group; the default security group
 * stripped of rules; S3 through a gateway endpoint and Secrets Manager (and any
 * other configured service) through interface endpoints with private DNS.
 */
export class SecureVpc extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The flow-log group. */
  public readonly flowLogGroup: logs.ILogGroup;
  /** Security group of the interface endpoints (admits 443 from inside the VPC only). */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /** Interface endpoints by service name. */
  public readonly interfaceEndpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};

  constructor(scope: Construct, id: string, props: SecureVpcProps) {
    super(scope, id);
    if (props.availabilityZones.length < 2) {
      invalidProp(this, 'availabilityZones', props.availabilityZones, 'Fix: name at least two zones; the load balancer and the database subnet group need two.');
    }
    checkRange(this, 'natGateways', props.natGateways, 0, props.availabilityZones.length);
    const ipAddresses = props.ipAddresses ?? ec2.IpAddresses.cidr('10.0.0.0/16');

    this.flowLogGroup = new SecureLogGroup(this, 'FlowLogs', {
      encryptionKey: props.logsKey,
      retention: props.flowLogRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.vpc = this.vpcConfiguration(props, ipAddresses);
    this.node.defaultChild = this.vpc.node.defaultChild;
    this.acknowledgeDefaultSecurityGroupCleaner();
    this.endpointSecurityGroup = this.endpointSecurityGroupConfiguration(vpcCidr(ipAddresses, this.vpc));
    this.acknowledgePublicRoutes();
    this.interfaceEndpointsConfiguration(props);
  }

  /** The three tiers of subnets, flow logs of all traffic, the default security group stripped, the S3 gateway endpoint. */
  private vpcConfiguration(props: SecureVpcProps, ipAddresses: ec2.IIpAddresses): ec2.Vpc {
    const flowLogRole = new ManagedPolicyRole(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: 'Lets VPC Flow Logs write to the flow-log group',
    });
    return new ec2.Vpc(this, 'Resource', {
      ipAddresses,
      availabilityZones: props.availabilityZones,
      natGateways: props.natGateways ?? 1,
      restrictDefaultSecurityGroup: true,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
      gatewayEndpoints: {
        s3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });
  }

  /**
   * restrictDefaultSecurityGroup deploys a CDK-owned custom resource provider (one per stack) that strips the default
   * security group's rules at deploy time; it calls only the EC2 API and is not attached to the VPC it cleans.
   */
  private acknowledgeDefaultSecurityGroupCleaner(): void {
    const provider = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (provider) {
      acknowledge(provider, 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        'aws-cdk-lib\'s own deploy-time handler that removes all rules from the VPC\'s default security group; it runs only during CloudFormation deployments, calls only the EC2 API, and never handles workload traffic.');
    }
  }

  /** The interface endpoints' security group: HTTPS from inside the VPC only, no egress. */
  private endpointSecurityGroupConfiguration(cidr: string): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    group.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS from inside the VPC');
    return group;
  }

  /** Public subnets exist for the internet-facing load balancer only; their route to the internet gateway is the point. */
  private acknowledgePublicRoutes(): void {
    for (const subnet of this.vpc.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (!route) continue;
      acknowledgeEach(route, packRuleIds('VPCNoUnrestrictedRouteToIGW', ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']),
        'Default route of a public subnet of this VPC: the 0.0.0.0/0 route to the internet gateway is what makes a subnet public, and ' +
        'internet-facing load balancers and NAT gateways need it. This VPC\'s private and isolated subnets are created without a route to the internet gateway.');
    }
  }

  /** Interface endpoints (Secrets Manager by default) with private DNS, in the private subnets of the chosen zones. */
  private interfaceEndpointsConfiguration(props: SecureVpcProps): void {
    const services = props.interfaceEndpoints ?? [ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER];
    if (props.interfaceEndpointAzs !== undefined) checkRange(this, 'interfaceEndpointAzs', props.interfaceEndpointAzs, 1, props.availabilityZones.length);
    const endpointZones = props.interfaceEndpointAzs === undefined ? undefined : props.availabilityZones.slice(0, props.interfaceEndpointAzs);
    for (const service of services) {
      const short = service.shortName;
      this.interfaceEndpoints[short] = this.vpc.addInterfaceEndpoint(endpointId(short), {
        service,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [this.endpointSecurityGroup],
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, ...(endpointZones ? { availabilityZones: endpointZones } : {}) },
      });
    }
  }
}

/**
 * The VPC's IPv4 range for the endpoint security group: the literal CIDR when the addresses name one (so the rule reads
 * `10.0.0.0/16` in the template), else the VPC's `CidrBlock` attribute (an IPAM allocation is known only at deploy time).
 */
function vpcCidr(ipAddresses: ec2.IIpAddresses, vpc: ec2.IVpc): string {
  return ipAddresses.allocateVpcCidr().cidrBlock ?? vpc.vpcCidrBlock;
}

function endpointId(shortName: string): string {
  return shortName.split(/[^a-zA-Z0-9]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('') + 'Endpoint';
}
