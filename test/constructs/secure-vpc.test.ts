import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc, SecureVpcProps } from '../../lib/constructs/secure-vpc';
import { projectApp } from '../helpers/baseline';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

const AZS = ['eu-west-1a', 'eu-west-1b'];

function build(props: Partial<SecureVpcProps> = {}) {
  const app = projectApp({ baseline: undefined, 'aws:cdk:bundling-stacks': [] });
  const stack = new Stack(app, 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Network', { availabilityZones: AZS, logsKey: logsKey.key, ...props });
  let template: Template | undefined;
  return { app, stack, logsKey, network, template: () => (template ??= Template.fromStack(stack)) };
}

/** Subnets of one tier (by the aws-cdk:subnet-name tag). */
function subnets(template: Template, name: string) {
  return Object.entries(template.findResources('AWS::EC2::Subnet', {
    Properties: { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-name', Value: name }]) },
  }));
}

/** Default routes (0.0.0.0/0) of one tier's route tables. */
function defaultRoutes(template: Template, name: string) {
  return Object.entries(template.findResources('AWS::EC2::Route', { Properties: { DestinationCidrBlock: '0.0.0.0/0' } }))
    .filter(([id]) => id.startsWith(`Network${name}Subnet`));
}

describe('SecureVpc defaults', () => {
  const { network, template: tpl, logsKey, stack } = build();
  const template = tpl();

  test('one public, one private and one isolated subnet per zone; public subnets assign no public IPs', () => {
    for (const tier of ['public', 'private', 'isolated']) {
      const found = subnets(template, tier);
      expect(found.map(([, r]) => r.Properties.AvailabilityZone).sort()).toEqual(AZS);
      for (const [, r] of found) expect(r.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    expect(network.vpc.publicSubnets).toHaveLength(2);
    expect(network.vpc.privateSubnets).toHaveLength(2);
    expect(network.vpc.isolatedSubnets).toHaveLength(2);
  });

  test('only public subnets route to the internet gateway; private subnets route through NAT; isolated subnets have no default route', () => {
    const publicRoutes = defaultRoutes(template, 'public');
    expect(publicRoutes).toHaveLength(2);
    for (const [, r] of publicRoutes) expect(r.Properties.GatewayId).toEqual({ Ref: expect.stringMatching(/^NetworkIGW/) });
    const privateRoutes = defaultRoutes(template, 'private');
    expect(privateRoutes).toHaveLength(2);
    for (const [, r] of privateRoutes) expect(r.Properties.NatGatewayId).toEqual({ Ref: expect.stringMatching(/^NetworkpublicSubnet1NATGateway/) });
    expect(defaultRoutes(template, 'isolated')).toHaveLength(0);
  });

  test('one NAT gateway by default', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('VPC CIDR 10.0.0.0/16 with DNS support and host names', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
  });

  test('flow logs record ALL traffic of the VPC to the flow-log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      ResourceId: { Ref: Match.stringLikeRegexp('^Network[0-9A-F]{8}$') },
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogGroupName: { Ref: Match.stringLikeRegexp('^NetworkFlowLogs') },
      DeliverLogsPermissionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFlowLogRole'), 'Arn'] },
    });
    expect(network.flowLogGroup).toBeInstanceOf(logs.LogGroup);
  });

  test('the flow-log group is encrypted with the logs key, kept a year, and retained', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(logsKey.key.node.defaultChild as never), 'Arn'] },
        RetentionInDays: 365,
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('the flow-log role trusts only VPC Flow Logs and has no inline policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'vpc-flow-logs.amazonaws.com' } })] },
      Policies: Match.absent(),
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('S3 is reached through a gateway endpoint on every route table', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      RouteTableIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^NetworkprivateSubnet1RouteTable') }, { Ref: Match.stringLikeRegexp('^NetworkisolatedSubnet1RouteTable') }]),
    });
  });

  test('Secrets Manager is reached through an interface endpoint with private DNS in the private subnets', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
      PrivateDnsEnabled: true,
      SubnetIds: [{ Ref: Match.stringLikeRegexp('^NetworkprivateSubnet1') }, { Ref: Match.stringLikeRegexp('^NetworkprivateSubnet2') }],
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkEndpointSecurityGroup'), 'GroupId'] }],
    });
    expect(Object.keys(network.interfaceEndpoints)).toEqual(['secretsmanager']);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });

  test('the endpoint security group admits 443 from inside the VPC only and sends nothing', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints: HTTPS from inside the VPC only',
      SecurityGroupIngress: [{ CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'HTTPS from inside the VPC' }],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
  });

  test('the default security group is stripped of its rules', () => {
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Network'), 'DefaultSecurityGroup'] } });
  });

  test('the internet-gateway route is acknowledged on the public subnets only, with a reason', () => {
    const { app } = build();
    const acks = acknowledgements(app).filter((a) => a.id.endsWith('VPCNoUnrestrictedRouteToIGW'));
    expect(new Set(acks.map((a) => a.path))).toEqual(new Set(['TestStack/Network/Resource/publicSubnet1/DefaultRoute', 'TestStack/Network/Resource/publicSubnet2/DefaultRoute']));
    expect(acks).toHaveLength(6);
  });

  test('every rule pack passes', () => {
    const { app } = build();
    expect(formatFindings(ruleFindings(app))).toBe('');
  });
});

