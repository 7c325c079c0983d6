/**
 * Configuration of the session endpoints, read once from the environment at cold start.
 * Anything missing or unsafe throws {@link SessionConfigError}; the adapter then answers every request with 503.
 */

/** Name of the refresh-token cookie. `__Secure-` makes browsers refuse it unless it is Secure and set over https;
 * `__Host-` would also pin it to `Path=/`, but the cookie must stay on `/auth` only. */
export const REFRESH_COOKIE_NAME = '__Secure-refresh';

/** The custom header every session request must carry (a form or a cross-site simple request cannot set it). */
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_HEADER_VALUE = 'fetch';

export interface SessionConfig {
  /** OAuth 2.0 token endpoint (https). */
  readonly tokenEndpoint: string;
  /** OAuth 2.0 revocation endpoint (https, RFC 7009). */
  readonly revocationEndpoint: string;
  /** Public client id (no secret: PKCE protects the code). */
  readonly clientId: string;
  /** The redirect URI the code was issued for (must match the authorization request). */
  readonly redirectUri: string;
  /** Origins (scheme://host[:port]) allowed to call the endpoints. */
  readonly allowedOrigins: ReadonlySet<string>;
  /** Refresh cookie lifetime in seconds (the issuer's refresh token validity). */
  readonly refreshCookieMaxAgeSeconds: number;
  /** Cookie path: the session routes only. */
  readonly cookiePath: string;
  /** Timeout of each call to the issuer, ms. */
  readonly upstreamTimeoutMs: number;
}

export class SessionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionConfigError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Reads and validates the configuration; the message names the variable and the fix, never a secret. */
export function sessionConfigFromEnv(env: Record<string, string | undefined>): SessionConfig {
  const tokenEndpoint = endpoint(env, 'TOKEN_ENDPOINT');
  const revocationEndpoint = endpoint(env, 'REVOCATION_ENDPOINT');
  const clientId = required(env, 'CLIENT_ID');
  if (!/^[\x21-\x7e]{1,128}$/.test(clientId)) {
    throw new SessionConfigError('CLIENT_ID must be 1-128 printable characters without spaces. Fix: use the app client id.');
  }
  const redirectUri = endpoint(env, 'REDIRECT_URI');
  const origins = required(env, 'ALLOWED_ORIGINS').split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0) throw new SessionConfigError('ALLOWED_ORIGINS is empty. Fix: list the app origin, for example https://app.example.com.');
  for (const o of origins) {
    let url: URL | undefined;
    try { url = new URL(o); } catch { url = undefined; }
    if (!url || url.origin !== o || !safeScheme(url)) {
      throw new SessionConfigError(`ALLOWED_ORIGINS entry ${JSON.stringify(o)} is not an https origin. Fix: use scheme://host[:port] without a path or trailing slash, for example https://app.example.com.`);
    }
  }
  const maxAge = integer(env, 'REFRESH_COOKIE_MAX_AGE_SECONDS', 43200, 60, 30 * 24 * 3600);
  const cookiePath = env.COOKIE_PATH ?? '/auth';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(cookiePath)) {
    throw new SessionConfigError('COOKIE_PATH must be a path such as /auth. Fix: use the path under which the session routes are served.');
  }
  const upstreamTimeoutMs = integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 100, 10000);
  return { tokenEndpoint, revocationEndpoint, clientId, redirectUri, allowedOrigins: new Set(origins), refreshCookieMaxAgeSeconds: maxAge, cookiePath, upstreamTimeoutMs };
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SessionConfigError(`${name} is not set. Fix: set it on the function (see lambda/session/README.md).`);
  return value;
}

function endpoint(env: Record<string, string | undefined>, name: string): string {
  const value = required(env, name);
  let url: URL | undefined;
  try { url = new URL(value); } catch { url = undefined; }
  if (!url || !safeScheme(url) || url.username || url.password || url.hash) {
    throw new SessionConfigError(`${name} must be an https URL without credentials or fragment (plain http only for 127.0.0.1, ::1 and localhost). Fix: use the issuer's https URL.`);
  }
  return url.href;
}

function safeScheme(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SessionConfigError(`${name} = ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}. Fix: correct or unset it.`);
  }
  return n;
}
