/**
 * Logout that ends API access: the token family of a signed-out session is
 * recorded in the shared Valkey/Redis cache (the rate limiter's connection and
 * key namespace) for as long as any token of it can still be accepted, and the
 * API entries refuse tokens of a recorded family. Pure core: the store, the
 * verifier, the metrics sink and the logger are injected; no AWS SDK.
 *
 * Failure policy (the cache unreachable, slow or failing), consistent with the
 * rate limiter's: recording a logout fails closed (the caller answers 503 and the
 * client retries: a logout that did not take effect must not look successful);
 * checks of writes fail closed (503), checks of reads fail open (served, with a
 * metric and a warning), so a cache outage does not take reads down while a
 * revoked token still cannot change data.
 */
import { createHash } from 'crypto';
import { HttpError } from './http';
import { JwtError } from './jwt/errors';
import type { VerifiedIdentity } from './jwt/verifier';
import { DeadlineQueue, RateLimitTimeoutError } from './rate-limit/deadlines';
import { tokenFamily } from './token-family';

/** The two commands the revocation list needs (GET and SET with EX; both allowed to the limiter's cache user on its prefix). */
export interface RevocationStore {
  get(key: string): Promise<unknown>;
  /** `SET key value EX ttlSeconds` */
  setex(key: string, value: string, ttlSeconds: number): Promise<unknown>;
}

/** What a request gets when the cache cannot answer a check. */
export type RevocationFailureMode = 'open' | 'closed';

/** Options of {@link RevocationList}. */
export interface RevocationListOptions {
  /**
   * Key prefix: the rate limiter's (`RATE_LIMIT_KEY_PREFIX`), since the cache user may touch only `<prefix>:*`.
   * @default 'rl:v1'
   */
  readonly keyPrefix?: string;
  /**
   * Budget of one check or one record, in milliseconds (the first call of a container gets 1 s for connect, TLS and AUTH).
   * @default 50
   */
  readonly timeoutMs?: number;
  /**
   * Failure mode per route class.
   * @default { read: 'open', write: 'closed' }
   */
  readonly onFailure?: { readonly read: RevocationFailureMode; readonly write: RevocationFailureMode };
  /** @default - no metrics */
  readonly metrics?: { addMetric(name: string, unit: 'Count', value: number): void };
  /** @default - no logs */
  readonly logger?: { warn(message: string, ...extra: Record<string, unknown>[]): void };
}

const SAFE_FAMILY = /^[A-Za-z0-9:._@|-]{1,96}$/;
const FIRST_CALL_TIMEOUT_MS = 1000;

/** The recorded families, in the shared cache. */
export class RevocationList {
  private readonly keyPrefix: string;
  private readonly onFailure: { readonly read: RevocationFailureMode; readonly write: RevocationFailureMode };
  private readonly deadlines: DeadlineQueue;
  private readonly firstDeadlines = new DeadlineQueue(FIRST_CALL_TIMEOUT_MS);
  private warm = false;

  constructor(private readonly store: RevocationStore, private readonly options: RevocationListOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'rl:v1';
    if (!/^[A-Za-z0-9:_-]{1,32}$/.test(this.keyPrefix)) throw new TypeError('revocation keyPrefix must be 1-32 characters of A-Z a-z 0-9 : _ -');
    this.onFailure = options.onFailure ?? { read: 'open', write: 'closed' };
    this.deadlines = new DeadlineQueue(options.timeoutMs ?? 50);
  }

  /** The cache key of a family (long or unusual families are hashed, so keys stay short and printable). */
  public keyFor(family: string): string {
    const id = SAFE_FAMILY.test(family) ? family : `h:${createHash('sha256').update(family).digest('base64url')}`;
    return `${this.keyPrefix}:rev:${id}`;
  }

