import { CfnResource } from 'aws-cdk-lib';
import { CfnListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { shown } from '../cfn';
import { SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';
import { ALB_TLS13_ONLY_POLICIES, ALB_TLS13_POLICY } from './alb-tls-policy';

/** Network Load Balancer TLS listeners accept TLS 1.3 only (the same ELB security policies as HTTPS listeners). */
export const nlbTlsPolicy: SecurityBaselineControl = {
  id: 'NLB1',
  areas: ['transit'],
  title: 'Network Load Balancer TLS listeners use a TLS 1.3-only security policy',
  reports: '`SslPolicy = <policy>`: the TLS listener accepts TLS below 1.3 (or has no policy)',
  resourceTypes: [LISTENER],
  fixes: `sets SslPolicy to ${ALB_TLS13_POLICY}, unless the listener uses a FIPS policy (reported, so the FIPS family is kept)`,
  evaluate(resource: CfnResource, { properties }) {
    if (properties.Protocol !== 'TLS') return [];
    const policy = properties.SslPolicy;
    if (typeof policy === 'string' && ALB_TLS13_ONLY_POLICIES.has(policy)) return [];
    const fips = typeof policy === 'string' && policy.includes('FIPS');
    return [{
      setting: 'SslPolicy',
      found: policy === undefined ? 'not set (ELBSecurityPolicy-2016-08 applies: TLS 1.0 to 1.2)' : shown(policy),
      fix: fips ? 'set it to ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04 (TLS 1.3 only, FIPS)' : `set it to ${ALB_TLS13_POLICY} (TLS 1.3 only)`,
      apply: !fips && (policy === undefined || typeof policy === 'string') ? () => {
        (resource as CfnListener).sslPolicy = ALB_TLS13_POLICY;
        return `SslPolicy ${shown(policy)} -> "${ALB_TLS13_POLICY}"`;
      } : undefined,
    }];
  },
};
