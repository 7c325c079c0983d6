import { CfnResource } from 'aws-cdk-lib';
import { CfnListener, SslPolicy } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { shown } from '../cfn';
import { ControlContext, ControlViolation, SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';

/** The policy `fix` sets on a listener of the plain family (neither FIPS nor post-quantum): TLS 1.3 only. */
export const ALB_TLS13_POLICY = 'ELBSecurityPolicy-TLS13-1-3-2021-06';

/** The TLS 1.3-only policy of each family, by `<fips>/<post-quantum>`: the only values `fix` sets. */
const TLS13_BY_FAMILY: Readonly<Record<string, string>> = {
  'plain': ALB_TLS13_POLICY,
  'pq': 'ELBSecurityPolicy-TLS13-1-3-PQ-2025-09',
  'fips': 'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
  'fips+pq': 'ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09',
};

/** ELB security policies that accept TLS 1.3 only. */
export const ALB_TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set(Object.values(TLS13_BY_FAMILY));

/** ELB's default when a listener names no policy. */
const DEFAULT_POLICY = 'ELBSecurityPolicy-2016-08';

/** Every policy name aws-cdk-lib knows (`elbv2.SslPolicy`): the table the family rule is decided on. */
const KNOWN_POLICIES: ReadonlySet<string> = new Set<string>(Object.values(SslPolicy));

/**
 * The family of a known ELB policy: FIPS (`-FIPS-`) and post-quantum (`-PQ-`) are kept by a fix; the TLS versions
 * and ciphers of TLS 1.2 and older are what the control raises. Undefined for a name aws-cdk-lib does not list.
 */
export function elbPolicyFamily(policy: string | undefined): string | undefined {
  const name = policy ?? DEFAULT_POLICY;
  if (!KNOWN_POLICIES.has(name)) return undefined;
  const fips = name.includes('-FIPS-');
  const pq = name.includes('-PQ-');
  return fips && pq ? 'fips+pq' : fips ? 'fips' : pq ? 'pq' : 'plain';
}

/** The TLS 1.3-only policy of the same family, or undefined when there is none that is like for like. */
export function elbTls13Equivalent(policy: string | undefined): string | undefined {
  const family = elbPolicyFamily(policy);
  return family === undefined ? undefined : TLS13_BY_FAMILY[family];
}

/** How a fix text names each family after "TLS 1.3 only". */
export const FAMILY_TEXT: Readonly<Record<string, string>> = { 'plain': '', 'pq': ', post-quantum', 'fips': ', FIPS', 'fips+pq': ', FIPS and post-quantum' };

/**
 * The TLS 1.3-only check of a load-balancer listener of `protocol` (HTTPS for ALB1, TLS for NLB1): a listed policy of
 * another family is raised to the TLS 1.3-only policy of its own family; a policy nobody lists is reported.
 */
export function evaluateListenerTlsPolicy(resource: CfnResource, properties: ControlContext['properties'], protocol: string, unset: string): ControlViolation[] {
  if (properties.Protocol !== protocol) return [];
  const policy = properties.SslPolicy;
  if (typeof policy === 'string' && ALB_TLS13_ONLY_POLICIES.has(policy)) return [];
  const literal = typeof policy === 'string' || policy === undefined;
  const wanted = literal ? elbTls13Equivalent(policy) : undefined;
  const family = literal ? elbPolicyFamily(policy) : undefined;
  return [{
    setting: 'SslPolicy',
    found: policy === undefined ? unset : shown(policy),
    fix: wanted
      ? `set it to ${wanted} (TLS 1.3 only${FAMILY_TEXT[family!]})`
      : `choose the TLS 1.3-only policy that keeps this policy's properties (FIPS, post-quantum): ${[...ALB_TLS13_ONLY_POLICIES].join(', ')}`,
    apply: wanted ? () => {
      (resource as CfnListener).sslPolicy = wanted;
      return `SslPolicy ${shown(policy)} -> "${wanted}"`;
    } : undefined,
  }];
}

/** ALB HTTPS listeners accept TLS 1.3 only. */
export const albTlsPolicy: SecurityBaselineControl = {
  id: 'ALB1',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'HTTPS listeners use a TLS 1.3-only security policy',
  reports: '`SslPolicy = <policy>`: the HTTPS listener accepts TLS below 1.3 (or has no policy: ELBSecurityPolicy-2016-08)',
  resourceTypes: [LISTENER],
  fixes: `sets SslPolicy to the TLS 1.3-only policy of the same family (${Object.values(TLS13_BY_FAMILY).join(', ')} for plain, `
    + 'post-quantum, FIPS, and FIPS post-quantum policies); a policy aws-cdk-lib does not list is reported',
  evaluate(resource: CfnResource, { properties }) {
    return evaluateListenerTlsPolicy(resource, properties, 'HTTPS', `not set (${DEFAULT_POLICY} applies: TLS 1.0 to 1.2)`);
  },
};
