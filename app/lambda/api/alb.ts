/**
 * Application Load Balancer entry of the notes API. No API Gateway authorizer
 * stands in front of a load balancer, so this entry verifies the bearer JWT
 * itself with the authorizer's verifier core (lambda/shared/jwt), allows only
 * the routes of the authorizer's route table that one of the caller's roles and
 * one of its scopes satisfy (403 otherwise, as the authorizer's Deny), builds the
 * same identity context the authorizer would (`principalId`/`sub`, `roles`,
 * `tokenFamily`), and serves the same app. Missing or invalid token → 401 JSON with
 * `WWW-Authenticate`; the issuer's keys unreachable → 503. `GET /health` is
 * public (the target group's health check carries no token).
 *
 * Env: the authorizer's JWT_ISSUER, JWT_AUDIENCE, JWKS_URI, JWT_ALGORITHMS,
 * JWT_MAX_TOKEN_AGE_SECONDS, JWT_CLOCK_SKEW_SECONDS, JWT_TOKEN_USE,
 * JWT_REQUIRE_ACCESS_TOKEN_TYPE, JWT_ROLES_CLAIM and ROUTE_PERMISSIONS (the
 * route table), plus the database variables of runtime.ts.
 */
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponse, HttpError } from '../../../lambda/shared/http';
import { JwtError, JwtVerifier, verifierConfigFromEnv, type VerifiedIdentity } from '../../../lambda/shared/jwt';
import { logger } from '../../../lambda/shared/observability';
import { isRoleName, matchRoute, permits, RoutePermission, routesFromEnv } from '../../../lib/contracts/route-permissions';
import { tokenFamily } from '../../../lambda/shared/token-family';
import { dictionary } from '../../../lambda/shared/safe-json';
import type { App, AppLogger } from './app';
import { getApp, observe } from './runtime';

/** Verifies a token (the shared JwtVerifier fits). */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedIdentity>;
}

/** Dependencies of {@link createAlbHandler}. */
export interface AlbDeps {
  readonly app: App;
  readonly verifier: TokenVerifier;
  /** The protected routes with the roles and scopes allowed on each (the authorizer's table). */
  readonly routes: readonly RoutePermission[];
  /** @default - silent */
  readonly logger?: AppLogger & { info?(message: string, ...extra: Record<string, unknown>[]): void };
}

const BEARER = /^Bearer +([A-Za-z0-9_.~+/=-]+) *$/i;
const MAX_AUTHORIZATION_LENGTH = 8192 + 64;
const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

function unauthorized(error?: 'invalid_token'): HttpError {
  const challenge = error ? `Bearer realm="notes", error="${error}"` : 'Bearer realm="notes"';
  return new HttpError(401, 'unauthorized', 'Authentication required', { 'WWW-Authenticate': challenge });
}

/** All values of a header, whichever of the two ALB header modes the target group uses. */
function headerValues(event: ALBEvent, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(event.multiValueHeaders ?? {})) if (k.toLowerCase() === name && Array.isArray(v)) out.push(...v);
  if (event.multiValueHeaders === undefined) {
    for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name && typeof v === 'string') out.push(v);
  }
  return out;
}

/** The bearer token: exactly one Authorization header, scheme Bearer, bounded. */
function bearerToken(event: ALBEvent): string {
  const values = headerValues(event, 'authorization');
  if (values.length === 0) throw unauthorized();
  if (values.length > 1 || values[0].length > MAX_AUTHORIZATION_LENGTH) throw unauthorized('invalid_token');
  const m = BEARER.exec(values[0]);
  if (!m) throw unauthorized('invalid_token');
  return m[1];
}

/** ALB passes query strings URL-encoded (API Gateway decodes them); decode strictly. */
function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new HttpError(400, 'bad_request', 'Malformed query string');
  }
}

/** Appends values under a key of a Map of lists (attacker-chosen keys never index a plain object). */
function append(map: Map<string, string[]>, key: string, values: readonly string[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, [...values]);
}

