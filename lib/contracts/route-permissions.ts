/**
 * Route tables: which roles and which OAuth scopes may call each route. Generic:
 * the table is configuration (the `routes` prop of `JwtAuthorizer`, passed to the
 * handlers in ROUTE_PERMISSIONS as compact JSON); the sample notes API's own
 * table lives in app/lambda/api/routes.ts. Used by the authorizer (IAM policy), the
 * ALB entry (per-request check) and, at synth, by the constructs' validation.
 */
import { asciiClass, consistsOf } from './ascii';

/** An HTTP method a route may have (the values are the upper-case method names, as requests and the route table carry them). */
export enum HttpMethod {
  /** GET */
  GET = 'GET',
  /** POST */
  POST = 'POST',
  /** PUT */
  PUT = 'PUT',
  /** PATCH */
  PATCH = 'PATCH',
  /** DELETE */
  DELETE = 'DELETE',
  /** HEAD */
  HEAD = 'HEAD',
  /** OPTIONS */
  OPTIONS = 'OPTIONS',
}

/**
 * Every method a route may have: every {@link HttpMethod}. Listed member by member rather than read from the enum
 * object, so a handler bundle holds the strings only (esbuild inlines the members and drops the enum).
 */
export const HTTP_METHODS: readonly HttpMethod[] = Object.freeze([
  HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS,
]);

/**
 * One route: method, resource path (API Gateway syntax, `{param}` for path
 * parameters), the roles allowed and the OAuth scopes that satisfy it.
 */
export interface RoutePermission {
  /** HTTP method, upper case. */
  readonly method: HttpMethod;
  /** Resource path in API Gateway syntax: literal segments and `{param}` segments, for example `/orders/{id}`. */
  readonly path: string;
  /**
   * Roles allowed (any one of them); absent on public routes (no authorizer).
   * @default - none: a public route
   */
  readonly roles?: string[];
  /**
   * OAuth scopes that satisfy the route (any one of them), in full as tokens carry them in `scope`
   * (Cognito: `<resource server identifier>/<scope name>`). Absent on public routes; a protected
   * route without scopes is never allowed.
   * @default - none: a public route
   */
  readonly scopes?: string[];
}

/** Environment variable that carries a route table to a handler (compact JSON, see {@link encodeRoutes}). */
export const ROUTES_ENV = 'ROUTE_PERMISSIONS';

/** The characters of a literal segment of a resource path (`/^[A-Za-z0-9._~-]+$/`). */
const LITERAL_SEGMENT = asciiClass('A-Za-z0-9._~-');
/** A `{param}` segment's name: a letter or `_`, then up to 63 letters, digits or `_` (`/^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/`). */
const PARAM_NAME_START = asciiClass('A-Za-z_');
const PARAM_NAME = asciiClass('A-Za-z0-9_');
/** Role names and scopes: printable ASCII without spaces, commas or quotes (they travel in a comma list and a space list). */
const ROLE = asciiClass('A-Za-z0-9_.:@+-');
/** `/^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,256}$/`: printable ASCII but `"`, `,` and `\\`. */
const SCOPE = asciiClass('\x21\x23-\x2b\x2d-\x5b\x5d-\x7e');

/** True when `name` can be a role of a route table and of the authorizer's `roles` context value (1 to 128 of `A-Za-z0-9_.:@+-`). */
export function isRoleName(name: unknown): name is string {
  return typeof name === 'string' && consistsOf(name, ROLE, 1, 128);
}

function isScope(scope: unknown): scope is string {
  return typeof scope === 'string' && consistsOf(scope, SCOPE, 1, 256);
}

/** The rule a route table breaks (the constructs map each to a fix message at synth). */
export type RouteTableRule =
  | 'empty' | 'too_many' | 'not_a_route' | 'method' | 'path' | 'roles' | 'role_name' | 'scopes' | 'scope_name' | 'duplicate' | 'overlap';

/** What is wrong with a route table: the field (`routes`, or `routes[<i>].<field>`), the value and the rule broken. */
export interface RouteTableProblem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: RouteTableRule;
}

