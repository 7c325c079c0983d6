
/** Configuration of {@link JwtVerifier}. */
export interface JwtVerifierConfig {
  /** Expected `iss`, compared exactly. */
  issuer: string;
  /** Accepted `aud` values (or `client_id` values when `tokenUse` is 'access'). */
  audience: string[];
  /** Where the signing keys are published (https; plain http only for loopback hosts). */
  jwksUri: string;
  /** Accepted `alg` values: asymmetric only. */
  algorithms: string[];
  /** Largest accepted `now - iat`, in seconds. */
  maxTokenAgeSeconds: number;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (at most 60). */
  clockSkewSeconds: number;
  /**
   * Cognito mode: 'access' requires `token_use: access` and checks `client_id` instead of `aud`.
   * 'id' is refused: an ID token is never an API credential.
   */
  tokenUse?: 'access' | 'id';
  /**
   * Require the RFC 9068 access-token header `typ: at+jwt` (or `application/at+jwt`), so an ID token
   * (`typ: JWT`) is refused even when its `aud` matches. Turn it off only for an issuer that does not
   * set it; the audience (the API's own identifier, never the client id) then keeps ID tokens out.
   * Default: true, except with `tokenUse: 'access'` (Cognito access tokens carry `token_use` instead).
   */
  requireAccessTokenType?: boolean;
  /** Claim holding the caller's roles (an array of strings). */
  rolesClaim: string;
  /** Minimum seconds between two JWKS fetches caused by unknown `kid`s. Default 60. */
  jwksRefetchIntervalSeconds?: number;
}

/**
 * A JWS signature algorithm the verifier accepts: asymmetric signatures only (never `none` or the HMAC `HS*`
 * algorithms, whose key a verifier would have to share with the issuer). The values are the `alg` header values.
 */
export enum JwtAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256 (what Cognito signs with). */
  RS256 = 'RS256',
  /** RSASSA-PKCS1-v1_5 with SHA-384. */
  RS384 = 'RS384',
  /** RSASSA-PKCS1-v1_5 with SHA-512. */
  RS512 = 'RS512',
  /** RSASSA-PSS with SHA-256. */
  PS256 = 'PS256',
  /** RSASSA-PSS with SHA-384. */
  PS384 = 'PS384',
  /** RSASSA-PSS with SHA-512. */
  PS512 = 'PS512',
  /** ECDSA with P-256 and SHA-256. */
  ES256 = 'ES256',
  /** ECDSA with P-384 and SHA-384. */
  ES384 = 'ES384',
  /** EdDSA (Ed25519). */
  EDDSA = 'EdDSA',
}

/**
 * Which tokens of an issuer that marks them with a `token_use` claim (Amazon Cognito) are API credentials. ID tokens
 * never are, so access tokens are the only choice.
 */
export enum TokenUse {
  /** Access tokens: `token_use: access` is required, and the audience is matched against `client_id` instead of `aud`. */
  ACCESS = 'access',
}

/**
 * Every algorithm the verifier can ever accept (asymmetric signatures only): every {@link JwtAlgorithm}. Listed member by
 * member rather than read from the enum object, so a handler bundle holds the strings only (esbuild inlines the members
 * and drops the enum).
 */
export const SUPPORTED_ALGORITHMS: readonly string[] = Object.freeze([
  JwtAlgorithm.RS256, JwtAlgorithm.RS384, JwtAlgorithm.RS512, JwtAlgorithm.PS256, JwtAlgorithm.PS384, JwtAlgorithm.PS512,
  JwtAlgorithm.ES256, JwtAlgorithm.ES384, JwtAlgorithm.EDDSA,
]);

export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256']);
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 900;
export const MAX_MAX_TOKEN_AGE_SECONDS = 86_400;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;
export const MAX_CLOCK_SKEW_SECONDS = 60;
export const DEFAULT_ROLES_CLAIM = 'cognito:groups';
export const DEFAULT_JWKS_REFETCH_INTERVAL_SECONDS = 60;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_CLAIM_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * True when `name` can name the roles claim: a non-blank string that is not an object prototype key (`__proto__`,
 * `constructor`, `prototype`). The one rule for the verifier's JWT_ROLES_CLAIM and JwtAuthorizer's `rolesClaim`.
 */
export function isRolesClaimName(name: unknown): name is string {
  return typeof name === 'string' && name.trim() !== '' && !FORBIDDEN_CLAIM_NAMES.has(name);
}

