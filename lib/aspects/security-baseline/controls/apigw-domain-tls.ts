import { CfnResource } from 'aws-cdk-lib';
import { CfnDomainName } from 'aws-cdk-lib/aws-apigateway';
import { shown } from '../cfn';
import { SecurityBaselineControl } from '../types';
import { DOMAIN_NAME } from './apigw';

/** The policy `fix` sets on regional domains: TLS 1.3 only. */
export const API_TLS13_POLICY = 'SecurityPolicy_TLS13_1_3_2025_09';
/** The policy `fix` sets on edge-optimized domains: TLS 1.3 only. */
export const API_EDGE_TLS13_POLICY = 'SecurityPolicy_TLS13_2025_EDGE';

/** API Gateway domain security policies that accept TLS 1.3 only. */
export const API_TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set([API_TLS13_POLICY, 'SecurityPolicy_TLS13_1_3_FIPS_2025_09', API_EDGE_TLS13_POLICY]);

/** API Gateway custom domains accept TLS 1.3 only, with STRICT endpoint access (SNI must match the domain). */
export const apiDomainTls: SecurityBaselineControl = {
  id: 'APIGW1',
  areas: ['transit'],
  title: 'REST API custom domains use a TLS 1.3-only policy with STRICT endpoint access',
  reports: '`SecurityPolicy/EndpointAccessMode = <policy> / <mode>`: TLS below 1.3 or endpoint access not STRICT',
  resourceTypes: [DOMAIN_NAME],
  fixes: `sets SecurityPolicy to ${API_TLS13_POLICY} (${API_EDGE_TLS13_POLICY} on edge-optimized domains) and EndpointAccessMode to STRICT, unless the domain uses mutual TLS`,
  evaluate(resource: CfnResource, { properties }) {
    const policy = properties.SecurityPolicy;
    const mode = properties.EndpointAccessMode;
    if (typeof policy === 'string' && API_TLS13_ONLY_POLICIES.has(policy) && mode === 'STRICT') return [];
    const types = properties.EndpointConfiguration?.Types;
    const edge = Array.isArray(types) ? types.includes('EDGE') : properties.RegionalCertificateArn === undefined;
    const wanted = edge ? API_EDGE_TLS13_POLICY : API_TLS13_POLICY;
    const mtls = properties.MutualTlsAuthentication !== undefined;
    const literal = (v: unknown) => v === undefined || typeof v === 'string';
    return [{
      setting: 'SecurityPolicy/EndpointAccessMode',
      found: `${policy === undefined ? 'not set (TLS_1_0 or TLS_1_2 applies)' : shown(policy)} / ${shown(mode)}`,
      fix: mtls
        ? `mutual TLS cannot be combined with an enhanced policy: move client authentication elsewhere, then set SecurityPolicy ${wanted} and EndpointAccessMode STRICT`
        : `set SecurityPolicy to ${wanted} and EndpointAccessMode to STRICT`,
      apply: !mtls && literal(policy) && literal(mode) ? () => {
        const domain = resource as CfnDomainName;
        domain.securityPolicy = wanted;
        domain.endpointAccessMode = 'STRICT';
        return `SecurityPolicy ${shown(policy)} -> "${wanted}", EndpointAccessMode ${shown(mode)} -> "STRICT"`;
      } : undefined,
    }];
  },
};
