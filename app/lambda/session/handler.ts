/**
 * Lambda adapter of the session endpoints (API Gateway REST proxy integration): reads the configuration once
 * at cold start, maps the event to a {@link SessionRequest}, and answers every request with 503 if the
 * configuration is missing or unsafe. See README.md for the environment variables and the flow.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, HttpError } from '../../../lambda/shared/http';
import { logger, metrics } from '../../../lambda/shared/observability';
import { JwtVerifier, verifierConfigFromEnv } from '../../../lambda/shared/jwt';
import type { RateLimiter } from '../../../lambda/shared/rate-limit/limiter';
import type { SharedCache } from '../../../lambda/shared/rate-limit/redis-store';
import { AccessRevocation, createAccessRevoker } from '../../../lambda/shared/revocation';
import { dictionary } from '../../../lambda/shared/safe-json';
import { SessionConfigError, sessionConfigFromEnv } from './config';
import { createSessionHandler, SESSION_ROUTES, SessionLogger, SessionRequest } from './core';

export type SessionLambdaHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Builds the handler from an environment (tests pass their own; the Lambda uses `process.env`). */
export function createHandler(
  env: Record<string, string | undefined>,
  options: {
    fetch?: typeof fetch; logger?: SessionLogger; rateLimiter?: Promise<RateLimiter> | RateLimiter;
    revokeAccess?: (accessToken: string) => Promise<AccessRevocation>;
  } = {},
): SessionLambdaHandler {
  const log = options.logger ?? powertoolsLogger;
  let core: ((req: SessionRequest) => Promise<APIGatewayProxyResult>) | undefined;
  try {
    core = createSessionHandler({ config: sessionConfigFromEnv(env), logger: log, fetch: options.fetch, revokeAccess: options.revokeAccess });
  } catch (err) {
    const reason = err instanceof SessionConfigError ? err.message : 'unexpected error while reading the configuration';
    log.error(`session endpoints disabled: ${reason}`, { errorName: (err as { name?: string })?.name });
    core = undefined;
  }
  const limiter = options.rateLimiter;
  return async (event) => {
    if (!core) {
      return errorResponse(new HttpError(503, 'service_unavailable', 'session endpoints are not configured (see the cold-start log line)'), {
        requestId: event.requestContext?.requestId, log: ({ level: _level, message, ...fields }) => log.error(message, fields),
      });
    }
    // Auth routes: per-client budget in the shared Redis/Valkey limiter (route class `auth`, fail closed), on top of WAF's per-IP rule.
    // It runs before the CSRF and input checks on purpose: every request costs its sender (a client failing CSRF checks
    // spends its own budget, nobody else's), while the gateway's shared throttle only caps total capacity.
    let rateLimitHeaders: Record<string, string> = {};
    if (limiter) {
      try {
        rateLimitHeaders = await (await limiter).enforce({ id: `ip:${event.requestContext?.identity?.sourceIp ?? 'unknown'}` }, 'auth');
      } catch (err) {
        return errorResponse(err);
      }
    }
    const response = await core(toRequest(event));
    return { ...response, headers: { ...response.headers, ...rateLimitHeaders } };
  };
}

/** API Gateway event → core request: lower-case header names, all Cookie headers joined, base64 bodies decoded. */
export function toRequest(event: APIGatewayProxyEvent): SessionRequest {
  // No prototype: a header named __proto__ or constructor is an ordinary key.
  const headers = dictionary<string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (!values || values.length === 0) continue;
    const key = name.toLowerCase();
    headers[key] = key === 'cookie' ? values.join('; ') : values[values.length - 1];
  }
  const body = event.body === null || event.body === undefined ? null
    : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  // The API resource (`/auth/token`) when the API defines one per route; otherwise the request path.
  const path = event.resource && Object.prototype.hasOwnProperty.call(SESSION_ROUTES, event.resource) ? event.resource : event.path;
  return { method: event.httpMethod.toUpperCase(), path, headers, body };
}

/** The shared Powertools logger behind the core's narrow logging interface (structured extras only, never a token). */
const powertoolsLogger: SessionLogger = {
  info: (message, extra) => logger.info(message, { ...extra }),
  warn: (message, extra) => logger.warn(message, { ...extra }),
  error: (message, extra) => logger.error(message, { ...extra }),
};

/** The shared cache when the stack wired one (RATE_LIMIT_* variables); a failed setup fails the auth routes closed. */
function cacheFromEnv(): Promise<SharedCache> | undefined {
  if (!process.env.RATE_LIMIT_REDIS_HOST) return undefined;
  // The Redis client (ioredis) is loaded only when the shared cache is wired.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { sharedCacheFromEnv } = require('../../../lambda/shared/rate-limit/redis-store') as typeof import('../../../lambda/shared/rate-limit/redis-store');
  const cache = sharedCacheFromEnv(process.env, { logger, metrics });
  cache.catch(() => undefined); // observed per request; avoid an unhandled rejection at cold start
  return cache;
}

/**
 * Logout's revocation of the access-token family, when the stack wired the verifier settings (JWT_*) and the
 * shared cache. A failed cache setup makes every logout answer 503 (fail closed), like the auth routes' limiter.
 */
function revokerFromEnv(cache: Promise<SharedCache> | undefined): ((accessToken: string) => Promise<AccessRevocation>) | undefined {
  if (cache === undefined || !process.env.JWT_ISSUER) return undefined;
  let verifier: JwtVerifier;
  try {
    verifier = new JwtVerifier(verifierConfigFromEnv(process.env));
  } catch (err) {
    logger.error('logout cannot revoke access tokens: verifier configuration is invalid', { message: (err as Error)?.message });
    return async () => { throw new HttpError(503, 'service_unavailable', 'Sign-out is temporarily unavailable', { 'Retry-After': '5' }); };
  }
  const revoker = cache.then((c) => createAccessRevoker({ verifier, revocations: c.revocations }));
  revoker.catch(() => undefined);
  return async (accessToken) => {
    let revoke: (t: string) => Promise<AccessRevocation>;
    try {
      revoke = await revoker;
    } catch {
      throw new HttpError(503, 'service_unavailable', 'Sign-out could not be recorded; retry', { 'Retry-After': '1' });
    }
    return revoke(accessToken);
  };
}

const sharedCache = cacheFromEnv();
const sharedLimiter = sharedCache?.then((c) => c.rateLimiter);
sharedLimiter?.catch(() => undefined); // observed per request
const revokeAccess = revokerFromEnv(sharedCache);
export const handler: SessionLambdaHandler = createHandler(process.env, {
  ...(sharedLimiter ? { rateLimiter: sharedLimiter } : {}),
  ...(revokeAccess ? { revokeAccess } : {}),
});