/**
 * Checks that a URL the verifier trusts is https (plain http only for a
 * loopback host, for tests) and carries no credentials.
 */
export function checkTrustedUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new JwtConfigError(`${name} is not a valid URL. Fix: set it to the issuer's https URL.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new JwtConfigError(`${name} must not contain credentials. Fix: remove the user:password part.`);
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new JwtConfigError(`${name} must use https (plain http is accepted only for 127.0.0.1, ::1 and localhost). Fix: use the issuer's https URL.`);
  }
  return url;
}

/** Validates a configuration and returns a normalized copy; throws {@link JwtConfigError} with a clear message. */
export function validateVerifierConfig(config: JwtVerifierConfig): JwtVerifierConfig {
  if (typeof config.issuer !== 'string' || config.issuer.trim() === '') {
    throw new JwtConfigError('JWT_ISSUER is required. Fix: set it to the issuer, for example https://cognito-idp.<region>.amazonaws.com/<userPoolId>.');
  }
  checkTrustedUrl('JWT_ISSUER', config.issuer);
  if (!Array.isArray(config.audience) || config.audience.length === 0 || config.audience.some((a) => typeof a !== 'string' || a.trim() === '')) {
    throw new JwtConfigError('JWT_AUDIENCE is required (a comma-separated list of non-empty values). Fix: set it to the app client id(s).');
  }
  if (typeof config.jwksUri !== 'string' || config.jwksUri === '') {
    throw new JwtConfigError('JWKS_URI is required. Fix: set it to the issuer\'s /.well-known/jwks.json URL.');
  }
  checkTrustedUrl('JWKS_URI', config.jwksUri);
  if (!Array.isArray(config.algorithms) || config.algorithms.length === 0) {
    throw new JwtConfigError('JWT_ALGORITHMS must list at least one algorithm. Fix: use RS256 (the default).');
  }
  for (const alg of config.algorithms) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) {
      throw new JwtConfigError(`JWT_ALGORITHMS contains ${JSON.stringify(String(alg)).slice(0, 40)}, which is not an allowed asymmetric algorithm. ` +
        `Fix: use only ${SUPPORTED_ALGORITHMS.join(', ')} (never none or HS*).`);
    }
  }
  checkWhole('JWT_MAX_TOKEN_AGE_SECONDS', config.maxTokenAgeSeconds, 1, MAX_MAX_TOKEN_AGE_SECONDS);
  checkWhole('JWT_CLOCK_SKEW_SECONDS', config.clockSkewSeconds, 0, MAX_CLOCK_SKEW_SECONDS);
  if (config.jwksRefetchIntervalSeconds !== undefined) checkWhole('JWKS_REFETCH_INTERVAL_SECONDS', config.jwksRefetchIntervalSeconds, 1, 3600);
  if (config.tokenUse !== undefined && config.tokenUse !== 'access') {
    throw new JwtConfigError(`JWT_TOKEN_USE must be access or empty (${config.tokenUse === 'id' ? 'ID tokens are never API credentials' : 'unknown value'}). ` +
      'Fix: use access for Cognito access tokens, or leave it empty for an issuer of RFC 9068 (typ at+jwt) access tokens.');
  }
  if (config.requireAccessTokenType !== undefined && typeof config.requireAccessTokenType !== 'boolean') {
    throw new JwtConfigError('JWT_REQUIRE_ACCESS_TOKEN_TYPE must be true or false. Fix: remove it to require typ at+jwt (the default).');
  }
  if (!isRolesClaimName(config.rolesClaim)) {
    throw new JwtConfigError('JWT_ROLES_CLAIM must name a claim. Fix: use cognito:groups (the default) or your issuer\'s roles claim.');
  }
  return {
    issuer: config.issuer,
    audience: config.audience.map((a) => a.trim()),
    jwksUri: config.jwksUri,
    algorithms: [...new Set(config.algorithms)],
    maxTokenAgeSeconds: config.maxTokenAgeSeconds,
    clockSkewSeconds: config.clockSkewSeconds,
    tokenUse: config.tokenUse,
    requireAccessTokenType: config.requireAccessTokenType ?? config.tokenUse !== 'access',
    rolesClaim: config.rolesClaim,
    jwksRefetchIntervalSeconds: config.jwksRefetchIntervalSeconds ?? DEFAULT_JWKS_REFETCH_INTERVAL_SECONDS,
  };
}