/** Largest table accepted. */
export const MAX_ROUTES = 100;

/**
 * Longest resource path accepted. API Gateway limits each Resource ARN of an authorizer's policy to 512 characters;
 * `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/` takes up to about 220 of them (a stage
 * name may have 128), so 256 leaves room for every path.
 */
export const MAX_PATH_LENGTH = 256;

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
    if (!roles.every(isRoleName)) return { field: `${at}.roles`, value: roles, rule: 'role_name' };
    const scopes = r.scopes;
    if (!Array.isArray(scopes) || scopes.length === 0) return { field: `${at}.scopes`, value: scopes, rule: 'scopes' };
    if (!scopes.every(isScope)) return { field: `${at}.scopes`, value: scopes, rule: 'scope_name' };
    const key = `${r.method} ${templateKey(r.path)}`;
    if (seen.has(key)) return { field: at, value: `${r.method} ${r.path}`, rule: 'duplicate' };
    seen.add(key);
  }
  return overlapProblem(routes as RoutePermission[]);
}

function isResourcePath(path: unknown): path is string {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !path.startsWith('/')) return false;
  if (path === '/') return true;
  return path.slice(1).split('/').every((s) => consistsOf(s, LITERAL_SEGMENT, 1, MAX_PATH_LENGTH) || isParamSegment(s));
}

function isParamSegment(segment: string): boolean {
  const name = segment.slice(1, -1);
  return segment.startsWith('{') && segment.endsWith('}') && consistsOf(name, PARAM_NAME, 1, 64) && PARAM_NAME_START[name.charCodeAt(0)] === 1;
}

/** `/notes/{id}` and `/notes/{noteId}` are the same route. */
function templateKey(path: string): string {
  return path.split('/').map((s) => (s.startsWith('{') ? '{}' : s)).join('/');
}

/** A route's identity whatever its parameters are named: `GET /notes/{}` for `GET /notes/{id}` and `GET /notes/{noteId}`. */
export function routeSignature(method: string, path: string): string {
  return `${method.toUpperCase()} ${templateKey(path)}`;
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
  // Frozen all the way down: the lists are typed as plain arrays (the construct props' shape) but cannot be changed.
  const table = Object.freeze((routes as RoutePermission[]).map((r) => Object.freeze({
    method: r.method, path: r.path, roles: Object.freeze([...(r.roles ?? [])]) as string[], scopes: Object.freeze([...(r.scopes ?? [])]) as string[],
  })));
  // The same routes in the same order: the validation's reach matrix serves the policies.
  reachCache.set(table, reachMatrix(routes as RoutePermission[]));
  return table;
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

/** A route's path as segments: a literal string, or `undefined` for a `{param}` segment (the root has none). */
type Template = readonly (string | undefined)[];

function template(path: string): Template {
  return path === '/' ? [] : path.slice(1).split('/').map((s) => (s.startsWith('{') ? undefined : s));
}

/**
 * Whether template `a` is more specific than `b` (same length): at the first segment where they differ, `a` has a
 * literal and `b` a parameter. API Gateway routes a concrete path to the most specific resource that matches it,
 * whatever order the resources were created in.
 */
function moreSpecific(a: Template, b: Template): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    return a[i] !== undefined && b[i] === undefined;
  }
  return false;
}

/**
 * The route of a concrete request path (`/notes/3f2a...` matches `/notes/{id}`; a parameter matches one non-empty
 * segment), as API Gateway resolves it: of the routes of this method that match, the most specific one (a literal
 * segment wins over a parameter at the first segment where they differ), independent of table order. `methods`
 * lists the methods of every route that matches the path (for a 405 `Allow` header).
 */
