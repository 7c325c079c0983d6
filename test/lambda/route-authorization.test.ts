/**
 * Route authorization for any route table, with generated cases (fast-check): random tables (any order, nesting,
 * literal siblings of parameters, the root), random callers (roles and scopes) and random requests. The authorizer's
 * real policy (real signed tokens, JWKS on 127.0.0.1) is evaluated with an IAM ARN matcher written here against
 * concrete paths of every route of the table, because API Gateway caches the answer per token and applies it to the
 * token's later requests on any route; the ALB entry decides the same paths. Both are compared with a reference model
 * written here independently of lib/contracts/route-permissions.ts.
 */
import type { ALBEvent } from 'aws-lambda';
import fc from 'fast-check';
import { AuthorizerEvent, AuthorizerResult, createAuthorizer } from '../../lambda/authorizer/authorizer';
import { createAlbHandler } from '../../app/lambda/api/alb';
import { JwtVerifier } from '../../lambda/shared/jwt';
import { HttpMethod, matchRoute, MAX_ROUTES, reaches, type RoutePermission, routeTableProblem } from '../../lib/contracts/route-permissions';
import { cognitoAccessClaims, generateTestKey, signJwt, TestKey } from '../helpers/jwt';
import { startJwksServer } from '../integration/http';

const CLIENT_ID = 'route-property-client';
const BASE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod';

// ---------------------------------------------------------------------------------------------------------------
// The reference model: IAM's ARN matching and API Gateway's routing, as documented, written without the library.
// ---------------------------------------------------------------------------------------------------------------

/** IAM's ARN matching: `*` any run of characters (`/` included), `?` exactly one character, everything else literal. */
function arnMatches(pattern: string, arn: string): boolean {
  const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's').test(arn);
}

/** IAM's evaluation of an authorizer policy for one ARN: an explicit Deny wins, then an Allow, else denied. */
function policyAllows(result: AuthorizerResult, arn: string): boolean {
  const statements = result.policyDocument.Statement as unknown as { Effect: string; Action: string | string[]; Resource: string | string[] }[];
  const applies = (s: (typeof statements)[number]) => [s.Action].flat().some((a) => a === 'execute-api:Invoke' || a === '*')
    && [s.Resource].flat().some((r) => arnMatches(r, arn));
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && applies(s));
}

/**
 * API Gateway's routing of a concrete path: of the routes of the method whose template matches (same number of
 * segments, literals equal, a parameter takes one non-empty segment), the one whose specificity vector (0 for a
 * literal, 1 for a parameter, segment by segment) is lexicographically smallest.
 */
function referenceRoute(table: readonly RoutePermission[], method: string, path: string): RoutePermission | undefined {
  const concrete = path === '/' ? [] : path.slice(1).split('/');
  const candidates = table.filter((r) => {
    if (r.method !== method) return false;
    const parts = r.path === '/' ? [] : r.path.slice(1).split('/');
    return parts.length === concrete.length && parts.every((p, i) => (p.startsWith('{') ? concrete[i].length > 0 : p === concrete[i]));
  });
  const vector = (r: RoutePermission) => (r.path === '/' ? '' : r.path.slice(1).split('/').map((p) => (p.startsWith('{') ? '1' : '0')).join(''));
  return candidates.sort((a, b) => (vector(a) < vector(b) ? -1 : vector(a) > vector(b) ? 1 : 0))[0];
}

/** A caller holds a route when it has one of the route's roles AND one of its scopes. */
function holds(route: RoutePermission, caller: Caller): boolean {
  return (route.roles ?? []).some((r) => caller.roles.includes(r)) && (route.scopes ?? []).some((s) => caller.scopes.includes(s));
}

interface Caller { readonly roles: string[]; readonly scopes: string[] }

// ---------------------------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------------------------

