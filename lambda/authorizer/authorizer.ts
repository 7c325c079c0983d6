/**
 * The authorizer core: reads the bearer token from either API Gateway REST
 * authorizer event shape, verifies it, and answers an IAM policy that allows
 * exactly the routes of the configured table that one of the caller's roles and
 * one of its OAuth scopes satisfy (API Gateway caches the policy per token, so it
 * must cover every allowed route and nothing else). Pure: the verifier, the route
 * table and the logger are injected; no AWS SDK.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, APIGatewayTokenAuthorizerEvent, Statement } from 'aws-lambda';
import { JwtError } from '../shared/jwt/errors';
import type { VerifiedIdentity } from '../shared/jwt/verifier';
import { logSafePrincipalId } from '../shared/principal-id';
import { arnResourcePath, isRoleName, policyRoutes, RoutePermission } from '../../lib/contracts/route-permissions';
import { tokenFamily } from '../shared/token-family';
import type { Log } from './log';

export type AuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;
export type AuthorizerResult = APIGatewayAuthorizerResult & { context: { sub: string; roles: string; scope: string; tokenFamily: string } };

/** What the authorizer needs from a verifier. */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedIdentity>;
}

export interface AuthorizerDeps {
  /** The verifier; undefined when the configuration was invalid at cold start (every request is then denied). */
  readonly verifier: TokenVerifier | undefined;
  readonly log: Log;
  /** The protected routes with the roles and scopes allowed on each (validated; see routeTableProblem). */
  readonly routes: readonly RoutePermission[];
}

/** The error API Gateway maps to 401. */
export const UNAUTHORIZED = 'Unauthorized';

/** Longest Authorization header considered ("Bearer " + the verifier's 8 KB limit). */
const MAX_HEADER_LENGTH = 8192 + 64;
const BEARER = /^Bearer +([^\s]+) *$/i;
/** Parts of an execute-api method ARN: `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<VERB>/<resource>`. */
export interface MethodArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly apiId: string;
  readonly stage: string;
}

/** Parses a method ARN, or undefined when it is not one. */
export function parseMethodArn(methodArn: unknown): MethodArn | undefined {
  if (typeof methodArn !== 'string' || methodArn.length > 2048) return undefined;
  const m = /^arn:(aws[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([a-z0-9]+)\/([A-Za-z0-9_$-]+)\/[A-Z*]+(?:\/.*)?$/.exec(methodArn);
  if (m === null) return undefined;
  return { partition: m[1], region: m[2], account: m[3], apiId: m[4], stage: m[5] };
}

/** `arn:...:<apiId>/<stage>` — every route ARN of the stage starts with it. */
export function stageArn(arn: MethodArn): string {
  return `arn:${arn.partition}:execute-api:${arn.region}:${arn.account}:${arn.apiId}/${arn.stage}`;
}

/** The bearer token of a TOKEN or REQUEST event, or undefined. */
export function extractToken(event: AuthorizerEvent): string | undefined {
  let header: string | undefined;
  if (event.type === 'TOKEN') {
    header = event.authorizationToken;
  } else if (event.type === 'REQUEST') {
    const multi = event.multiValueHeaders ?? undefined;
    if (multi) {
      for (const [name, values] of Object.entries(multi)) {
        // Two Authorization headers are ambiguous: refuse rather than pick one.
        if (name.toLowerCase() === 'authorization' && Array.isArray(values) && values.length > 1) return undefined;
      }
    }
    const headers = event.headers ?? undefined;
    if (headers) {
      header = headers.Authorization ?? headers.authorization;
      if (header === undefined) {
        for (const [name, value] of Object.entries(headers)) {
          if (name.toLowerCase() === 'authorization') { header = value; break; }
        }
      }
    }
  }
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return undefined;
  const m = BEARER.exec(header);
  return m === null ? undefined : m[1];
}

/**
 * The IAM policy for a verified caller: Allow on the routes one of its roles and one of its scopes satisfy, and
 * Deny on the routes it does not hold whose paths an allowed ARN pattern also matches (IAM's `*` crosses `/`:
 * `GET/orgs/*` alone would allow `/orgs/acme/billing`); Deny on the whole stage when it holds none. API Gateway
 * caches this answer per token and applies it to every later request of the token, on any route.
 */
export function buildPolicy(arn: MethodArn, identity: VerifiedIdentity, routes: readonly RoutePermission[]): AuthorizerResult {
  const base = stageArn(arn);
  const { allow, deny } = policyRoutes(identity.roles, identity.scopes, routes);
  const resources = (list: readonly RoutePermission[]) => list.map((r) => `${base}/${r.method}/${arnResourcePath(r.path)}`);
  const statement = (Effect: 'Allow' | 'Deny', Resource: string[]): Statement => ({ Action: 'execute-api:Invoke', Effect, Resource });
  const statements: Statement[] = allow.length === 0
    ? [statement('Deny', [`${base}/*`])]
    : [statement('Allow', resources(allow)), ...(deny.length > 0 ? [statement('Deny', resources(deny))] : [])];
  return {
    principalId: logSafePrincipalId(identity.sub),
    policyDocument: { Version: '2012-10-17', Statement: statements },
    context: {
      sub: identity.sub,
      // Only role names that are safe in the comma-separated `roles` context value.
      roles: identity.roles.filter(isRoleName).join(','),
      scope: identity.scopes.join(' '),
      // The handlers refuse a token of a family revoked at logout (checked there: they see every request, even when this answer is cached).
      tokenFamily: tokenFamily(identity.claims) ?? '',
    },
  };
}

/** Creates the authorizer function: resolves to a policy, or throws Error('Unauthorized'). */
export function createAuthorizer(deps: AuthorizerDeps): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  const routes = deps.routes;
  return async (event) => {
    if (deps.verifier === undefined) {
      deps.log('WARN', 'denied: authorizer is not configured', { reason: 'config_invalid' });
      throw new Error(UNAUTHORIZED);
    }
    const arn = parseMethodArn(event?.methodArn);
    if (arn === undefined) {
      deps.log('ERROR', 'denied: event has no valid methodArn', { reason: 'method_arn_invalid' });
      throw new Error(UNAUTHORIZED);
    }
    const token = extractToken(event);
    if (token === undefined) {
      deps.log('WARN', 'denied: no bearer token', { reason: 'token_missing', type: event.type });
      throw new Error(UNAUTHORIZED);
    }
    let identity: VerifiedIdentity;
    try {
      identity = await deps.verifier.verify(token);
    } catch (err) {
      if (err instanceof JwtError) deps.log('WARN', 'denied: token rejected', { reason: err.reason });
      else deps.log('ERROR', 'denied: verifier failed', { reason: 'internal', error: err instanceof Error ? err.name : 'unknown' });
      // The cause is dropped on purpose: API Gateway needs exactly 'Unauthorized', and nothing about the token may travel further.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(UNAUTHORIZED);
    }
    return buildPolicy(arn, identity, routes);
  };
}