export function matchRoute(routes: readonly RoutePermission[], method: string, path: string): { route?: RoutePermission; methods: HttpMethod[] } {
  const methods: HttpMethod[] = [];
  if (!path.startsWith('/')) return { methods };
  const segments = path === '/' ? [] : path.slice(1).split('/');
  let route: RoutePermission | undefined;
  let best: Template | undefined;
  for (const r of routes) {
    const t = template(r.path);
    if (t.length !== segments.length) continue;
    let match = true;
    for (let i = 0; i < t.length && match; i++) match = t[i] === undefined ? segments[i] !== '' : t[i] === segments[i];
    if (!match) continue;
    if (!methods.includes(r.method)) methods.push(r.method);
    if (r.method === method && (best === undefined || moreSpecific(t, best))) {
      route = r;
      best = t;
    }
  }
  return { route, methods };
}

/**
 * The resource part of an execute-api ARN for a route: `/notes/{id}` becomes
 * `notes/*` (one path parameter per `*`); `/` becomes the empty string.
 */
export function arnResourcePath(path: string): string {
  // A segment in braces with no other `}` is a parameter (`/^\{[^}]+\}$/`).
  const isParam = (segment: string) => segment.length > 2 && segment.startsWith('{') && segment.indexOf('}') === segment.length - 1;
  return (path.startsWith('/') ? path.slice(1) : path).split('/').map((segment) => (isParam(segment) ? '*' : segment)).join('/');
}

/** Work allowed per pair of routes when looking for a path one route's ARN pattern reaches on the other; beyond it, assume it does. */
const REACH_BUDGET = 5_000;

/**
 * Whether the ARN pattern of route `a` (`arnResourcePath`, where IAM's `*` matches any characters, `/` included)
 * matches a concrete path that API Gateway routes to route `b` (same method; `b` is not reached where a more specific
 * route of the table takes the path). `/orgs/{org}` reaches `/orgs/{org}/billing`; `/reports/{id}` reaches
 * `/reports/export`, but `/reports/export` does not reach `/reports/{id}`. When the search exceeds its budget the
 * answer is true, which errs towards more Deny statements and towards refusing the table at synth.
 */
export function reaches(a: RoutePermission, b: RoutePermission, routes: readonly RoutePermission[]): boolean {
  const templates = routes.map((r) => template(r.path));
  const at = (r: RoutePermission) => { const i = routes.indexOf(r); return i >= 0 ? templates[i] : template(r.path); };
  return a.method === b.method && a !== b && reachesTemplate(at(a), at(b), capturersOf(at(b), templates.filter((_, i) => routes[i].method === b.method)));
}

/** The templates that take some of b's concrete paths from it: same method and length, more specific. */
function capturersOf(pb: Template, sameMethod: readonly Template[]): Template[] {
  return sameMethod.filter((t) => t.length === pb.length && moreSpecific(t, pb));
}

/** `reaches` on templates of one method, given b's capturers. */
function reachesTemplate(pa: Template, pb: Template, capturers: readonly Template[]): boolean {
  // The root's ARN ends in "/": only a lone parameter ("*", which may match nothing) reaches it.
  if (pb.length === 0) return pa.length === 1 && pa[0] === undefined;
  if (pa.length === 0 || pa.length > pb.length) return false;
  let budget = REACH_BUDGET;
  // Align a's segments with b's, left to right: a literal takes one segment (equal to b's literal, or a value of b's
  // parameter), a "*" takes one or more whole segments (only a parameter's "*" can contain "/", and no concrete
  // segment is empty). `alive` are the capturers that still take every path of the alignment so far; the alignment
  // reaches b when none is left at the end (a value no literal equals fills b's other parameters).
  const failed = new Set<string>();
  const keeps = (c: Template, k: number, value: string | undefined) => c[k] === undefined || c[k] === value;
  const align = (i: number, j: number, alive: readonly number[]): boolean => {
    if (--budget < 0) return true;
    if (i === pa.length) return j === pb.length && alive.length === 0;
    const state = `${i},${j},${alive.join('.')}`;
    if (failed.has(state)) return false;
    let found = false;
    if (pa[i] !== undefined) {
      if (j < pb.length && (pb[j] === undefined || pb[j] === pa[i])) found = align(i + 1, j + 1, alive.filter((c) => keeps(capturers[c], j, pa[i])));
    } else {
      let left = alive;
      for (let end = j + 1; end <= pb.length - (pa.length - i - 1) && !found; end++) {
        left = left.filter((c) => keeps(capturers[c], end - 1, pb[end - 1]));
        found = align(i + 1, end, left);
      }
    }
    if (!found) failed.add(state);
    return found;
  };
  return align(0, 0, capturers.map((_, c) => c));
}

