// Public API of aws-security-baseline: the constructs and their props.
export * from './constructs/logging';
export * from './constructs/secure-function';
export * from './constructs/secure-vpc';
export { ManagedPolicyRole } from './internal/managed-policy-role';
export { acknowledge, MIN_ACK_REASON_LENGTH } from './internal/acknowledge';
export { addRulePacks, createRulePacks, RULE_PACK_NAMES } from './compliance/rule-packs';
export * from './constructs/tls-load-balancer';
export * from './constructs/secure-rest-api';
export * from './constructs/user-directory';
export * from './constructs/web-firewall';
export * from './constructs/identity-rate-limiter';
export * from './constructs/jwt-authorizer';
export * from './constructs/encryption-keys';
export * from './constructs/iam-auth-database';
export * from './constructs/iam-auth-database/bootstrap';
export * from './constructs/managed-secret';
export { SecurityBaseline, SECURITY_BASELINE_DEFAULT_THRESHOLDS, SECURITY_BASELINE_PLUGIN_NAME, SECURITY_BASELINE_RULE_PREFIX } from './aspects/security-baseline';
export type {
  SecurityBaselineArea, SecurityBaselineChange, SecurityBaselineControlInfo, SecurityBaselineFinding, SecurityBaselineMode,
  SecurityBaselineProps, SecurityBaselineThresholds,
} from './aspects/security-baseline';
