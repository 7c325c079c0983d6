/**
 * Which ELB security policies the HTTPS listener of a `TlsLoadBalancer` accepts, and the check that enforces it:
 * TLS 1.3 only by default, TLS 1.2 as well only by an explicit opt-in (with a synth warning), TLS 1.0/1.1 never.
 */
import { Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { invalidProp } from '../../internal/errors';
import { warn } from '../../internal/warnings';

/** TLS-1.3-only listener policies: allowed without opt-in. */
export const TLS13_ONLY_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.TLS13_13,
  elbv2.SslPolicy.TLS13_13_PQ,
  elbv2.SslPolicy.FIPS_TLS13_13,
  elbv2.SslPolicy.FIPS_TLS13_13_PQ,
];

/** Policies that offer TLS 1.3 and also TLS 1.2 (never 1.0/1.1): allowed only with `allowTls12: true`. */
export const TLS12_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.RECOMMENDED_TLS,
  elbv2.SslPolicy.TLS13_RES,
  elbv2.SslPolicy.TLS13_EXT1,
  elbv2.SslPolicy.TLS13_EXT2,
  elbv2.SslPolicy.TLS13_12_PQ,
  elbv2.SslPolicy.TLS13_12_RES_PQ,
  elbv2.SslPolicy.TLS13_12_EXT1_PQ,
  elbv2.SslPolicy.TLS13_12_EXT2_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12,
  elbv2.SslPolicy.FIPS_TLS13_12_RES,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT0,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT1,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT2,
  elbv2.SslPolicy.FIPS_TLS13_12_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_RES_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT0_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT1_PQ,
  elbv2.SslPolicy.FIPS_TLS13_12_EXT2_PQ,
];

/** Policies that still accept TLS 1.0 or 1.1, or offer no TLS 1.3 at all: always rejected. */
export const REJECTED_POLICIES: readonly elbv2.SslPolicy[] = [
  elbv2.SslPolicy.RECOMMENDED,
  elbv2.SslPolicy.TLS13_10,
  elbv2.SslPolicy.TLS13_11,
  elbv2.SslPolicy.TLS13_10_PQ,
  elbv2.SslPolicy.FIPS_TLS13_11,
  elbv2.SslPolicy.FIPS_TLS13_10,
  elbv2.SslPolicy.FIPS_TLS13_10_PQ,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12_RES_GCM,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12_RES,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS12,
  elbv2.SslPolicy.FORWARD_SECRECY_TLS11,
  elbv2.SslPolicy.FORWARD_SECRECY,
  elbv2.SslPolicy.TLS12,
  elbv2.SslPolicy.TLS12_EXT,
  elbv2.SslPolicy.TLS11,
  elbv2.SslPolicy.LEGACY,
];

/**
 * Returns `policy` when the listener may use it: a TLS-1.3-only policy, or a TLS 1.2 policy with `allowTls12`
 * (which adds the synth warning `tls-load-balancer:tls12` on `scope`). Throws, naming `scope` and the prop
 * `sslPolicy`, for a policy that accepts TLS 1.0/1.1, offers no TLS 1.3, or is not a known ELB policy.
 * An unresolved token passes unchecked (its value is known only at deploy time).
 */
export function checkSslPolicy(scope: IConstruct, policy: elbv2.SslPolicy, allowTls12: boolean): elbv2.SslPolicy {
  if (Token.isUnresolved(policy)) return policy;
  if (TLS13_ONLY_POLICIES.includes(policy)) return policy;
  if (TLS12_POLICIES.includes(policy)) {
    if (!allowTls12) {
      invalidProp(scope, 'sslPolicy', policy,
        'This policy also accepts TLS 1.2. Fix: use elbv2.SslPolicy.TLS13_13 (or TLS13_13_PQ / FIPS_TLS13_13 / FIPS_TLS13_13_PQ), or set allowTls12: true if clients truly need TLS 1.2.');
    }
    warn(scope, 'tls-load-balancer:tls12',
      `sslPolicy ${policy} accepts TLS 1.2 because allowTls12 is true. Return to elbv2.SslPolicy.TLS13_13 once every client speaks TLS 1.3.`);
    return policy;
  }
  if (REJECTED_POLICIES.includes(policy)) {
    invalidProp(scope, 'sslPolicy', policy,
      'This policy accepts TLS 1.0/1.1 or offers no TLS 1.3. Fix: use elbv2.SslPolicy.TLS13_13 (default), TLS13_13_PQ, FIPS_TLS13_13 or FIPS_TLS13_13_PQ; TLS13_12_* policies need allowTls12: true.');
  }
  return invalidProp(scope, 'sslPolicy', policy,
    'This is not a known ELB security policy. Fix: use a member of elbv2.SslPolicy, such as elbv2.SslPolicy.TLS13_13 (TLS 1.3 only, the default).');
}