const LITERALS = ['orgs', 'billing', 'reports', 'export', 'members', 'a', 'b'];
const ROLES = ['member', 'admin', 'auditor'];
const SCOPES = ['api/read', 'api/write', 'api/admin'];
const METHODS: HttpMethod[] = [HttpMethod.GET, HttpMethod.GET, HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE];

/** A resource path of 0-4 segments; parameters are named by position (API Gateway allows one parameter name per level). */
const pathArb = fc.array(fc.oneof(fc.constantFrom(...LITERALS), fc.constant('{}')), { maxLength: 4 })
  .map((segments) => (segments.length === 0 ? '/' : `/${segments.map((s, i) => (s === '{}' ? `{p${i}}` : s)).join('/')}`));

const routeArb = fc.record({
  method: fc.constantFrom(...METHODS),
  path: pathArb,
  roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 2 }),
  scopes: fc.uniqueArray(fc.constantFrom(...SCOPES), { minLength: 1, maxLength: 2 }),
}) as fc.Arbitrary<RoutePermission>;

const tableArb = (maxLength: number, minLength = 1) => fc.uniqueArray(routeArb, { minLength, maxLength, selector: (r) => `${r.method} ${r.path}` });

const callerArb: fc.Arbitrary<Caller> = fc.record({
  roles: fc.subarray(ROLES),
  scopes: fc.subarray(SCOPES),
});

/** Values a parameter takes in generated requests: every literal of the pool (where overlaps show) and ordinary values. */
const VALUES = [...LITERALS, 'acme', '42', 'x*y', 'q?'];

/**
 * Concrete paths of a route: every parameter an ordinary value; each parameter in turn each literal; every parameter
 * the same literal. Together they reach each route's patterns where they overlap other routes.
 */
function concretePaths(route: RoutePermission): string[] {
  if (route.path === '/') return ['/'];
  const parts = route.path.slice(1).split('/');
  const params = parts.map((p, i) => (p.startsWith('{') ? i : -1)).filter((i) => i >= 0);
  const build = (value: (i: number) => string) => `/${parts.map((p, i) => (p.startsWith('{') ? value(i) : p)).join('/')}`;
  const out = new Set<string>([build(() => 'acme')]);
  for (const at of params) for (const v of VALUES) out.add(build((i) => (i === at ? v : 'acme')));
  for (const v of VALUES) out.add(build(() => v));
  return [...out];
}

const methodArn = (method: string, path: string) => `${BASE}/${method}/${path.slice(1)}`;

// ---------------------------------------------------------------------------------------------------------------
// The system under test: the real authorizer and ALB entry, real tokens.
// ---------------------------------------------------------------------------------------------------------------

let key: TestKey;
let server: Awaited<ReturnType<typeof startJwksServer>>;
let verifier: JwtVerifier;

beforeAll(async () => {
  key = generateTestKey('ES256');
  server = await startJwksServer({ keys: [key.jwk] });
  verifier = new JwtVerifier({
    issuer: server.url, audience: [CLIENT_ID], jwksUri: server.jwksUri, algorithms: ['ES256'], maxTokenAgeSeconds: 900,
    clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  });
});
afterAll(async () => { await server.close(); });

function tokenOf(caller: Caller): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, cognitoAccessClaims(server.url, CLIENT_ID, now, { 'cognito:groups': caller.roles, scope: caller.scopes.join(' ') }));
}

/** The authorizer's answer to a request (method, concrete path) of the caller's token, or undefined when it refused with 401. */
async function authorizerAnswer(table: readonly RoutePermission[], token: string, method: string, path: string): Promise<AuthorizerResult> {
  const authorize = createAuthorizer({ verifier, routes: table, log: () => undefined });
  const event: AuthorizerEvent = { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: methodArn(method, path) };
  return authorize(event);
}

