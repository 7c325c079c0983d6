/**
 * Configuration of the session endpoints, read once from the environment at cold start.
 * Anything missing or unsafe throws {@link SessionConfigError}; the adapter then answers every request with 503.
 */

/**
 * Name of the refresh-token cookie. Browsers accept a `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`,
 * set over https by this very host, so a sibling subdomain cannot plant or overwrite it (a parent-domain cookie of
 * the same name: login CSRF with the attacker's session, or a lasting lockout). The price is `Path=/`: the cookie may
 * accompany any credentialed request to the API host, whose other routes ignore it (see README.md).
 */
export const REFRESH_COOKIE_NAME = '__Host-refresh';
/** The only path a `__Host-` cookie may have. */
export const REFRESH_COOKIE_PATH = '/';

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
  /** Cookie path: always `/`, as the `__Host-` prefix requires. */
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
  const cookiePath = env.COOKIE_PATH ?? REFRESH_COOKIE_PATH;
  if (cookiePath !== REFRESH_COOKIE_PATH) {
    throw new SessionConfigError(`COOKIE_PATH = ${JSON.stringify(cookiePath)}: the refresh cookie is ${REFRESH_COOKIE_NAME}, which browsers accept only with Path=/. Fix: unset COOKIE_PATH.`);
  }
  const upstreamTimeoutMs = integer(env, 'UPSTREAM_TIMEOUT_MS', 5000, 100, 10000);
  return { tokenEndpoint, revocationEndpoint, clientId, redirectUri, allowedOrigins: new Set(origins), refreshCookieMaxAgeSeconds: maxAge, cookiePath, upstreamTimeoutMs };
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new SessionConfigError(`${name} is not set. Fix: set it on the function (see app/lambda/session/README.md).`);
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
