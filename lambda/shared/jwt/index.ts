/**
 * JWT verification on node:crypto (no AWS SDK, no third-party JWT library):
 * used by the API Gateway authorizer and by the API's ALB entry.
 */
export {
  verifierConfigFromEnv, verifierEnvironment, validateVerifierConfig, checkTrustedUrl, SUPPORTED_ALGORITHMS, DEFAULT_ALGORITHMS,
  DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_TOKEN_AGE_SECONDS, DEFAULT_ROLES_CLAIM, DEFAULT_JWKS_REFETCH_INTERVAL_SECONDS, MAX_CLOCK_SKEW_SECONDS,
} from '../../../lib/contracts/jwt-config';
export type { JwtVerifierConfig } from '../../../lib/contracts/jwt-config';
export { JwtError, JwtConfigError, JwksError, rejection } from './errors';
export type { JwtErrorReason } from './errors';
export { JwksCache, importJwk } from './jwks';
export type { JwksCacheOptions, VerificationKey, VerifyPlan } from './jwks';
export { JwtVerifier, MAX_TOKEN_LENGTH } from './verifier';
export type { JwtVerifierOptions, VerifiedIdentity } from './verifier';