/** The ALB entry's status for a request, with an app that answers 200 to whatever reaches it. */
async function albStatus(table: readonly RoutePermission[], token: string, method: string, path: string): Promise<number> {
  const alb = createAlbHandler({ app: async () => ({ statusCode: 200, body: '{}' }), verifier, routes: table });
  const event: ALBEvent = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/abc' } },
    httpMethod: method, path, headers: { authorization: `Bearer ${token}` }, queryStringParameters: {}, body: null, isBase64Encoded: false,
  };
  return (await alb(event)).statusCode;
}

/**
 * Checks one case: the policy answered for `request` must allow, on every concrete path of every route of the table,
 * exactly the paths whose route (as API Gateway resolves it) the caller holds; the ALB entry must answer 200 on those
 * and 403 on the other routed paths. Returns the first disagreement, or undefined.
 */
async function disagreement(table: readonly RoutePermission[], caller: Caller, request: { method: string; path: string }): Promise<string | undefined> {
  const token = tokenOf(caller);
  const policy = await authorizerAnswer(table, token, request.method, request.path);
  for (const route of table) {
    for (const path of concretePaths(route)) {
      const target = referenceRoute(table, route.method, path);
      if (target === undefined) continue;
      const expected = holds(target, caller);
      const allowed = policyAllows(policy, methodArn(route.method, path));
      if (allowed !== expected) {
        return `policy answered for ${request.method} ${request.path} ${allowed ? 'allows' : 'denies'} ${route.method} ${path} ` +
          `(route ${target.method} ${target.path}, held: ${expected}): ${JSON.stringify(policy.policyDocument.Statement)}`;
      }
      const status = await albStatus(table, token, route.method, path);
      if (status !== (expected ? 200 : 403)) {
        return `ALB answers ${status} to ${route.method} ${path} (route ${target.method} ${target.path}, held: ${expected})`;
      }
    }
  }
  return undefined;
}

/** A request the table routes: a concrete path of one of its routes. */
const caseArb = (maxRoutes: number, minRoutes = 1) => tableArb(maxRoutes, minRoutes).chain((table) => fc.record({
  table: fc.constant(table),
  caller: callerArb,
  request: fc.constantFrom(...table).chain((r) => fc.constantFrom(...concretePaths(r)).map((path) => ({ method: r.method, path }))),
}));

const valid = (table: readonly RoutePermission[]) => routeTableProblem(table) === undefined;

