import { CfnResource } from 'aws-cdk-lib';
import { CfnListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { shown } from '../cfn';
import { SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';
import { ALB_TLS13_ONLY_POLICIES, elbPolicyFamily, elbTls13Equivalent, FAMILY_TEXT } from './alb-tls-policy';

/** Network Load Balancer TLS listeners accept TLS 1.3 only (the same ELB security policies as HTTPS listeners). */
export const nlbTlsPolicy: SecurityBaselineControl = {
  id: 'NLB1',
  areas: ['transit'],
  title: 'Network Load Balancer TLS listeners use a TLS 1.3-only security policy',
  reports: '`SslPolicy = <policy>`: the TLS listener accepts TLS below 1.3 (or has no policy)',
  resourceTypes: [LISTENER],
  fixes: 'sets SslPolicy to the TLS 1.3-only policy of the same family, as ALB1 does (FIPS stays FIPS, post-quantum stays post-quantum); '
    + 'a policy aws-cdk-lib does not list is reported',
  evaluate(resource: CfnResource, { properties }) {
    if (properties.Protocol !== 'TLS') return [];
    const policy = properties.SslPolicy;
    if (typeof policy === 'string' && ALB_TLS13_ONLY_POLICIES.has(policy)) return [];
    const literal = typeof policy === 'string' || policy === undefined;
    const wanted = literal ? elbTls13Equivalent(policy) : undefined;
    const family = literal ? elbPolicyFamily(policy) : undefined;
    return [{
      setting: 'SslPolicy',
      found: policy === undefined ? 'not set (ELBSecurityPolicy-2016-08 applies: TLS 1.0 to 1.2)' : shown(policy),
      fix: wanted
        ? `set it to ${wanted} (TLS 1.3 only${FAMILY_TEXT[family!]})`
        : `choose the TLS 1.3-only policy that keeps this policy's properties (FIPS, post-quantum): ${[...ALB_TLS13_ONLY_POLICIES].join(', ')}`,
      apply: wanted ? () => {
        (resource as CfnListener).sslPolicy = wanted;
        return `SslPolicy ${shown(policy)} -> "${wanted}"`;
      } : undefined,
    }];
  },
};
