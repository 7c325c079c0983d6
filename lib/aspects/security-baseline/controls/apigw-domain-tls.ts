import { CfnResource, Validations } from 'aws-cdk-lib';
import { CfnDomainName, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import { shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { DOMAIN_NAME } from './apigw';

/** The policy `fix` sets on regional domains of the plain family: TLS 1.3 only. */
export const API_TLS13_POLICY = 'SecurityPolicy_TLS13_1_3_2025_09';
/** The FIPS TLS 1.3-only policy (regional and private domains). */
export const API_FIPS_TLS13_POLICY = 'SecurityPolicy_TLS13_1_3_FIPS_2025_09';
/** The policy `fix` sets on edge-optimized domains: TLS 1.3 only. */
export const API_EDGE_TLS13_POLICY = 'SecurityPolicy_TLS13_2025_EDGE';

/** API Gateway domain security policies that accept TLS 1.3 only. */
export const API_TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set([API_TLS13_POLICY, API_FIPS_TLS13_POLICY, API_EDGE_TLS13_POLICY]);

/**
 * Every security policy API Gateway offers for REST API domains: aws-cdk-lib's `apigateway.SecurityPolicy` plus the
 * three the AWS API has and the enum lacks. The family rule is decided on this table.
 */
export const API_SECURITY_POLICIES: readonly string[] = [...new Set<string>([
  ...Object.values(SecurityPolicy),
  'SecurityPolicy_TLS13_1_2_2021_06', 'SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09', 'SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09',
])];

/** The Control Tower guard rule that accepts only `TLS_1_2` (CT.APIGATEWAY.PR.6), as acknowledgements name it. */
export const CT_API_DOMAIN_TLS_RULE = 'cdk-validator-cfnguard::api_gw_domain_tls_check';

/**
 * The TLS 1.3-only policy of the same family as `policy` on a domain of this endpoint type, or undefined when
 * API Gateway has none that is like for like. FIPS and post-quantum (`PQ`) are kept: API Gateway has a FIPS TLS
 * 1.3-only policy for regional and private domains but no post-quantum one, so a `PQ` policy is reported, never
 * replaced. Plain policies (TLS_1_0, TLS_1_2, the 2021 and edge TLS 1.2 policies) become the plain TLS 1.3 policy
 * (TLS 1.3 always has forward secrecy, so `PFS` is kept too).
 */
export function apiTls13Equivalent(policy: string | undefined, edge: boolean): string | undefined {
  const name = policy ?? 'TLS_1_2';
  if (!API_SECURITY_POLICIES.includes(name) || name.includes('_PQ_')) return undefined;
  if (name.includes('_FIPS_')) return edge ? undefined : API_FIPS_TLS13_POLICY;
  return edge ? API_EDGE_TLS13_POLICY : API_TLS13_POLICY;
}

/** API Gateway custom domains accept TLS 1.3 only, with STRICT endpoint access (SNI must match the domain). */
export const apiDomainTls: SecurityBaselineControl = {
  id: 'APIGW1',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'REST API custom domains use a TLS 1.3-only policy with STRICT endpoint access',
  reports: '`SecurityPolicy/EndpointAccessMode = <policy> / <mode>`: TLS below 1.3 or endpoint access not STRICT',
  resourceTypes: [DOMAIN_NAME],
  fixes: `sets SecurityPolicy to the TLS 1.3-only policy of the same family (${API_TLS13_POLICY}, ${API_FIPS_TLS13_POLICY} for FIPS, `
    + `${API_EDGE_TLS13_POLICY} on edge-optimized domains) and EndpointAccessMode to STRICT, unless the domain uses mutual TLS; `
    + 'post-quantum policies (no TLS 1.3-only equivalent) are reported',
  evaluate(resource: CfnResource, { properties }) {
    const policy = properties.SecurityPolicy;
    const mode = properties.EndpointAccessMode;
    const compliantPolicy = typeof policy === 'string' && API_TLS13_ONLY_POLICIES.has(policy);
    if (compliantPolicy && mode === 'STRICT') return [];
    const types = properties.EndpointConfiguration?.Types;
    const edge = Array.isArray(types) ? types.includes('EDGE') : properties.RegionalCertificateArn === undefined;
    const mtls = properties.MutualTlsAuthentication !== undefined;
    const literal = (v: unknown) => v === undefined || typeof v === 'string';
    const wanted = compliantPolicy ? policy : literal(policy) ? apiTls13Equivalent(policy, edge) : undefined;
    const fix = wanted ? `set SecurityPolicy to ${wanted} and EndpointAccessMode to STRICT`
      : `API Gateway has no TLS 1.3-only policy with the properties of ${shown(policy)} (post-quantum or FIPS on an edge domain): `
        + 'keep it and acknowledge, or choose a TLS 1.3-only policy yourself, with EndpointAccessMode STRICT';
    return [{
      setting: 'SecurityPolicy/EndpointAccessMode',
      found: `${policy === undefined ? 'not set (TLS_1_0 or TLS_1_2 applies)' : shown(policy)} / ${shown(mode)}`,
      fix: mtls && !compliantPolicy
        ? `mutual TLS cannot be combined with an enhanced policy: move client authentication elsewhere, then ${fix}`
        : fix,
      apply: wanted && !(mtls && !compliantPolicy) && literal(mode) ? () => {
        const domain = resource as CfnDomainName;
        const changes: string[] = [];
        if (policy !== wanted) {
          domain.securityPolicy = wanted;
          changes.push(`SecurityPolicy ${shown(policy)} -> "${wanted}"`);
          // Control Tower's CT.APIGATEWAY.PR.6 accepts only TLS_1_2: acknowledged as the library's own SecureRestApi does.
          Validations.of(resource).acknowledge({ id: CT_API_DOMAIN_TLS_RULE, reason: `SecurityBaseline fix mode set ${wanted} `
            + '(TLS 1.3 only), stricter than the TLS 1.2 minimum CT.APIGATEWAY.PR.6 asks for; the control\'s rule predates the '
            + 'enhanced security policies and accepts only the literal value TLS_1_2.' });
        }
        if (mode !== 'STRICT') {
          domain.endpointAccessMode = 'STRICT';
          changes.push(`EndpointAccessMode ${shown(mode)} -> "STRICT"`);
        }
        return changes.join(', ');
      } : undefined,
    }];
  },
};