describe('route authorization holds for every valid route table (generated)', () => {
  test('the authorizer\'s cached policy and the ALB entry decide every route of the table as the reference model does', async () => {
    await fc.assert(fc.asyncProperty(caseArb(8), async ({ table, caller, request }) => {
      fc.pre(valid(table));
      expect(await disagreement(table, caller, request)).toBeUndefined();
    }), { numRuns: 300 });
  });

  test('the same at the table limit: groups of generated routes under their own first segment, up to 100 routes', async () => {
    // Each group is a small generated table (refused ones left out) moved under /g<k>, so the whole keeps overlapping
    // routes of different holders inside each group and still passes the table check.
    const large = fc.array(tableArb(6), { minLength: 20, maxLength: 40 }).map((groups) => groups
      .filter(valid)
      .flatMap((group, k) => group.map((r) => ({ ...r, path: r.path === '/' ? `/g${k}` : `/g${k}${r.path.replace(/\{p(\d)\}/g, (_m, d) => `{p${Number(d) + 1}}`)}` })))
      .slice(0, MAX_ROUTES));
    await fc.assert(fc.asyncProperty(large, callerArb, async (table, caller) => {
      fc.pre(table.length >= 50);
      expect(valid(table)).toBe(true);
      const request = { method: table[0].method, path: concretePaths(table[0])[0] };
      expect(await disagreement(table, caller, request)).toBeUndefined();
    }), { numRuns: 4 });
  });

  test('a refused table names the route, the route whose pattern reaches it, the route its Deny would also hit, and that Deny', () => {
    fc.assert(fc.property(tableArb(8), (table) => {
      const problem = routeTableProblem(table);
      fc.pre(problem !== undefined && problem.rule === 'overlap');
      expect(String(problem!.value)).toMatch(/needs a Deny on [A-Z]+\/\S*, which also matches paths of [A-Z]+ \//);
    }), { numRuns: 50 });
  });

  test('the generator yields overlapping tables that are accepted (the property is not vacuous)', () => {
    const samples = fc.sample(caseArb(8), { numRuns: 300, seed: 42 });
    const accepted = samples.filter((s) => valid(s.table));
    const nested = accepted.filter((s) => s.table.some((a) => s.table.some((b) => a !== b && a.method === b.method
      && b.path.startsWith(`${a.path}/`) && /\{/.test(a.path))));
    expect(accepted.length).toBeGreaterThan(150);
    expect(nested.length).toBeGreaterThan(30);
  });
});

describe('named examples', () => {
  const member: Caller = { roles: ['member'], scopes: ['api/read'] };
  const admin: Caller = { roles: ['admin'], scopes: ['api/read'] };

  test('a member\'s policy for GET /orgs/{org} does not reach the admin route GET /orgs/{org}/billing, in either order', async () => {
    const orgs: RoutePermission[] = [
      { method: HttpMethod.GET, path: '/orgs/{org}', roles: ['member', 'admin'], scopes: ['api/read'] },
      { method: HttpMethod.GET, path: '/orgs/{org}/billing', roles: ['admin'], scopes: ['api/read'] },
    ];
    for (const table of [orgs, [...orgs].reverse()]) {
      expect(routeTableProblem(table)).toBeUndefined();
      const policy = await authorizerAnswer(table, tokenOf(member), 'GET', '/orgs/acme');
      expect(policyAllows(policy, methodArn('GET', '/orgs/acme'))).toBe(true);
      expect(policyAllows(policy, methodArn('GET', '/orgs/acme/billing'))).toBe(false);
      expect(await albStatus(table, tokenOf(member), 'GET', '/orgs/acme/billing')).toBe(403);
      expect(await disagreement(table, member, { method: HttpMethod.GET, path: '/orgs/acme' })).toBeUndefined();
      expect(await disagreement(table, admin, { method: HttpMethod.GET, path: '/orgs/acme/billing' })).toBeUndefined();
    }
  });

  test('GET /reports/export is decided by its own roles, not by GET /reports/{id}, whatever the table order', async () => {
    const reports: RoutePermission[] = [
      { method: HttpMethod.GET, path: '/reports/{id}', roles: ['member'], scopes: ['api/read'] },
      { method: HttpMethod.GET, path: '/reports/export', roles: ['admin'], scopes: ['api/read'] },
    ];
    for (const table of [reports, [...reports].reverse()]) {
      expect(routeTableProblem(table)).toBeUndefined();
      const policy = await authorizerAnswer(table, tokenOf(member), 'GET', '/reports/42');
      expect(policyAllows(policy, methodArn('GET', '/reports/42'))).toBe(true);
      expect(policyAllows(policy, methodArn('GET', '/reports/export'))).toBe(false);
      expect(await albStatus(table, tokenOf(member), 'GET', '/reports/export')).toBe(403);
      expect(await albStatus(table, tokenOf(admin), 'GET', '/reports/export')).toBe(200);
      expect(await albStatus(table, tokenOf(admin), 'GET', '/reports/42')).toBe(403);
      expect(await disagreement(table, member, { method: HttpMethod.GET, path: '/reports/42' })).toBeUndefined();
      expect(await disagreement(table, admin, { method: HttpMethod.GET, path: '/reports/export' })).toBeUndefined();
    }
  });

  test('the root route and a lone parameter: the parameter\'s "*" also matches the root\'s ARN', async () => {
    const table: RoutePermission[] = [
      { method: HttpMethod.GET, path: '/{p0}', roles: ['member'], scopes: ['api/read'] },
      { method: HttpMethod.GET, path: '/', roles: ['admin'], scopes: ['api/read'] },
    ];
    expect(routeTableProblem(table)).toBeUndefined();
    const policy = await authorizerAnswer(table, tokenOf(member), 'GET', '/acme');
    expect(policyAllows(policy, methodArn('GET', '/'))).toBe(false);
    expect(await disagreement(table, member, { method: HttpMethod.GET, path: '/acme' })).toBeUndefined();
  });

  test('fails if a caller\'s policy cannot be exact: /orgs/{org} (member), /orgs/{org}/billing (admin), /orgs/{org}/members/{user} (member)', () => {
    const table: RoutePermission[] = [
      { method: HttpMethod.GET, path: '/orgs/{org}', roles: ['member', 'admin'], scopes: ['api/read'] },
      { method: HttpMethod.GET, path: '/orgs/{org}/billing', roles: ['admin'], scopes: ['api/read'] },
      { method: HttpMethod.GET, path: '/orgs/{org}/members/{user}', roles: ['member', 'admin'], scopes: ['api/read'] },
    ];
    expect(routeTableProblem(table)).toEqual({
      field: 'routes[1]', rule: 'overlap',
      value: 'GET /orgs/{org}/billing: a caller of GET /orgs/{org} and GET /orgs/{org}/members/{user} without it needs a Deny on ' +
        'GET/orgs/*/billing, which also matches paths of GET /orgs/{org}/members/{user}',
    });
    // Moved under its own literal prefix, billing no longer overlaps.
    expect(routeTableProblem([table[0], { ...table[1], path: '/billing/{org}' }, table[2]])).toBeUndefined();
  });
});

describe('reaches and matchRoute (the shared module\'s building blocks)', () => {
  const r = (path: string, method: HttpMethod = HttpMethod.GET): RoutePermission => ({ method, path, roles: ['member'], scopes: ['api/read'] });

  test('a parameter\'s "*" reaches deeper routes and literal siblings, a literal reaches nothing it does not name', () => {
    const orgs = r('/orgs/{org}');
    const billing = r('/orgs/{org}/billing');
    const id = r('/reports/{id}');
    const exportRoute = r('/reports/export');
    const table = [orgs, billing, id, exportRoute];
    expect(reaches(orgs, billing, table)).toBe(true);
    expect(reaches(billing, orgs, table)).toBe(false);
    expect(reaches(id, exportRoute, table)).toBe(true);
    // Every path /reports/export could share with /reports/{id} is routed to /reports/export itself.
    expect(reaches(exportRoute, id, table)).toBe(false);
    expect(reaches(orgs, r('/orgs/{org}/billing', HttpMethod.POST), [...table, r('/orgs/{org}/billing', HttpMethod.POST)])).toBe(false);
  });

  test('only a lone parameter reaches the root', () => {
    const root = r('/');
    expect(reaches(r('/{p0}'), root, [root])).toBe(true);
    expect(reaches(r('/{p0}/{p1}'), root, [root])).toBe(false);
    expect(reaches(r('/a'), root, [root])).toBe(false);
  });

  test('matchRoute picks the most specific route whatever the table order', () => {
    const table = [r('/reports/{id}'), r('/{p0}/export'), r('/reports/export')];
    for (const order of [table, [...table].reverse()]) {
      expect(matchRoute(order, 'GET', '/reports/export').route?.path).toBe('/reports/export');
      expect(matchRoute(order, 'GET', '/reports/42').route?.path).toBe('/reports/{id}');
      expect(matchRoute(order, 'GET', '/x/export').route?.path).toBe('/{p0}/export');
      expect(matchRoute(order, 'POST', '/reports/42')).toEqual({ route: undefined, methods: ['GET'] });
      expect(matchRoute(order, 'GET', '/reports/')).toEqual({ route: undefined, methods: [] });
    }
    expect(matchRoute([r('/')], 'GET', '/').route?.path).toBe('/');
    expect(matchRoute([r('/')], 'GET', '').route).toBeUndefined();
  });
});