/** Converts an ALB event (either header mode) into the API Gateway proxy shape the app expects, with the verified identity. */
export function toProxyEvent(event: ALBEvent, identity: VerifiedIdentity | undefined): APIGatewayProxyEvent {
  const multiHeaders = new Map<string, string[]>();
  if (event.multiValueHeaders) {
    for (const [k, v] of Object.entries(event.multiValueHeaders)) if (Array.isArray(v)) append(multiHeaders, k.toLowerCase(), v);
  } else {
    for (const [k, v] of Object.entries(event.headers ?? {})) if (typeof v === 'string') append(multiHeaders, k.toLowerCase(), [v]);
  }
  // The token stays here: the app never needs it, and nothing downstream can log it.
  multiHeaders.delete('authorization');

  const multiQuery = new Map<string, string[]>();
  if (event.multiValueQueryStringParameters) {
    for (const [k, v] of Object.entries(event.multiValueQueryStringParameters)) if (Array.isArray(v)) append(multiQuery, decode(k), v.map(decode));
  } else {
    for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (typeof v === 'string') append(multiQuery, decode(k), [decode(v)]);
  }
  // The app receives dictionaries without a prototype: a key named __proto__ or constructor is just a key.
  const last = (m: Map<string, string[]>) => dictionary([...m].map(([k, v]) => [k, v[v.length - 1]] as const));

  const authorizer = identity
    ? { principalId: identity.sub, sub: identity.sub, roles: identity.roles.filter(isRoleName).join(','), tokenFamily: tokenFamily(identity.claims) ?? '' }
    : null;
  return {
    httpMethod: event.httpMethod,
    path: event.path,
    resource: '', // routed by path
    pathParameters: null,
    headers: last(multiHeaders),
    multiValueHeaders: dictionary(multiHeaders),
    queryStringParameters: multiQuery.size > 0 ? last(multiQuery) : null,
    multiValueQueryStringParameters: multiQuery.size > 0 ? dictionary(multiQuery) : null,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded,
    stageVariables: null,
    requestContext: { authorizer, requestId: '', identity: {} } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** Converts the app's result to an ALB result, in the header mode the request used. */
export function toAlbResult(result: APIGatewayProxyResult, multiValue: boolean): ALBResult {
  const statusDescription = `${result.statusCode} ${REASONS[result.statusCode] ?? 'Unknown'}`;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  return multiValue
    ? { statusCode: result.statusCode, statusDescription, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), body: result.body, isBase64Encoded: false }
    : { statusCode: result.statusCode, statusDescription, headers, body: result.body, isBase64Encoded: false };
}

/** The ALB handler around an app and a verifier (pure: no environment, no AWS SDK). */
export function createAlbHandler(deps: AlbDeps): (event: ALBEvent) => Promise<ALBResult> {
  const log = deps.logger;
  return async (event) => {
    const multiValue = event.multiValueHeaders !== undefined;
    try {
      const isHealth = event.path === '/health' && event.httpMethod === 'GET';
      let identity: VerifiedIdentity | undefined;
      if (!isHealth) {
        const token = bearerToken(event);
        try {
          identity = await deps.verifier.verify(token);
        } catch (err) {
          if (err instanceof JwtError && err.reason === 'jwks_unavailable') {
            log?.error('issuer keys unavailable', { reason: err.reason });
            throw new HttpError(503, 'service_unavailable', 'Service temporarily unavailable, retry later', { 'Retry-After': '5' });
          }
          // The reason is logged (never the token); the client learns only "invalid".
          log?.warn('token rejected', { reason: err instanceof JwtError ? err.reason : 'unexpected' });
          throw unauthorized('invalid_token');
        }
        authorizeRoute(deps.routes, event, identity);
      }
      return toAlbResult(await deps.app(toProxyEvent(event, identity)), multiValue);
    } catch (err) {
      return toAlbResult(errorResponse(err instanceof HttpError ? err : new HttpError(500, 'internal_error', 'Internal server error')), multiValue);
    }
  };
}

/**
 * The authorizer's decision for this request: the route of the table that matches method and path must be
 * satisfied by one of the caller's roles and one of its scopes (403, like the authorizer's Deny). A path
 * outside the table is 404, a method the path does not have 405: nothing outside the table is served.
 */
function authorizeRoute(routes: readonly RoutePermission[], event: ALBEvent, identity: VerifiedIdentity): void {
  const { route, methods } = matchRoute(routes, (event.httpMethod ?? '').toUpperCase(), event.path ?? '');
  if (route === undefined) {
    if (methods.length === 0) throw new HttpError(404, 'not_found', 'Not found');
    throw new HttpError(405, 'method_not_allowed', 'Method not allowed', { Allow: methods.join(', ') });
  }
  if (!permits(route, identity.roles, identity.scopes)) throw new HttpError(403, 'forbidden', 'Not allowed');
}

let albHandler: ((event: ALBEvent) => Promise<ALBResult>) | undefined;

/** The Lambda entry for the ALB target group. */
export async function handler(event: ALBEvent, context?: Context): Promise<ALBResult> {
  return observe(context, `${event.httpMethod} alb`, async () => {
    try {
      albHandler ??= createAlbHandler({
        app: await getApp(), verifier: new JwtVerifier(verifierConfigFromEnv(process.env)), routes: routesFromEnv(process.env), logger,
      });
    } catch (err) {
      logger.error('handler misconfigured', { name: (err as Error)?.name, message: (err as Error)?.message });
      return toAlbResult(errorResponse(err), event.multiValueHeaders !== undefined);
    }
    return albHandler(event);
  });
}
