/**
 * Route tables: which roles and which OAuth scopes may call each route. Generic:
 * the table is configuration (the `routes` prop of `JwtAuthorizer`, passed to the
 * handlers in ROUTE_PERMISSIONS as compact JSON); the sample notes API's own
 * table lives in lambda/api/routes.ts. Used by the authorizer (IAM policy), the
 * ALB entry (per-request check) and, at synth, by the constructs' validation.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** Every method a route may have. */
export const HTTP_METHODS: readonly HttpMethod[] = Object.freeze(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * One route: method, resource path (API Gateway syntax, `{param}` for path
 * parameters), the roles allowed and the OAuth scopes that satisfy it.
 */
export interface RoutePermission {
  /** HTTP method, upper case. */
  readonly method: HttpMethod;
  /** Resource path in API Gateway syntax: literal segments and `{param}` segments, for example `/orders/{id}`. */
  readonly path: string;
  /** Roles allowed (any one of them); absent on public routes (no authorizer). */
  readonly roles?: readonly string[];
  /**
   * OAuth scopes that satisfy the route (any one of them), in full as tokens carry them in `scope`
   * (Cognito: `<resource server identifier>/<scope name>`). Absent on public routes; a protected
   * route without scopes is never allowed.
   */
  readonly scopes?: readonly string[];
}

/** Environment variable that carries a route table to a handler (compact JSON, see {@link encodeRoutes}). */
export const ROUTES_ENV = 'ROUTE_PERMISSIONS';

/** One literal segment, or one `{param}` segment, of a resource path. */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/;
/** Role names and scopes: printable ASCII without spaces, commas or quotes (they travel in a comma list and a space list). */
const ROLE = /^[A-Za-z0-9_.:@+-]{1,128}$/;
const SCOPE = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,256}$/;

/** The rule a route table breaks (the constructs map each to a fix message at synth). */
export type RouteTableRule = 'empty' | 'too_many' | 'not_a_route' | 'method' | 'path' | 'roles' | 'role_name' | 'scopes' | 'scope_name' | 'duplicate';

/** What is wrong with a route table: the field (`routes`, or `routes[<i>].<field>`), the value and the rule broken. */
export interface RouteTableProblem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: RouteTableRule;
}

/** Largest table accepted. */
export const MAX_ROUTES = 100;

/**
 * Checks a route table for protected routes: a known method, a resource path in API Gateway syntax
 * (literal and `{param}` segments), at least one role and at least one scope, each method and path once.
 * Returns the first problem, or undefined when the table is valid. Used at synth (construct props) and at cold start.
 */
export function routeTableProblem(routes: unknown): RouteTableProblem | undefined {
  if (!Array.isArray(routes) || routes.length === 0) return { field: 'routes', value: routes, rule: 'empty' };
  if (routes.length > MAX_ROUTES) return { field: 'routes', value: `${routes.length} routes`, rule: 'too_many' };
  const seen = new Set<string>();
  for (let i = 0; i < routes.length; i++) {
    const at = `routes[${i}]`;
    const r = routes[i] as Partial<Record<keyof RoutePermission, unknown>> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return { field: at, value: r, rule: 'not_a_route' };
    if (typeof r.method !== 'string' || !(HTTP_METHODS as readonly string[]).includes(r.method)) return { field: `${at}.method`, value: r.method, rule: 'method' };
    if (!isResourcePath(r.path)) return { field: `${at}.path`, value: r.path, rule: 'path' };
    const roles = r.roles;
    if (!Array.isArray(roles) || roles.length === 0) return { field: `${at}.roles`, value: roles, rule: 'roles' };
    if (roles.some((x: unknown) => typeof x !== 'string' || !ROLE.test(x))) return { field: `${at}.roles`, value: roles, rule: 'role_name' };
    const scopes = r.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0) return { field: `${at}.scopes`, value: scopes, rule: 'scopes' };
    if (scopes.some((x: unknown) => typeof x !== 'string' || !SCOPE.test(x))) return { field: `${at}.scopes`, value: scopes, rule: 'scope_name' };
    const key = `${r.method} ${templateKey(r.path)}`;
    if (seen.has(key)) return { field: at, value: `${r.method} ${r.path}`, rule: 'duplicate' };
    seen.add(key);
  }
  return undefined;
}

