/**
 * Rate-limit policies per route class and role, validated once at cold start.
 */

/** Route classes, from the most to the least sensitive. */
export const ROUTE_CLASSES = ['auth', 'write', 'read'] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** What a request gets when Redis is unreachable, slow or failing. */
export type FailureMode = 'open' | 'closed';

/** A quota: `limit` requests per `windowSeconds` (GCRA: a burst of `limit`, then one request every `windowSeconds / limit`). */
export interface RateLimitPolicy {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** The policies of one route class. */
export interface RouteClassConfig {
  /** Policy for callers without a matching role (and for anonymous callers on auth routes). */
  readonly default: RateLimitPolicy;
  /** Policies per role; a caller with several roles gets the most generous one (highest rate). */
  readonly roles?: Readonly<Record<string, RateLimitPolicy>>;
  /** Behaviour when Redis cannot answer in time: `open` lets the request through, `closed` answers 503. */
  readonly onFailure: FailureMode;
}

/** Configuration of {@link RateLimiter}. */
export interface RateLimiterConfig {
  readonly classes: Readonly<Record<RouteClass, RouteClassConfig>>;
  /**
   * Key prefix in Redis (namespaces the limiter's keys).
   * @default 'rl:v1'
   */
  readonly keyPrefix?: string;
  /**
   * Budget of one check in milliseconds (the whole round trip, script reload included).
   * @default 50
   */
  readonly timeoutMs?: number;
  /**
   * Budget of the first check of a container (TLS handshake, AUTH with an IAM token, script load).
   * @default 1000
   */
  readonly firstCallTimeoutMs?: number;
  /**
   * `Retry-After` in seconds of a fail-closed 503.
   * @default 1
   */
  readonly failClosedRetryAfterSeconds?: number;
  /**
   * Identities over their limit that one container answers 429 without asking Redis, until the earliest moment
   * each could pass again; the least recently blocked are forgotten first. 0 sends every check to Redis.
   * @default 10000
   */
  readonly blockedEntries?: number;
}

/**
 * Secure defaults: auth routes are tight and fail closed (credential stuffing, token
 * minting), writes fail closed (cost, storage abuse), reads fail open (availability).
 */
export const DEFAULT_RATE_LIMIT_CONFIG: RateLimiterConfig = Object.freeze({
  classes: {
    auth: { default: { limit: 10, windowSeconds: 60 }, onFailure: 'closed' },
    write: { default: { limit: 30, windowSeconds: 60 }, roles: { user: { limit: 60, windowSeconds: 60 }, admin: { limit: 300, windowSeconds: 60 } }, onFailure: 'closed' },
    read: { default: { limit: 120, windowSeconds: 60 }, roles: { user: { limit: 300, windowSeconds: 60 }, admin: { limit: 1200, windowSeconds: 60 } }, onFailure: 'open' },
  },
}) as RateLimiterConfig;

/** A configuration error, thrown at cold start with the path of the bad value. */
export class RateLimitConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RateLimitConfigError';
  }
}

const MAX_WINDOW_SECONDS = 86_400;
const MAX_LIMIT = 1_000_000;

/** Validates a configuration and throws {@link RateLimitConfigError} naming the bad value and the fix. */
export function validateRateLimitConfig(config: RateLimiterConfig): RateLimiterConfig {
  if (typeof config !== 'object' || config === null || typeof config.classes !== 'object' || config.classes === null) {
    throw new RateLimitConfigError('rate limit config: "classes" is missing. Fix: give a policy for each of auth, write, read.');
  }
  for (const name of Object.keys(config.classes)) {
    if (!(ROUTE_CLASSES as readonly string[]).includes(name)) {
      throw new RateLimitConfigError(`rate limit config: unknown route class "${name}". Fix: use one of ${ROUTE_CLASSES.join(', ')}.`);
    }
  }
  for (const name of ROUTE_CLASSES) {
    const c = config.classes[name];
    if (!c) throw new RateLimitConfigError(`rate limit config: classes.${name} is missing. Fix: give a default policy and onFailure for it.`);
    checkPolicy(`classes.${name}.default`, c.default);
    for (const [role, policy] of Object.entries(c.roles ?? {})) checkPolicy(`classes.${name}.roles.${role}`, policy);
    if (c.onFailure !== 'open' && c.onFailure !== 'closed') {
      throw new RateLimitConfigError(`rate limit config: classes.${name}.onFailure = ${JSON.stringify(c.onFailure)}. Fix: use "open" or "closed".`);
    }
  }
  if (config.keyPrefix !== undefined && !/^[A-Za-z0-9:_-]{1,32}$/.test(config.keyPrefix)) {
    throw new RateLimitConfigError(`rate limit config: keyPrefix = ${JSON.stringify(config.keyPrefix)}. Fix: 1-32 characters of A-Z a-z 0-9 : _ -.`);
  }
  checkNumber('timeoutMs', config.timeoutMs, 1, 10_000);
  checkNumber('firstCallTimeoutMs', config.firstCallTimeoutMs, 1, 30_000);
  checkNumber('failClosedRetryAfterSeconds', config.failClosedRetryAfterSeconds, 1, 3600);
  checkNumber('blockedEntries', config.blockedEntries, 0, 1_000_000);
  return config;
}

/**
 * Reads the configuration from an environment variable holding JSON (RATE_LIMIT_CONFIG),
 * or returns the defaults when it is unset. Throws {@link RateLimitConfigError} on bad JSON or values.
 */
export function rateLimitConfigFromEnv(env: Record<string, string | undefined>, name = 'RATE_LIMIT_CONFIG'): RateLimiterConfig {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return DEFAULT_RATE_LIMIT_CONFIG;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RateLimitConfigError(`${name} is not valid JSON. Fix: set it to {"classes":{"auth":{...},"write":{...},"read":{...}}}.`);
  }
  return validateRateLimitConfig(parsed as RateLimiterConfig);
}

function checkPolicy(path: string, p: RateLimitPolicy | undefined): void {
  if (typeof p !== 'object' || p === null) throw new RateLimitConfigError(`rate limit config: ${path} is missing. Fix: give { limit, windowSeconds }.`);
  checkNumber(`${path}.limit`, p.limit, 1, MAX_LIMIT, true);
  checkNumber(`${path}.windowSeconds`, p.windowSeconds, 1, MAX_WINDOW_SECONDS, true);
}

function checkNumber(path: string, value: number | undefined, min: number, max: number, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RateLimitConfigError(`rate limit config: ${path} = ${JSON.stringify(value)}. Fix: use a whole number from ${min} to ${max}.`);
  }
}
