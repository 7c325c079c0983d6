/**
 * aws-security-baseline: AWS CDK constructs that enforce backend security (TLS 1.3 in transit, validated input,
 * JWT identity, WAF traffic control, encrypted and rotated data) and pass the cdk-nag rule packs. The rule packs and
 * the compliance evidence are in the `compliance` submodule (`aws-security-baseline/compliance` for TypeScript,
 * `aws_security_baseline.compliance` in Python).
 *
 * @packageDocumentation
 * @module aws-security-baseline
 */
// Public API of aws-security-baseline (the package root, `.`): the constructs, their props and the types their
// signatures use, listed by name. Everything else under lib/ is private and may change in any release.
// The rule packs and the evidence are the `compliance` submodule (lib/compliance/index.ts): `import { compliance }` here,
// or the `./compliance` entry, which TypeScript users import directly (it loads cdk-nag only when the packs run).
// api/aws-security-baseline.api.md is the reviewed report of this surface (`npm run api` regenerates it).

// Acknowledging a finding on one construct, with a reason (rule-pack findings and this library's synth warnings).
export { Acknowledgements } from './internal/acknowledge';
// The one error type this library throws, tested by its stable code.
export { BaselineErrorCode, BaselineErrors } from './internal/errors';
// The rule packs and the compliance evidence, as a jsii submodule (Python `aws_security_baseline.compliance`).
export * as compliance from './compliance';

// Logging and encryption keys
export { LogsKey, type LogsKeyProps, SecureLogGroup, type SecureLogGroupProps } from './constructs/logging';
export { ServiceKey, type ServiceKeyProps } from './constructs/encryption-keys';

// Network
export { SecureVpc, type SecureVpcProps } from './constructs/secure-vpc';

// Compute
export { InvocationType, SecureFunction, type SecureFunctionProps } from './constructs/secure-function';

// Edge: load balancer, web firewall, REST API, authorizer
export { type HstsOptions, TlsLoadBalancer, type TlsLoadBalancerLambdaTargetOptions, type TlsLoadBalancerProps } from './constructs/tls-load-balancer';
export {
  type AccountTakeoverPreventionOptions, ApiGatewayBodyInspectionLimit, type AuthRateLimitOptions,
  type BodySizeLimitOptions, BotControlInspectionLevel, type BotControlOptions, FirewallRuleMode, type HeaderRateLimitOptions,
  LoginPayloadType, type ManagedRuleGroupOptions, type ManagedRuleGroupsOptions, ManagedRuleOverrideAction, type RateLimitOptions,
  WebFirewall, type WebFirewallAssociateOptions, type WebFirewallMetricOptions, type WebFirewallProps, type WebFirewallRateLimit,
} from './constructs/web-firewall';
export {
  type AuthCapacityOptions, type AuthCapacityThrottle,
  type PublicRoute, RouteCategory, type RouteKey, SecureRestApi,
  type SecureRestApiDomainOptions, type SecureRestApiProps, type SecureRouteOptions, type ThrottleLimits,
} from './constructs/secure-rest-api';
export { HttpMethod, JwtAlgorithm, JwtAuthorizer, type JwtAuthorizerProps, type RoutePermission, TokenUse } from './constructs/jwt-authorizer';

// Identity
export {
  type ResourceServerOptions, type ResourceServerScopeOptions, UserDirectory, type UserDirectoryPasswordPolicy, type UserDirectoryProps,
} from './constructs/user-directory';
export { IdentityRateLimiter, type IdentityRateLimiterProps, RateLimitCacheEngine } from './constructs/identity-rate-limiter';

// Data
export { IamAuthDatabase, type IamAuthDatabaseAttributes, type IamAuthDatabaseProps, type IIamAuthDatabase, MinimumTlsVersion } from './constructs/iam-auth-database';
export { DatabaseBootstrap, type DatabaseBootstrapProps, type DatabaseMigration, TablePrivilege } from './constructs/iam-auth-database/bootstrap';
export { ManagedSecret, type ManagedSecretProps, type ManagedSecretRotation } from './constructs/managed-secret';

// Raising existing stacks to the baseline: an Aspect that reports or fixes stock aws-cdk-lib resources
export { SecurityBaseline, SecurityBaselineArea, SecurityBaselineMode } from './aspects/security-baseline';
export type {
  SecurityBaselineChange, SecurityBaselineControlInfo, SecurityBaselineFinding, SecurityBaselineProps, SecurityBaselineThresholds,
} from './aspects/security-baseline';
