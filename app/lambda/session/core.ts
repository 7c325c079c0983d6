/**
 * The session endpoints, free of AWS: `POST /auth/token`, `POST /auth/refresh`, `POST /auth/logout`.
 *
 * - The access token goes to the browser in the JSON body (it keeps it in memory); the refresh token only ever
 *   travels in the `__Host-refresh` cookie (`HttpOnly; Secure; SameSite=Strict; Path=/`, no Domain), so page scripts
 *   cannot read it and a sibling subdomain cannot plant one.
 * - The ID token is not returned: the app reads what it needs (sub, groups, scopes) from the access token's claims,
 *   and one bearer credential less in page memory is one less to steal.
 * - CSRF: every request needs an allowed `Origin` and `X-Requested-With: fetch` (a custom header that forms and
 *   cross-site simple requests cannot send; a cross-origin fetch must pass a CORS preflight first), and a
 *   `Sec-Fetch-Site: cross-site` request is refused.
 * - Tokens are never logged and never put in an error; the issuer's error bodies are never passed on.
 */
import { errorResponse, HttpError, HttpResponse, json } from '../../../lambda/shared/http';
import { parseJsonSafe, UnsafeJsonKeyError } from '../../../lambda/shared/safe-json';
import { CSRF_HEADER, CSRF_HEADER_VALUE, REFRESH_COOKIE_NAME, SessionConfig } from './config';
import type { AccessRevocation, RevokedAccessScope } from '../../../lambda/shared/revocation';
import { IssuedTokens, IssuerClient, IssuerError, isCookieSafe } from './issuer-client';
import { CODE_PATTERN, CODE_VERIFIER_PATTERN, TOKEN_REQUEST_FIELDS } from './schemas';

/** The parts of an HTTP request the core needs (header names lower-case; repeated cookies joined with `; `). */
export interface SessionRequest {
  readonly method: string;
  /** The route, for example `/auth/token` (API Gateway's `resource`). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | null;
}

/** What the core logs through; never given a token. */
export interface SessionLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface SessionDeps {
  readonly config: SessionConfig;
  readonly logger: SessionLogger;
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
  /**
   * Ends API access on logout: verifies the access token the browser presents (`Authorization: Bearer`) and
   * records its family as revoked (see lambda/shared/revocation). Rejects with an HttpError 503 when the record
   * cannot be confirmed; the logout then changes nothing and the client retries.
   * @default - none (access tokens stay valid until they expire)
   */
  readonly revokeAccess?: (accessToken: string) => Promise<AccessRevocation>;
}

/** Largest request body accepted (a code and a verifier fit in a few hundred bytes). */
export const MAX_BODY_BYTES = 4096;

/** The session routes. */
export const SESSION_ROUTES: Readonly<Record<string, 'token' | 'refresh' | 'logout'>> = { '/auth/token': 'token', '/auth/refresh': 'refresh', '/auth/logout': 'logout' };

/** Creates the request handler of the session endpoints. */
export function createSessionHandler(deps: SessionDeps): (req: SessionRequest) => Promise<HttpResponse> {
  const { config } = deps;
  const issuer = new IssuerClient({
    tokenEndpoint: config.tokenEndpoint,
    revocationEndpoint: config.revocationEndpoint,
    clientId: config.clientId,
    timeoutMs: config.upstreamTimeoutMs,
    fetch: deps.fetch,
  });
  const cookieAttributes = `Path=${config.cookiePath}; Secure; HttpOnly; SameSite=Strict`;
  const ctx: RouteContext = {
    deps,
    issuer,
    setCookie: (value: string) => `${REFRESH_COOKIE_NAME}=${value}; Max-Age=${config.refreshCookieMaxAgeSeconds}; ${cookieAttributes}`,
    clearCookie: `${REFRESH_COOKIE_NAME}=; Max-Age=0; ${cookieAttributes}`,
  };
  const handlers: Readonly<Record<SessionRoute, (req: SessionRequest, cors: Record<string, string>, ctx: RouteContext) => Promise<HttpResponse>>> = {
    token: startSession,
    refresh: refreshSession,
    logout: endSession,
  };

  return async (req) => {
    const route = Object.prototype.hasOwnProperty.call(SESSION_ROUTES, req.path) ? SESSION_ROUTES[req.path] : undefined;
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin !== undefined && config.allowedOrigins.has(origin)
      ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' }
      : { Vary: 'Origin' };
    try {
      if (!route) throw new HttpError(404, 'not_found', 'Not found');
      if (req.method === 'OPTIONS') return preflight(req, cors, config);
      if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'Use POST', { Allow: 'POST, OPTIONS' });
      checkCsrf(req, config);
      return await handlers[route](req, cors, ctx);
    } catch (err) {
      const mapped = err instanceof HttpError ? err : mapIssuerError(deps.logger, route, err);
      const res = errorResponse(mapped, { log: ({ level: _level, message, ...fields }) => deps.logger.error(message, { route, ...fields }) });
      return { ...res, headers: { ...res.headers, ...cors } };
    }
  };
}