describe('SecureVpc overrides', () => {
  test('natGateways: 0 creates no NAT gateway and leaves private subnets without a default route (AWS only through endpoints)', () => {
    const { template, network } = build({ natGateways: 0 });
    template().resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(defaultRoutes(template(), 'private')).toHaveLength(0);
    expect(defaultRoutes(template(), 'public')).toHaveLength(2);
    template().resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    expect(network.vpc.privateSubnets).toHaveLength(2);
  });

  test('natGateways: one per zone', () => {
    const { template } = build({ natGateways: 2 });
    template().resourceCountIs('AWS::EC2::NatGateway', 2);
    const targets = defaultRoutes(template(), 'private').map(([, r]) => JSON.stringify(r.Properties.NatGatewayId));
    expect(new Set(targets).size).toBe(2);
  });

  test('three zones give three subnets per tier', () => {
    const { template } = build({ availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] });
    for (const tier of ['public', 'private', 'isolated']) expect(subnets(template(), tier)).toHaveLength(3);
  });

  test('ipAddresses changes the VPC and the endpoint security group rule', () => {
    const { template } = build({ ipAddresses: ec2.IpAddresses.cidr('10.20.0.0/16') });
    template().hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.20.0.0/16' });
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints: HTTPS from inside the VPC only',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 443 })],
    });
  });

  test('an IPAM allocation (range known at deploy time) opens the endpoints to the VPC\'s CidrBlock attribute', () => {
    const { template } = build({
      ipAddresses: ec2.IpAddresses.awsIpamAllocation({ ipv4IpamPoolId: 'ipam-pool-0123456789abcdef0', ipv4NetmaskLength: 16, defaultSubnetIpv4NetmaskLength: 24 }),
    });
    template().hasResourceProperties('AWS::EC2::VPC', { Ipv4IpamPoolId: 'ipam-pool-0123456789abcdef0', Ipv4NetmaskLength: 16 });
    const vpcId = Object.keys(template().findResources('AWS::EC2::VPC'))[0];
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints: HTTPS from inside the VPC only',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: { 'Fn::GetAtt': [vpcId, 'CidrBlock'] }, FromPort: 443 })],
    });
  });

  test('flowLogRetention and logRemovalPolicy shape the flow-log group', () => {
    const { template } = build({ flowLogRetention: logs.RetentionDays.FIVE_YEARS, logRemovalPolicy: RemovalPolicy.DESTROY });
    template().hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 1827 }, DeletionPolicy: 'Delete' });
  });

  test('interfaceEndpoints replaces the endpoint list', () => {
    const { template, network } = build({
      interfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, ec2.InterfaceVpcEndpointAwsService.KMS, ec2.InterfaceVpcEndpointAwsService.RDS],
    });
    template().resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    for (const service of ['secretsmanager', 'kms', 'rds']) {
      template().hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: `com.amazonaws.eu-west-1.${service}`, PrivateDnsEnabled: true });
    }
    expect(Object.keys(network.interfaceEndpoints).sort()).toEqual(['kms', 'rds', 'secretsmanager']);
  });

  test('interfaceEndpointAzs puts each interface endpoint in the first zones only, still private, same security group', () => {
    // GIVEN one zone for the endpoints (a dev stage's cost option)
    const { template, network, stack } = build({ interfaceEndpointAzs: 1 });
    // THEN the Secrets Manager endpoint has one subnet, the first zone's private subnet, private DNS and the endpoint security group
    const endpoint = Object.values(template().findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0];
    expect(endpoint.Properties.SubnetIds).toHaveLength(1);
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    const firstPrivate = network.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [AZS[0]] }).subnets[0];
    expect(endpoint.Properties.SubnetIds).toEqual([{ Ref: stack.getLogicalId(firstPrivate.node.defaultChild as ec2.CfnSubnet) }]);
    expect(endpoint.Properties.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [stack.getLogicalId(network.endpointSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] }]);
    // AND by default every zone gets one
    const all = Object.values(build().template().findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))[0];
    expect(all.Properties.SubnetIds).toHaveLength(AZS.length);
  });

  test('interfaceEndpoints: [] keeps only the S3 gateway endpoint', () => {
    const { template } = build({ interfaceEndpoints: [] });
    template().resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });
});

describe('SecureVpc validation', () => {
  test('fails if fewer than two availability zones are named', () => {
    expect(() => build({ availabilityZones: ['eu-west-1a'] })).toThrow(/TestStack\/Network: invalid availabilityZones = \["eu-west-1a"\]\. Fix: name at least two zones/);
  });

  test('fails if natGateways exceeds the number of zones', () => {
    expect(() => build({ natGateways: 3 })).toThrow(/invalid natGateways = 3\. Fix: use a whole number from 0 to 2/);
  });

  test('fails if natGateways is negative or fractional', () => {
    expect(() => build({ natGateways: -1 })).toThrow(/invalid natGateways = -1/);
    expect(() => build({ natGateways: 1.5 })).toThrow(/invalid natGateways = 1\.5/);
  });

  test('fails if interfaceEndpointAzs is not a zone count', () => {
    expect(() => build({ interfaceEndpointAzs: 0 })).toThrow(/invalid interfaceEndpointAzs = 0\. Fix: use a whole number from 1 to 2/);
    expect(() => build({ interfaceEndpointAzs: 3 })).toThrow(/invalid interfaceEndpointAzs = 3/);
  });

  test('fails if flow logs are kept less than a year', () => {
    expect(() => build({ flowLogRetention: logs.RetentionDays.SIX_MONTHS })).toThrow(/invalid retention = 180\. Fix: keep logs for at least 365 days/);
  });
});