/**
 * Reads the verifier configuration from environment variables (JWT_ISSUER,
 * JWT_AUDIENCE, JWKS_URI, JWT_ALGORITHMS, JWT_MAX_TOKEN_AGE_SECONDS,
 * JWT_CLOCK_SKEW_SECONDS, JWT_TOKEN_USE, JWT_REQUIRE_ACCESS_TOKEN_TYPE,
 * JWT_ROLES_CLAIM and the optional JWKS_REFETCH_INTERVAL_SECONDS). Throws {@link JwtConfigError} with a clear
 * message when anything is missing or unsafe.
 */
export function verifierConfigFromEnv(env: Record<string, string | undefined>): JwtVerifierConfig {
  const tokenUse = (env.JWT_TOKEN_USE ?? '').trim();
  return validateVerifierConfig({
    issuer: (env.JWT_ISSUER ?? '').trim(),
    audience: list(env.JWT_AUDIENCE),
    jwksUri: (env.JWKS_URI ?? '').trim(),
    algorithms: env.JWT_ALGORITHMS === undefined || env.JWT_ALGORITHMS.trim() === '' ? [...DEFAULT_ALGORITHMS] : list(env.JWT_ALGORITHMS),
    maxTokenAgeSeconds: whole('JWT_MAX_TOKEN_AGE_SECONDS', env.JWT_MAX_TOKEN_AGE_SECONDS, DEFAULT_MAX_TOKEN_AGE_SECONDS),
    clockSkewSeconds: whole('JWT_CLOCK_SKEW_SECONDS', env.JWT_CLOCK_SKEW_SECONDS, DEFAULT_CLOCK_SKEW_SECONDS),
    tokenUse: tokenUse === '' ? undefined : (tokenUse as 'access' | 'id'),
    requireAccessTokenType: flag('JWT_REQUIRE_ACCESS_TOKEN_TYPE', env.JWT_REQUIRE_ACCESS_TOKEN_TYPE),
    rolesClaim: env.JWT_ROLES_CLAIM === undefined || env.JWT_ROLES_CLAIM.trim() === '' ? DEFAULT_ROLES_CLAIM : env.JWT_ROLES_CLAIM.trim(),
    jwksRefetchIntervalSeconds: whole('JWKS_REFETCH_INTERVAL_SECONDS', env.JWKS_REFETCH_INTERVAL_SECONDS, DEFAULT_JWKS_REFETCH_INTERVAL_SECONDS),
  });
}

/**
 * The environment variables {@link verifierConfigFromEnv} reads back as `config`: the one place that writes the
 * verifier's settings for a handler, used by the JWT authorizer construct for its function and, through
 * `JwtAuthorizer.verifierEnvironment`, by every handler that verifies the same tokens itself. It does not validate
 * (at synth the values may be CDK tokens); the handler validates at cold start. Optional settings left undefined are
 * not written, so the handler's defaults apply.
 */
export function verifierEnvironment(config: JwtVerifierConfig): Record<string, string> {
  const env: Record<string, string> = {
    JWT_ISSUER: config.issuer,
    JWT_AUDIENCE: config.audience.join(','),
    JWKS_URI: config.jwksUri,
    JWT_ALGORITHMS: config.algorithms.join(','),
    JWT_MAX_TOKEN_AGE_SECONDS: String(config.maxTokenAgeSeconds),
    JWT_CLOCK_SKEW_SECONDS: String(config.clockSkewSeconds),
    JWT_ROLES_CLAIM: config.rolesClaim,
  };
  if (config.tokenUse !== undefined) env.JWT_TOKEN_USE = config.tokenUse;
  env.JWT_REQUIRE_ACCESS_TOKEN_TYPE = String(config.requireAccessTokenType ?? config.tokenUse !== 'access');
  if (config.jwksRefetchIntervalSeconds !== undefined) env.JWKS_REFETCH_INTERVAL_SECONDS = String(config.jwksRefetchIntervalSeconds);
  return env;
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

function flag(name: string, value: string | undefined): boolean | undefined {
  const v = (value ?? '').trim();
  if (v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new JwtConfigError(`${name} must be true or false. Fix: remove it to use the default.`);
}

function whole(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  if (!/^\d{1,6}$/.test(value.trim())) throw new JwtConfigError(`${name} must be a whole number of seconds. Fix: remove it to use the default (${fallback}).`);
  return Number(value.trim());
}

function checkWhole(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new JwtConfigError(`${name} must be a whole number from ${min} to ${max}. Fix: remove it to use the default.`);
  }
}

/** Missing or unsafe verifier configuration (raised at cold start, never per request). */
export class JwtConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwtConfigError';
  }
}