type SessionRoute = 'token' | 'refresh' | 'logout';

/** What every route needs, built once per container. */
interface RouteContext {
  readonly deps: SessionDeps;
  readonly issuer: IssuerClient;
  /** The `Set-Cookie` value that stores a refresh token. */
  readonly setCookie: (refreshToken: string) => string;
  /** The `Set-Cookie` value that clears the refresh cookie. */
  readonly clearCookie: string;
}

/** `POST /auth/token`: exchanges the authorization code (with its PKCE verifier) for tokens. */
async function startSession(req: SessionRequest, cors: Record<string, string>, ctx: RouteContext): Promise<HttpResponse> {
  const { code, verifier } = parseTokenRequest(req);
  const tokens = await ctx.issuer.exchangeCode(code, verifier, ctx.deps.config.redirectUri);
  ctx.deps.logger.info('session started', { route: 'token', rotated: tokens.refreshToken !== undefined });
  return tokenResponse(tokens, cors, tokens.refreshToken ? ctx.setCookie(tokens.refreshToken) : undefined);
}

/** `POST /auth/refresh`: new tokens for the refresh cookie; a refresh token the issuer refuses ends the session. */
async function refreshSession(req: SessionRequest, cors: Record<string, string>, ctx: RouteContext): Promise<HttpResponse> {
  const { logger } = ctx.deps;
  checkEmptyBody(req);
  const refreshToken = readRefreshCookie(req, ctx.clearCookie);
  if (!refreshToken) throw new HttpError(401, 'unauthorized', 'No session');
  try {
    const tokens = await ctx.issuer.refresh(refreshToken);
    logger.info('session refreshed', { route: 'refresh', rotated: tokens.refreshToken !== undefined });
    return tokenResponse(tokens, cors, tokens.refreshToken ? ctx.setCookie(tokens.refreshToken) : undefined);
  } catch (err) {
    // A refresh token the issuer refuses (expired, revoked, rotated out) ends the session.
    if (err instanceof IssuerError && err.kind === 'rejected' && err.oauthError === 'invalid_grant') {
      logger.info('session ended by the issuer', { route: 'refresh', oauthError: err.oauthError });
      throw new HttpError(401, 'unauthorized', 'Session expired', { 'Set-Cookie': ctx.clearCookie });
    }
    throw err;
  }
}

