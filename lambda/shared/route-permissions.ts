/**
 * The notes API's routes and the roles allowed on each: the single source for
 * the authorizer's IAM policy (lambda/authorizer) and the API's public
 * allow-list (PUBLIC_ROUTES, used by the REST API construct wiring).
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** One route: method, resource path (API Gateway syntax, `{param}` for path parameters) and the roles allowed. */
export interface RoutePermission {
  readonly method: HttpMethod;
  readonly path: string;
  /** Roles allowed; absent on public routes (no authorizer). */
  readonly roles?: readonly string[];
}

/** Roles known to the API (Cognito groups). */
export const ROLES = Object.freeze(['user', 'admin'] as const);

/** Routes behind the JWT authorizer, with the roles allowed on each. Ownership of a note is checked in SQL, not here. */
export const ROUTE_PERMISSIONS: readonly RoutePermission[] = Object.freeze([
  { method: 'GET', path: '/notes', roles: ['user', 'admin'] },
  { method: 'POST', path: '/notes', roles: ['user', 'admin'] },
  { method: 'GET', path: '/notes/{id}', roles: ['user', 'admin'] },
  { method: 'PUT', path: '/notes/{id}', roles: ['user', 'admin'] },
  { method: 'DELETE', path: '/notes/{id}', roles: ['user', 'admin'] },
].map((r) => Object.freeze({ ...r, roles: Object.freeze(r.roles) })) as RoutePermission[]);

/** Routes reachable without a token (no authorizer): health check and the session endpoints. */
export const PUBLIC_ROUTES: readonly RoutePermission[] = Object.freeze([
  { method: 'GET', path: '/health' },
  { method: 'POST', path: '/auth/token' },
  { method: 'POST', path: '/auth/refresh' },
  { method: 'POST', path: '/auth/logout' },
].map((r) => Object.freeze(r)) as RoutePermission[]);

/** The protected routes any of these roles may call (each route once, in ROUTE_PERMISSIONS order). */
export function allowedRoutes(roles: readonly string[], routes: readonly RoutePermission[] = ROUTE_PERMISSIONS): RoutePermission[] {
  if (roles.length === 0) return [];
  return routes.filter((r) => r.roles !== undefined && r.roles.some((role) => roles.includes(role)));
}

/**
 * The resource part of an execute-api ARN for a route: `/notes/{id}` becomes
 * `notes/*` (one path parameter per `*`); `/` becomes the empty string.
 */
export function arnResourcePath(path: string): string {
  return path.replace(/^\//, '').split('/').map((segment) => (/^\{[^}]+\}$/.test(segment) ? '*' : segment)).join('/');
}
