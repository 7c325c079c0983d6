/**
 * The sample notes API's route table: the roles and OAuth scopes allowed on each
 * protected route, and the public allow-list. The API stack passes the table to
 * the JWT authorizer and to the ALB entry through their `routes` configuration;
 * no construct or shared module imports it.
 */
import { HttpMethod, type RoutePermission } from '../../../lib/contracts/route-permissions';

/** Roles known to the API (Cognito groups). */
export const ROLES = Object.freeze(['user', 'admin'] as const);

/** Scope names of the notes resource server (tokens carry them prefixed, for Cognito `<identifier>/notes.read`). */
export const NOTES_SCOPES = Object.freeze({ read: 'notes.read', write: 'notes.write' });

/**
 * Routes behind the JWT authorizer, with the roles and scopes allowed on each. `scopePrefix` is what the
 * issuer puts before a scope name (Cognito: `<resource server identifier>/`; many OIDC issuers: nothing).
 * Reads need `notes.read`, changes `notes.write`. Ownership of a note is checked in SQL, not here.
 */
export function notesRoutes(scopePrefix: string): readonly RoutePermission[] {
  const read = [`${scopePrefix}${NOTES_SCOPES.read}`];
  const write = [`${scopePrefix}${NOTES_SCOPES.write}`];
  const roles = [...ROLES];
  return Object.freeze(([
    { method: HttpMethod.GET, path: '/notes', roles, scopes: read },
    { method: HttpMethod.POST, path: '/notes', roles, scopes: write },
    { method: HttpMethod.GET, path: '/notes/{id}', roles, scopes: read },
    { method: HttpMethod.PUT, path: '/notes/{id}', roles, scopes: write },
    { method: HttpMethod.DELETE, path: '/notes/{id}', roles, scopes: write },
  ] as RoutePermission[]).map((r) => Object.freeze({ ...r, roles: Object.freeze([...r.roles!]) as string[], scopes: Object.freeze([...r.scopes!]) as string[] })));
}

/** Routes reachable without a token (no authorizer): health check and the session endpoints. */
export const PUBLIC_ROUTES: readonly RoutePermission[] = Object.freeze(([
  { method: HttpMethod.GET, path: '/health' },
  { method: HttpMethod.POST, path: '/auth/token' },
  { method: HttpMethod.POST, path: '/auth/refresh' },
  { method: HttpMethod.POST, path: '/auth/logout' },
] as RoutePermission[]).map((r) => Object.freeze(r)));
