import { CfnResource } from 'aws-cdk-lib';
import { CfnListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { shown } from '../cfn';
import { SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';

/** The policy `fix` sets: TLS 1.3 only. */
export const ALB_TLS13_POLICY = 'ELBSecurityPolicy-TLS13-1-3-2021-06';

/** ELB security policies that accept TLS 1.3 only. */
export const ALB_TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set([
  ALB_TLS13_POLICY,
  'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09',
]);

/** ALB HTTPS listeners accept TLS 1.3 only. */
export const albTlsPolicy: SecurityBaselineControl = {
  id: 'ALB1',
  areas: ['transit'],
  title: 'HTTPS listeners use a TLS 1.3-only security policy',
  reports: '`SslPolicy = <policy>`: the HTTPS listener accepts TLS below 1.3 (or has no policy: ELBSecurityPolicy-2016-08)',
  resourceTypes: [LISTENER],
  fixes: `sets SslPolicy to ${ALB_TLS13_POLICY}`,
  evaluate(resource: CfnResource, { properties }) {
    if (properties.Protocol !== 'HTTPS') return [];
    const policy = properties.SslPolicy;
    if (typeof policy === 'string' && ALB_TLS13_ONLY_POLICIES.has(policy)) return [];
    return [{
      setting: 'SslPolicy',
      found: policy === undefined ? 'not set (ELBSecurityPolicy-2016-08 applies: TLS 1.0 to 1.2)' : shown(policy),
      fix: `set it to ${ALB_TLS13_POLICY} (TLS 1.3 only)`,
      apply: typeof policy === 'string' || policy === undefined ? () => {
        (resource as CfnListener).sslPolicy = ALB_TLS13_POLICY;
        return `SslPolicy ${shown(policy)} -> "${ALB_TLS13_POLICY}"`;
      } : undefined,
    }];
  },
};
