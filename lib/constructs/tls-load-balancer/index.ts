/**
 * An internet-facing Application Load Balancer that speaks TLS 1.3 only (`TlsLoadBalancer`), with the parts it is
 * made of: the TLS policy check, the security headers it adds, and the bucket its access logs go to.
 */
export { TlsLoadBalancer, type TlsLoadBalancerLambdaTargetOptions, type TlsLoadBalancerProps } from './tls-load-balancer';
export { AccessLogBucket, type AccessLogBucketProps } from './access-log-bucket';
export {
  DEFAULT_CONTENT_SECURITY_POLICY, type HstsOptions, LISTENER_HEADER_ATTRIBUTES, LISTENER_HEADER_SUPPORT, type ListenerHeaderSupport,
  MIN_HSTS_MAX_AGE_SECONDS,
} from './security-headers';
export { REJECTED_POLICIES, TLS12_POLICIES, TLS13_ONLY_POLICIES } from './tls-policy';