function isResourcePath(path: unknown): path is string {
  if (typeof path !== 'string' || path.length > 512 || !path.startsWith('/')) return false;
  if (path === '/') return true;
  return path.slice(1).split('/').every((s) => LITERAL_SEGMENT.test(s) || PARAM_SEGMENT.test(s));
}

/** `/notes/{id}` and `/notes/{noteId}` are the same route. */
function templateKey(path: string): string {
  return path.split('/').map((s) => (s.startsWith('{') ? '{}' : s)).join('/');
}

/** The compact JSON of a route table for {@link ROUTES_ENV}: `[["GET","/notes",["user"],["scope"]],...]`. */
export function encodeRoutes(routes: readonly RoutePermission[]): string {
  return JSON.stringify(routes.map((r) => [r.method, r.path, r.roles ?? [], r.scopes ?? []]));
}

/** A route table that cannot be used (bad JSON or a problem); its message names the variable, the field and the fix. */
export class RouteTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteTableError';
  }
}

/** Reads and validates the route table from {@link ROUTES_ENV}. Throws {@link RouteTableError}. */
export function routesFromEnv(env: Record<string, string | undefined>): readonly RoutePermission[] {
  const raw = env[ROUTES_ENV];
  if (raw === undefined || raw.trim() === '') {
    throw new RouteTableError(`${ROUTES_ENV} is not set. Fix: pass the route table through the construct's routes prop.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new RouteTableError(`${ROUTES_ENV} is not valid JSON. Fix: pass the route table through the construct's routes prop.`);
  }
  const routes = Array.isArray(parsed)
    ? parsed.map((e: unknown) => (Array.isArray(e) ? { method: e[0], path: e[1], roles: e[2], scopes: e[3] } : e))
    : parsed;
  const problem = routeTableProblem(routes);
  if (problem !== undefined) {
    throw new RouteTableError(`${ROUTES_ENV}: invalid ${problem.field} (${problem.rule}). Fix: pass the route table through the construct's routes prop, which validates it at synth.`);
  }
  return Object.freeze((routes as RoutePermission[]).map((r) => Object.freeze({
    method: r.method, path: r.path, roles: Object.freeze([...(r.roles ?? [])]), scopes: Object.freeze([...(r.scopes ?? [])]),
  })));
}

/** True when the caller holds one of the route's roles and one of its scopes (a route without either is never allowed). */
export function permits(route: RoutePermission, roles: readonly string[], scopes: readonly string[]): boolean {
  return route.roles !== undefined && route.roles.some((role) => roles.includes(role))
    && route.scopes !== undefined && route.scopes.some((scope) => scopes.includes(scope));
}

/** The routes a caller with these roles and scopes may call (each route once, in table order). */
export function allowedRoutes(roles: readonly string[], scopes: readonly string[], routes: readonly RoutePermission[]): RoutePermission[] {
  if (roles.length === 0 || scopes.length === 0) return [];
  return routes.filter((r) => permits(r, roles, scopes));
}

/**
 * The route of a concrete request path (`/notes/3f2a...` matches `/notes/{id}`; a parameter matches one
 * non-empty segment): `route` when method and path match, `methods` (the methods of the path) otherwise.
 */
export function matchRoute(routes: readonly RoutePermission[], method: string, path: string): { route?: RoutePermission; methods: HttpMethod[] } {
  const segments = path.split('/');
  const methods: HttpMethod[] = [];
  let route: RoutePermission | undefined;
  for (const r of routes) {
    const template = r.path.split('/');
    if (template.length !== segments.length) continue;
    let match = true;
    for (let i = 0; i < template.length && match; i++) {
      match = template[i].startsWith('{') ? segments[i] !== '' : template[i] === segments[i];
    }
    if (!match) continue;
    methods.push(r.method);
    if (r.method === method && route === undefined) route = r;
  }
  return { route, methods };
}

/**
 * The resource part of an execute-api ARN for a route: `/notes/{id}` becomes
 * `notes/*` (one path parameter per `*`); `/` becomes the empty string.
 */
export function arnResourcePath(path: string): string {
  return path.replace(/^\//, '').split('/').map((segment) => (/^\{[^}]+\}$/.test(segment) ? '*' : segment)).join('/');
}