/** `POST /auth/logout`: records the access token's family as revoked, then revokes the refresh token and clears the cookie. */
async function endSession(req: SessionRequest, cors: Record<string, string>, ctx: RouteContext): Promise<HttpResponse> {
  const { deps } = ctx;
  const { logger } = deps;
  checkEmptyBody(req);
  // First the API side (fail closed: a 503 here leaves the session untouched, so the retry does everything).
  const accessToken = readBearer(req);
  const access = accessToken !== undefined && deps.revokeAccess ? await deps.revokeAccess(accessToken) : undefined;
  const refreshToken = readRefreshCookie(req, ctx.clearCookie);
  if (refreshToken) {
    try {
      await ctx.issuer.revoke(refreshToken);
    } catch (err) {
      // The cookie is cleared anyway: the browser never holds the token again.
      logIssuerError(logger, 'logout', err);
      throw new HttpError(502, 'service_unavailable', 'Sign-out could not be confirmed by the identity provider', { 'Set-Cookie': ctx.clearCookie });
    }
  }
  const outcome = logoutOutcome(refreshToken !== undefined, accessToken !== undefined, deps.revokeAccess !== undefined, access);
  logger[outcome.complete ? 'info' : 'warn']('session ended', { route: 'logout', ...outcome });
  return json(200, outcome, { ...cors, 'Set-Cookie': ctx.clearCookie });
}

/**
 * The logout's answer: what it ended, so a client can tell a complete sign-out from one that left tokens working.
 * `complete` is true only when the API now refuses every access token of the sign-in (`accessTokens` `sign_in` or
 * `session`); with `this_token` the other tokens of the session, and with `none` every token, keep working until they
 * expire (at most the maximum token age).
 */
export interface LogoutOutcome {
  readonly complete: boolean;
  /** `revoked` at the issuer, or `none` (no refresh cookie came with the request). */
  readonly refreshToken: 'revoked' | 'none';
  /** Which access tokens the API refuses from now on (see {@link RevokedAccessScope}), or `none`. */
  readonly accessTokens: RevokedAccessScope | 'none';
  /** Why `accessTokens` is `none`: no bearer token sent, a token that did not verify, one without `origin_jti`/`sid`/`jti`, or no revocation list configured. */
  readonly reason?: 'no_access_token' | 'token_invalid' | 'no_family' | 'not_configured';
}

function logoutOutcome(refreshRevoked: boolean, tokenSent: boolean, configured: boolean, access: AccessRevocation | undefined): LogoutOutcome {
  const refreshToken = refreshRevoked ? 'revoked' : 'none';
  if (access?.recorded === true) return { complete: access.scope !== 'this_token', refreshToken, accessTokens: access.scope };
  const reason = !tokenSent ? 'no_access_token' : !configured ? 'not_configured' : access?.reason ?? 'token_invalid';
  return { complete: false, refreshToken, accessTokens: 'none', reason };
}

function preflight(req: SessionRequest, cors: Record<string, string>, config: SessionConfig): HttpResponse {
  const origin = req.headers.origin;
  if (origin === undefined || !config.allowedOrigins.has(origin)) throw new HttpError(403, 'forbidden', 'Origin not allowed');
  return {
    ...json(204, undefined, {
      ...cors,
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Requested-With',
      'Access-Control-Max-Age': '600',
    }),
    body: '',
  };
}

function checkCsrf(req: SessionRequest, config: SessionConfig): void {
  const origin = req.headers.origin;
  if (origin === undefined || !config.allowedOrigins.has(origin)) throw new HttpError(403, 'forbidden', 'Origin not allowed');
  if (req.headers[CSRF_HEADER] !== CSRF_HEADER_VALUE) throw new HttpError(403, 'forbidden', `Missing ${CSRF_HEADER}: ${CSRF_HEADER_VALUE} header`);
  if (req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'forbidden', 'Cross-site request refused');
}

/**
 * Reads the body of `POST /auth/token`: JSON with exactly the fields of `tokenRequestSchema` (app/lambda/session/schemas.ts),
 * each matching the schema's pattern, the checks the gateway's request model makes at the edge. Throws an HttpError (4xx).
 */