  /** Records a family for `ttlSeconds`. Rejects when the cache cannot confirm it in time (the caller fails closed). */
  public async revoke(family: string, ttlSeconds: number): Promise<void> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('revocation ttlSeconds must be a whole number of at least 1');
    await this.run(this.store.setex(this.keyFor(family), '1', ttlSeconds));
  }

  /** True when the family is recorded. Rejects when the cache cannot answer in time. */
  public async isRevoked(family: string): Promise<boolean> {
    const value = await this.run(this.store.get(this.keyFor(family)));
    return value !== null && value !== undefined;
  }

  /**
   * The API entries' check: resolves when the family is not revoked; throws 401 (`invalid_token`) when it is,
   * and, when the cache cannot answer, 503 or nothing according to the route class's failure mode.
   */
  public async check(family: string, routeClass: 'read' | 'write'): Promise<void> {
    let revoked: boolean;
    try {
      revoked = await this.isRevoked(family);
    } catch (err) {
      const mode = this.onFailure[routeClass];
      this.options.metrics?.addMetric('RevocationCheckUnavailable', 'Count', 1);
      this.options.metrics?.addMetric(mode === 'open' ? 'RevocationCheckFailOpen' : 'RevocationCheckFailClosed', 'Count', 1);
      this.options.logger?.warn('revocation check unavailable', { routeClass, mode, reason: err instanceof RateLimitTimeoutError ? 'timeout' : 'error' });
      if (mode === 'open') return;
      throw new HttpError(503, 'service_unavailable', 'Service temporarily unavailable; retry later', { 'Retry-After': '1' });
    }
    if (revoked) {
      this.options.metrics?.addMetric('RevokedTokenRefused', 'Count', 1);
      throw new HttpError(401, 'unauthorized', 'Authentication required', { 'WWW-Authenticate': 'Bearer realm="notes", error="invalid_token"' });
    }
  }

  private async run<T>(promise: Promise<T>): Promise<T> {
    try {
      return await (this.warm ? this.deadlines : this.firstDeadlines).run(promise);
    } finally {
      this.warm = true;
    }
  }
}

/** What a logout needs from a verifier (the shared JwtVerifier fits). */
export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedIdentity>;
  readonly config: { readonly maxTokenAgeSeconds: number; readonly clockSkewSeconds: number };
}

/**
 * Which access tokens a recorded family ends: `sign_in` (Cognito `origin_jti`: every access token minted from the
 * sign-in's refresh token), `session` (OIDC `sid`: every token of the issuer's session), `this_token` (`jti` only:
 * the presented token; other tokens of the same session keep working until they expire).
 */
export type RevokedAccessScope = 'sign_in' | 'session' | 'this_token';

/** What {@link createAccessRevoker} did with a presented access token. */
export type AccessRevocation =
  | { readonly recorded: true; readonly ttlSeconds: number; readonly scope: RevokedAccessScope }
  | { readonly recorded: false; readonly reason: 'token_invalid' | 'no_family' };

const FAMILY_SCOPES: Readonly<Record<string, RevokedAccessScope>> = Object.freeze({ oj: 'sign_in', sid: 'session', jti: 'this_token' });

/**
 * The logout side: verifies the presented access token (so nobody can revoke another user's session with a
 * forged one), takes its family and records it for the longest time any token of that family can still be
 * accepted: `maxTokenAge + clockSkew` (every token of the family was issued before the logout, and the verifier
 * refuses tokens older than the maximum age). A cache failure rejects with 503 (fail closed).
 */
export function createAccessRevoker(deps: { readonly verifier: AccessTokenVerifier; readonly revocations: RevocationList }): (token: string) => Promise<AccessRevocation> {
  const ttlSeconds = deps.verifier.config.maxTokenAgeSeconds + deps.verifier.config.clockSkewSeconds;
  return async (token) => {
    let identity: VerifiedIdentity;
    try {
      identity = await deps.verifier.verify(token);
    } catch (err) {
      // The issuer's keys unreachable: the token may well be valid, so the logout cannot be confirmed (fail closed).
      if (err instanceof JwtError && err.reason === 'jwks_unavailable') {
        throw new HttpError(503, 'service_unavailable', 'Sign-out could not be recorded; retry', { 'Retry-After': '1' });
      }
      if (err instanceof JwtError) return { recorded: false, reason: 'token_invalid' };
      throw err;
    }
    const family = tokenFamily(identity.claims);
    if (family === undefined) return { recorded: false, reason: 'no_family' };
    try {
      await deps.revocations.revoke(family, ttlSeconds);
    } catch {
      // Fail closed: the client must not believe the session ended at the API while its tokens still work.
      throw new HttpError(503, 'service_unavailable', 'Sign-out could not be recorded; retry', { 'Retry-After': '1' });
    }
    return { recorded: true, ttlSeconds, scope: FAMILY_SCOPES[family.slice(0, family.indexOf(':'))] };
  };
}
