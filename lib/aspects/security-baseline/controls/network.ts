import { CfnResource } from 'aws-cdk-lib';
import { CfnProperties } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';
export const SECURITY_GROUP_INGRESS = 'AWS::EC2::SecurityGroupIngress';

/** Ports the internet may reach: HTTP (to be redirected) and HTTPS. */
export const PUBLIC_PORTS: readonly number[] = [80, 443];

/** Describes an ingress rule open to the whole internet on something other than 80/443, or undefined when it is fine. */
export function openIngress(rule: CfnProperties): string | undefined {
  const source = rule.CidrIp === '0.0.0.0/0' ? '0.0.0.0/0' : rule.CidrIpv6 === '::/0' ? '::/0' : undefined;
  if (!source) return undefined;
  const protocol = String(rule.IpProtocol);
  const from = Number(rule.FromPort);
  const to = Number(rule.ToPort);
  const tcp = protocol === 'tcp' || protocol === '6';
  if (tcp && from === to && PUBLIC_PORTS.includes(from)) return undefined;
  const ports = protocol === '-1' ? 'all traffic' : from === to ? `${protocol} ${from}` : `${protocol} ${from}-${to}`;
  return `${ports} from ${source}`;
}

/** Nothing but HTTP/HTTPS is reachable from the whole internet. */
export const securityGroupOpenIngress: SecurityBaselineControl = {
  id: 'SG1',
  areas: [SecurityBaselineArea.TRAFFIC],
  title: 'Security groups allow ingress from 0.0.0.0/0 or ::/0 only on TCP 80 and 443',
  reports: '`SecurityGroupIngress = <protocol> <ports> from 0.0.0.0/0 or ::/0`',
  resourceTypes: [SECURITY_GROUP, SECURITY_GROUP_INGRESS],
  evaluate(resource: CfnResource, { properties }) {
    const rules: CfnProperties[] = resource.cfnResourceType === SECURITY_GROUP
      ? (Array.isArray(properties.SecurityGroupIngress) ? properties.SecurityGroupIngress : [])
      : [properties];
    const open = rules.map(openIngress).filter((d): d is string => d !== undefined);
    if (open.length === 0) return [];
    return [{
      setting: resource.cfnResourceType === SECURITY_GROUP ? 'SecurityGroupIngress' : 'CidrIp/CidrIpv6',
      found: open.join(', '),
      fix: 'allow only the sources that need the port (a peer security group, a VPN or bastion CIDR, or SSM Session Manager instead of SSH)',
    }];
  },
};