export function parseTokenRequest(req: SessionRequest): { code: string; verifier: string } {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'unsupported_media_type', 'Send application/json');
  const raw = req.body ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `Body over ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = parseJsonSafe(raw);
  } catch (err) {
    if (err instanceof UnsafeJsonKeyError) throw new HttpError(400, 'validation_failed', 'Only code and code_verifier are accepted');
    throw new HttpError(400, 'bad_request', 'Body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'validation_failed', 'Body must be an object with code and code_verifier');
  const keys = Object.keys(body);
  const extra = keys.filter((k) => !TOKEN_REQUEST_FIELDS.includes(k));
  if (extra.length > 0) throw new HttpError(400, 'validation_failed', 'Only code and code_verifier are accepted');
  const { code, code_verifier: verifier } = body as Record<string, unknown>;
  if (typeof code !== 'string' || !CODE_PATTERN.test(code)) throw new HttpError(400, 'validation_failed', 'code is missing or malformed');
  if (typeof verifier !== 'string' || !CODE_VERIFIER_PATTERN.test(verifier)) {
    throw new HttpError(400, 'validation_failed', 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)');
  }
  return { code, verifier };
}

function checkEmptyBody(req: SessionRequest): void {
  const raw = (req.body ?? '').trim();
  if (raw !== '' && raw !== '{}') throw new HttpError(400, 'validation_failed', 'This endpoint takes no body');
}

/** The access token of an `Authorization: Bearer` header (logout), if present and bounded. */
function readBearer(req: SessionRequest): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header.length > 8192 + 64) return undefined;
  const m = /^Bearer +([A-Za-z0-9_.-]+) *$/i.exec(header);
  return m === null ? undefined : m[1];
}

/**
 * The refresh token from the Cookie header, if present and well-formed (a malformed value counts as absent). Only the
 * `__Host-` name counts: a cookie of another name (the former `__Secure-refresh`, or anything a sibling subdomain set
 * for the parent domain) is ignored. More than one cookie of our name cannot come from this host (same name, host
 * and path replace each other), so someone planted one: trust neither, answer 401 and clear ours (`clearCookie`).
 */
export function readRefreshCookie(req: SessionRequest, clearCookie?: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const values = header.split(';').map((p) => p.trim()).filter((p) => p.startsWith(`${REFRESH_COOKIE_NAME}=`)).map((p) => p.slice(REFRESH_COOKIE_NAME.length + 1));
  if (values.length > 1) {
    throw new HttpError(401, 'unauthorized', 'Conflicting session cookies; sign in again', clearCookie ? { 'Set-Cookie': clearCookie } : {});
  }
  return values.length === 1 && isCookieSafe(values[0]) ? values[0] : undefined;
}

function tokenResponse(tokens: IssuedTokens, cors: Record<string, string>, cookie: string | undefined): HttpResponse {
  const body: Record<string, unknown> = { access_token: tokens.accessToken, token_type: tokens.tokenType, expires_in: tokens.expiresIn };
  if (tokens.scope !== undefined) body.scope = tokens.scope;
  return json(200, body, { ...cors, Pragma: 'no-cache', ...(cookie ? { 'Set-Cookie': cookie } : {}) });
}

function mapIssuerError(logger: SessionLogger, route: string | undefined, err: unknown): HttpError | unknown {
  if (!(err instanceof IssuerError)) {
    logger.error('session request failed', { route, errorName: (err as { name?: string })?.name });
    return err;
  }
  logIssuerError(logger, route, err);
  switch (err.kind) {
    case 'rejected':
      return err.status === 400 && (err.oauthError === 'invalid_grant' || err.oauthError === 'invalid_request')
        ? new HttpError(400, 'bad_request', 'The authorization code or verifier was not accepted')
        : new HttpError(502, 'service_unavailable', 'The identity provider refused the request');
    case 'timeout':
      return new HttpError(504, 'service_unavailable', 'The identity provider did not answer in time');
    default:
      return new HttpError(502, 'service_unavailable', 'The identity provider is unavailable');
  }
}

function logIssuerError(logger: SessionLogger, route: string | undefined, err: unknown): void {
  if (err instanceof IssuerError) {
    logger.warn('issuer call failed', { route, kind: err.kind, status: err.status, oauthError: err.oauthError });
  } else {
    logger.error('issuer call failed', { route, errorName: (err as { name?: string })?.name });
  }
}