/** Which routes of the table reach which (`reaches`), computed once per table (the handlers keep one table for their lifetime). */
const reachCache = new WeakMap<readonly RoutePermission[], readonly (readonly boolean[])[]>();

function reachMatrix(routes: readonly RoutePermission[]): readonly (readonly boolean[])[] {
  let matrix = reachCache.get(routes);
  if (matrix === undefined) {
    const templates = routes.map((r) => template(r.path));
    const capturers = routes.map((b, y) => capturersOf(templates[y], templates.filter((_, i) => routes[i].method === b.method)));
    matrix = routes.map((a, x) => routes.map((b, y) => x !== y && a.method === b.method && reachesTemplate(templates[x], templates[y], capturers[y])));
    reachCache.set(routes, matrix);
  }
  return matrix;
}

/**
 * The routes of a caller's policy: `allow`, the routes its roles and scopes satisfy; `deny`, the routes it does not
 * hold whose concrete paths an allowed route's ARN pattern also matches (an explicit Deny overrides the Allow there).
 * Exact for every table {@link routeTableProblem} accepts: no denied pattern matches a path of an allowed route.
 */
export function policyRoutes(roles: readonly string[], scopes: readonly string[], routes: readonly RoutePermission[]): { allow: RoutePermission[]; deny: RoutePermission[] } {
  const allow = allowedRoutes(roles, scopes, routes);
  const granted = new Set(allow);
  const held = routes.map((r) => granted.has(r));
  const matrix = reachMatrix(routes);
  const deny = routes.filter((_, x) => !held[x] && held.some((h, a) => h && matrix[a][x]));
  return { allow, deny };
}

/** Whether some caller holds routes `a` and `y` but not `x`: one of each's roles outside x's, or one of each's scopes outside x's. */
function separable(a: RoutePermission, y: RoutePermission, x: RoutePermission): boolean {
  const outside = (list: readonly string[] | undefined, of: readonly string[] | undefined) => (list ?? []).some((v) => !(of ?? []).includes(v));
  return (outside(a.roles, x.roles) && outside(y.roles, x.roles)) || (outside(a.scopes, x.scopes) && outside(y.scopes, x.scopes));
}

/**
 * A table whose policies cannot be exact: a caller may hold route A (whose ARN pattern reaches route X) and route Y
 * but not X, and X's pattern, which its Deny statement must use, also matches a path of Y. IAM patterns cannot say
 * "one segment" (a pattern that covers every value of X's parameter also covers values with "/"), so X's Deny cannot
 * spare Y (`/orgs/{org}`, `/orgs/{org}/billing` and
 * `/orgs/{org}/members/{user}`: the Deny pattern of the billing route, with its `*` for `{org}`, matches `/orgs/acme/members/billing`).
 */
function overlapProblem(routes: readonly RoutePermission[]): RouteTableProblem | undefined {
  const matrix = reachMatrix(routes);
  const name = (r: RoutePermission) => `${r.method} ${r.path}`;
  const indices = routes.map((_, i) => i);
  for (let x = 0; x < routes.length; x++) {
    const reached = indices.filter((y) => matrix[x][y]);
    if (reached.length === 0) continue;
    for (const a of indices.filter((i) => matrix[i][x])) {
      for (const y of reached) {
        if (!separable(routes[a], routes[y], routes[x])) continue;
        return {
          field: `routes[${x}]`,
          value: `${name(routes[x])}: a caller of ${name(routes[a])}${a === y ? '' : ` and ${name(routes[y])}`} without it needs a Deny on ` +
            `${routes[x].method}/${arnResourcePath(routes[x].path)}, which also matches paths of ${name(routes[y])}`,
          rule: 'overlap',
        };
      }
    }
  }
  return undefined;
}
