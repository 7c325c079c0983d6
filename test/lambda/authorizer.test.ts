/**
 * The JWT authorizer: both API Gateway REST event shapes, the IAM policy for
 * each role (exactly the allowed routes, nothing else), denial as 401, no
 * token in logs, and the Lambda adapter's cold-start configuration check.
 * Real RSA keys, real signed tokens, JWKS on 127.0.0.1.
 */
import { buildSync } from 'esbuild';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { AuthorizerEvent, AuthorizerResult, createAuthorizer, extractToken, parseMethodArn } from '../../lambda/authorizer/authorizer';
import type { Log } from '../../lambda/authorizer/log';
import { JwtVerifier } from '../../lambda/shared/jwt';
import { notesRoutes, PUBLIC_ROUTES } from '../../app/lambda/api/routes';
import { allowedRoutes, arnResourcePath, encodeRoutes, HttpMethod, RoutePermission } from '../../lib/contracts/route-permissions';
import { startJwksServer } from '../integration/http';
import { generateTestKey, signJwt, TestKey } from '../helpers/jwt';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AuThZ1234';
const CLIENT_ID = 'client-authorizer-test';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/notes/42';
const BASE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod';
/** The resource server identifier the issuer prefixes scopes with (Cognito: `<identifier>/<name>`). */
const P = 'https://api.example.test/';
const ROUTE_PERMISSIONS = notesRoutes(P);
const SCOPES = `${P}notes.read ${P}notes.write`;

let key: TestKey;
let server: Awaited<ReturnType<typeof startJwksServer>>;
let verifier: JwtVerifier;
let logs: { level: string; message: string; fields?: Record<string, unknown> }[];
const log: Log = (level, message, fields) => { logs.push({ level, message, fields }); };

beforeAll(async () => {
  key = generateTestKey('RS256', 'authz-key');
  server = await startJwksServer({ keys: [key.jwk] });
  verifier = new JwtVerifier({
    issuer: ISSUER, audience: [CLIENT_ID], jwksUri: server.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 900,
    clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  });
});
afterAll(async () => { await server.close(); });
beforeEach(() => { logs = []; });

function token(groups: unknown, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: 'user-123', iss: ISSUER, client_id: CLIENT_ID, token_use: 'access', scope: SCOPES, origin_jti: 'family-1',
    iat: now - 5, exp: now + 895, ...overrides,
  };
  if (groups !== undefined) claims['cognito:groups'] = groups;
  return signJwt(key, claims);
}

const tokenEvent = (authorizationToken: string, methodArn = METHOD_ARN): AuthorizerEvent => ({ type: 'TOKEN', authorizationToken, methodArn });
const requestEvent = (headers: Record<string, string>, extra: Record<string, unknown> = {}): AuthorizerEvent => ({
  type: 'REQUEST', methodArn: METHOD_ARN, resource: '/notes/{id}', path: '/notes/42', httpMethod: 'GET', headers,
  multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), pathParameters: { id: '42' },
  queryStringParameters: null, multiValueQueryStringParameters: null, stageVariables: null, requestContext: {} as never, ...extra,
} as AuthorizerEvent);

const authorize = createAuthorizer({ verifier: { verify: (t) => verifier.verify(t) }, routes: ROUTE_PERMISSIONS, log });

const NOTES_ROUTES = [
  `${BASE}/GET/notes`, `${BASE}/POST/notes`, `${BASE}/GET/notes/*`, `${BASE}/PUT/notes/*`, `${BASE}/DELETE/notes/*`,
];

function statement(result: AuthorizerResult): { Effect: string; Action: string; Resource: string[] } {
  expect(result.policyDocument.Statement).toHaveLength(1);
  return result.policyDocument.Statement[0] as unknown as { Effect: string; Action: string; Resource: string[] };
}

describe('principalId in the access log', () => {
  // API Gateway writes $context.authorizer.principalId into the JSON access log without escaping it.
  test.each([
    ['a Cognito subject', '5f2a9c1e-1b7d-4c3e-9f00-0123456789ab'],
    ['an Auth0 subject', 'auth0|64b7f0c2e1'],
    ['an e-mail subject', 'jane.doe+test@example.com'],
    ['a URL-like subject', 'https://idp.example.com/users/42'],
  ])('keeps %s as the principalId', async (_name, sub) => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user'], { sub })}`));
    expect(result.principalId).toBe(sub);
  });

  test.each([
    ['a quote that would close the JSON string and forge a field', 'x","sourceIp":"203.0.113.7'],
    ['a backslash', 'x\\'],
    ['a newline that would start a second log line', 'x\n{"status":"200"}'],
    ['non-ASCII', 'ｕｓｅｒ'],
    ['a control character', 'x\u0000y'],
  ])('fails if a subject with %s reaches the principalId as it is', async (_name, sub) => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user'], { sub })}`));
    expect(result.principalId).toMatch(/^#sha256:[0-9a-f]{32}$/);
    // Rendered into the access log's JSON template, the line still parses with the fields it had.
    const line = `{"principalId":"${result.principalId}","sourceIp":"198.51.100.1"}`;
    expect(JSON.parse(line)).toEqual({ principalId: result.principalId, sourceIp: '198.51.100.1' });
    // The handlers still get the exact subject (the context is JSON-encoded by API Gateway).
    expect(result.context.sub).toBe(sub);
    // Stable: the same subject always gets the same principalId.
    expect((await authorize(tokenEvent(`Bearer ${token(['user'], { sub })}`))).principalId).toBe(result.principalId);
  });
});

describe('event shapes', () => {
  test('TOKEN: reads "Bearer <jwt>" from authorizationToken', async () => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user'])}`));
    expect(result.principalId).toBe('user-123');
  });

  test.each(['Authorization', 'authorization', 'AUTHORIZATION'])('REQUEST: reads the %s header', async (name) => {
    const result = await authorize(requestEvent({ [name]: `Bearer ${token(['user'])}` }));
    expect(result.principalId).toBe('user-123');
  });

  test('the Bearer scheme is case-insensitive', async () => {
    await expect(authorize(tokenEvent(`bearer ${token(['user'])}`))).resolves.toBeDefined();
  });

  test.each([
    ['no header', requestEvent({})],
    ['a Basic header', requestEvent({ Authorization: 'Basic dXNlcjpwYXNz' })],
    ['Bearer without a token', tokenEvent('Bearer ')],
    ['a bare token without the scheme', tokenEvent('eyJhbGciOiJSUzI1NiJ9.e30.c2ln')],
    ['two tokens', tokenEvent('Bearer a.b.c d.e.f')],
    ['two Authorization headers', requestEvent({ Authorization: 'Bearer a.b.c' }, { multiValueHeaders: { Authorization: ['Bearer a.b.c', 'Bearer d.e.f'] } })],
    ['a header over 8 KB', tokenEvent(`Bearer ${'a'.repeat(9000)}`)],
  ])('denies %s with 401 (Unauthorized)', async (_name, event) => {
    await expect(authorize(event)).rejects.toThrow(/^Unauthorized$/);
    expect(logs.some((l) => l.fields?.reason === 'token_missing')).toBe(true);
  });

  test('extractToken returns the token only', () => {
    expect(extractToken(tokenEvent('Bearer a.b.c'))).toBe('a.b.c');
    expect(extractToken(requestEvent({ authorization: 'Bearer   a.b.c' }))).toBe('a.b.c');
  });
});

describe('route policy per role', () => {
  test('user: Allow on exactly the notes routes', async () => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user'])}`));
    const s = statement(result);
    expect(s.Effect).toBe('Allow');
    expect(s.Action).toBe('execute-api:Invoke');
    expect([...s.Resource].sort()).toEqual([...NOTES_ROUTES].sort());
    expect(result.context).toEqual({ sub: 'user-123', roles: 'user', scope: SCOPES, tokenFamily: 'oj:family-1' });
  });

  test('admin: Allow on exactly the routes admins may call', async () => {
    const s = statement(await authorize(tokenEvent(`Bearer ${token(['admin'])}`)));
    const expected = allowedRoutes(['admin'], SCOPES.split(' '), ROUTE_PERMISSIONS).map((r) => `${BASE}/${r.method}/${arnResourcePath(r.path)}`);
    expect(s.Effect).toBe('Allow');
    expect([...s.Resource].sort()).toEqual([...expected].sort());
  });

  test('user and admin: each route once', async () => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user', 'admin'])}`));
    const s = statement(result);
    expect(new Set(s.Resource).size).toBe(s.Resource.length);
    expect(s.Resource).toHaveLength(ROUTE_PERMISSIONS.length);
    expect(result.context.roles).toBe('user,admin');
  });

  test.each([
    ['no roles claim', undefined],
    ['an empty roles claim', []],
    ['only unknown roles', ['guest', 'Admin', 'admin ']],
  ])('%s: Deny on the whole stage (403), nothing allowed', async (_name, groups) => {
    const result = await authorize(tokenEvent(`Bearer ${token(groups)}`));
    const s = statement(result);
    expect(s.Effect).toBe('Deny');
    expect(s.Resource).toEqual([`${BASE}/*`]);
    expect(result.principalId).toBe('user-123');
  });

  test('fails if a token carrying only aws.cognito.signin.user.admin (the SRP flow) gets a notes route', async () => {
    // GIVEN a user whose token has the role but none of the notes scopes
    const result = await authorize(tokenEvent(`Bearer ${token(['user', 'admin'], { scope: 'aws.cognito.signin.user.admin' })}`));
    // THEN Deny on the whole stage: no read, write or delete
    expect(statement(result)).toMatchObject({ Effect: 'Deny', Resource: [`${BASE}/*`] });
  });

  test.each([
    ['no scope claim', undefined],
    ['the scope names without the resource server', 'notes.read notes.write'],
    ['another resource server', 'https://other.example.test/notes.read'],
    ['openid only', 'openid email'],
  ])('fails if a token with %s gets a route', async (_name, scope) => {
    const claims = scope === undefined ? { scope: undefined } : { scope };
    const t = scope === undefined ? signJwt(key, { sub: 'user-123', iss: ISSUER, client_id: CLIENT_ID, token_use: 'access', 'cognito:groups': ['user'], iat: Math.floor(Date.now() / 1000) - 5, exp: Math.floor(Date.now() / 1000) + 895 }) : token(['user'], claims);
    expect(statement(await authorize(tokenEvent(`Bearer ${t}`))).Effect).toBe('Deny');
  });

  test('the read scope alone allows the read routes only', async () => {
    const s = statement(await authorize(tokenEvent(`Bearer ${token(['user'], { scope: `openid ${P}notes.read` })}`)));
    expect([...s.Resource].sort()).toEqual([`${BASE}/GET/notes`, `${BASE}/GET/notes/*`]);
  });

  test('the policy never covers public routes, other stages or other APIs, whatever the method called', async () => {
    const other = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/POST/notes';
    const s = statement(await authorize(tokenEvent(`Bearer ${token(['user', 'admin'])}`, other)));
    for (const resource of s.Resource) {
      // a concrete verb and a concrete route: no wildcard verb, stage or API
      expect(resource).toMatch(/^arn:aws:execute-api:eu-west-1:123456789012:abc123def4\/prod\/(GET|POST|PUT|DELETE)\/notes(\/\*)?$/);
    }
    for (const pub of PUBLIC_ROUTES) expect(s.Resource).not.toContain(`${BASE}/${pub.method}/${arnResourcePath(pub.path)}`);
  });

  test('keeps the partition, region and account of the method ARN', async () => {
    const cn = 'arn:aws-cn:execute-api:cn-north-1:123456789012:abc123def4/dev/GET/notes';
    const s = statement(await authorize(tokenEvent(`Bearer ${token(['user'])}`, cn)));
    expect(s.Resource).toContain('arn:aws-cn:execute-api:cn-north-1:123456789012:abc123def4/dev/GET/notes/*');
  });

  test('role names that could forge the comma-separated context are dropped from it', async () => {
    const result = await authorize(tokenEvent(`Bearer ${token(['user', 'x,admin'])}`));
    expect(result.context.roles).toBe('user');
  });

  test('denies when the method ARN is not an execute-api ARN', async () => {
    await expect(authorize(tokenEvent(`Bearer ${token(['user'])}`, 'arn:aws:lambda:eu-west-1:123456789012:function:x'))).rejects.toThrow(/^Unauthorized$/);
    expect(parseMethodArn('arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET/')).toEqual({ partition: 'aws', region: 'eu-west-1', account: '123456789012', apiId: 'abc', stage: 'prod' });
  });
});

describe('invalid tokens', () => {
  test.each([
    ['expired', () => token(['user'], { exp: Math.floor(Date.now() / 1000) - 120 }), 'expired'],
    ['an id token where access tokens are required', () => token(['user'], { token_use: 'id' }), 'token_use_invalid'],
    ['another client', () => token(['user'], { client_id: 'other' }), 'aud_invalid'],
    ['signed by an unknown key', () => signJwt(generateTestKey('RS256', 'unknown'), { sub: 'x' }), 'kid_unknown'],
    ['garbage', () => 'not-a-jwt', 'token_malformed'],
  ])('denies a token that is %s, logging the reason but never the token', async (_name, make, reason) => {
    const t = make();
    await expect(authorize(tokenEvent(`Bearer ${t}`))).rejects.toThrow(/^Unauthorized$/);
    expect(logs).toEqual([expect.objectContaining({ level: 'WARN', fields: { reason } })]);
    expect(JSON.stringify(logs)).not.toContain(t);
  });

  test('an unexpected verifier failure denies and logs only the error name', async () => {
    const failing = createAuthorizer({ verifier: { verify: async () => { throw new TypeError('boom eyJhbGci'); } }, routes: ROUTE_PERMISSIONS, log });
    await expect(failing(tokenEvent(`Bearer ${token(['user'])}`))).rejects.toThrow(/^Unauthorized$/);
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', fields: { reason: 'internal', error: 'TypeError' } })]);
  });
});

describe('Lambda adapter (handler.ts)', () => {
  const ENV_NAMES = ['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI', 'JWT_ALGORITHMS', 'JWT_MAX_TOKEN_AGE_SECONDS', 'JWT_CLOCK_SKEW_SECONDS', 'JWT_TOKEN_USE', 'JWT_ROLES_CLAIM', 'ROUTE_PERMISSIONS'];
  const ROUTES = encodeRoutes(ROUTE_PERMISSIONS);
  let saved: Record<string, string | undefined>;
  beforeEach(() => { saved = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]])); });
  afterEach(() => {
    for (const [n, v] of Object.entries(saved)) { if (v === undefined) delete process.env[n]; else process.env[n] = v; }
    jest.restoreAllMocks();
  });

  function loadHandler(env: Record<string, string>): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
    for (const n of ENV_NAMES) delete process.env[n];
    Object.assign(process.env, env);
    let handler: ((event: AuthorizerEvent) => Promise<AuthorizerResult>) | undefined;
    jest.isolateModules(() => { handler = (require('../../lambda/authorizer/handler') as { handler: typeof handler }).handler; });
    return handler!;
  }

  test('a valid configuration serves policies end to end', async () => {
    const handler = loadHandler({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: server.jwksUri, JWT_TOKEN_USE: 'access', ROUTE_PERMISSIONS: ROUTES });
    const result = await handler(requestEvent({ Authorization: `Bearer ${token(['user'])}` }));
    expect(statement(result).Resource).toHaveLength(5);
  });

  test.each([
    ['missing JWT_ISSUER', { JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'https://issuer.example.com/jwks', ROUTE_PERMISSIONS: ROUTES }, /JWT_ISSUER is required/],
    ['no route table', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'https://issuer.example.com/jwks', JWT_TOKEN_USE: 'access' }, /ROUTE_PERMISSIONS is not set/],
    ['a route without scopes', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'https://issuer.example.com/jwks', JWT_TOKEN_USE: 'access', ROUTE_PERMISSIONS: '[["GET","/notes",["user"],[]]]' }, /invalid routes\[0\]\.scopes/],
    ['a plain-http JWKS_URI', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'http://issuer.example.com/jwks', ROUTE_PERMISSIONS: ROUTES }, /JWKS_URI must use https/],
    ['HS256 allowed', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'https://issuer.example.com/jwks', JWT_ALGORITHMS: 'HS256', ROUTE_PERMISSIONS: ROUTES }, /HS256/],
    ['a 120 s clock skew', { JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: 'https://issuer.example.com/jwks', JWT_CLOCK_SKEW_SECONDS: '120', ROUTE_PERMISSIONS: ROUTES }, /JWT_CLOCK_SKEW_SECONDS/],
  ])('bad configuration at cold start (%s): one clear log line, then every request is denied', async (_name, env, message) => {
    const errors: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((line: string) => { errors.push(line); });
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const handler = loadHandler(env);
    expect(errors).toHaveLength(1);
    const line = JSON.parse(errors[0]) as { level: string; message: string; error: string };
    expect(line.level).toBe('ERROR');
    expect(line.message).toMatch(/configuration is invalid/);
    expect(line.error).toMatch(message);
    // Even a perfectly valid token is denied.
    await expect(handler(tokenEvent(`Bearer ${token(['admin'])}`))).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(requestEvent({ Authorization: `Bearer ${token(['user'])}` }))).rejects.toThrow(/^Unauthorized$/);
  });

  test('bundles to at most 9 KB gzip, without the AWS SDK, Powertools or a JWT library', () => {
    const out = buildSync({
      entryPoints: [path.join(__dirname, '../../lambda/authorizer/handler.ts')], bundle: true, minify: true, platform: 'node',
      target: 'node22', format: 'cjs', write: false, legalComments: 'none', logLevel: 'silent',
    });
    const code = out.outputFiles[0].contents;
    const gzip = gzipSync(code, { level: 9 }).length;
    expect(gzip).toBeLessThanOrEqual(9 * 1024);
    expect(Buffer.from(code).toString()).not.toMatch(/@aws-sdk|powertools|aws-jwt-verify|jose/i);
    // node:http is loaded only for a loopback http issuer, never at cold start (the JWKS comes over node:https).
    expect(Buffer.from(code).toString()).not.toMatch(/require\("(?:node:)?http"\)/);
  });

  test('fails if the bundle carries the sample notes routes (the table comes only from ROUTE_PERMISSIONS)', () => {
    const out = buildSync({
      entryPoints: [path.join(__dirname, '../../lambda/authorizer/handler.ts')], bundle: true, minify: true, platform: 'node',
      target: 'node22', format: 'cjs', write: false, legalComments: 'none', logLevel: 'silent',
    });
    expect(Buffer.from(out.outputFiles[0].contents).toString()).not.toMatch(/\/notes/);
  });

  test('answers with the table of its environment, not the sample one', async () => {
    // GIVEN another team's API: one route, its own role and scope
    const theirs: RoutePermission[] = [{ method: HttpMethod.GET, path: '/orders/{id}', roles: ['clerk'], scopes: ['orders/read'] }];
    const handler = loadHandler({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: server.jwksUri, JWT_TOKEN_USE: 'access', ROUTE_PERMISSIONS: encodeRoutes(theirs) });
    // WHEN a clerk with that scope calls; THEN the policy allows exactly that route
    const s = statement(await handler(tokenEvent(`Bearer ${token(['clerk'], { scope: 'orders/read' })}`)));
    expect(s).toMatchObject({ Effect: 'Allow', Resource: [`${BASE}/GET/orders/*`] });
    // and a notes user gets nothing there
    expect(statement(await handler(tokenEvent(`Bearer ${token(['user'])}`))).Effect).toBe('Deny');
  });
});

describe('route permissions (lib/contracts/route-permissions.ts, app/lambda/api/routes.ts)', () => {
  test('the notes routes are for user and admin with a notes scope; the public routes need neither and never overlap them', () => {
    expect(ROUTE_PERMISSIONS.map((r) => `${r.method} ${r.path} ${r.scopes?.join(' ')}`)).toEqual([
      `GET /notes ${P}notes.read`, `POST /notes ${P}notes.write`, `GET /notes/{id} ${P}notes.read`, `PUT /notes/{id} ${P}notes.write`, `DELETE /notes/{id} ${P}notes.write`,
    ]);
    for (const r of ROUTE_PERMISSIONS) expect([...(r.roles ?? [])].sort()).toEqual(['admin', 'user']);
    expect(PUBLIC_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'POST /auth/token', 'POST /auth/refresh', 'POST /auth/logout']);
    for (const r of PUBLIC_ROUTES) {
      expect(r.roles).toBeUndefined();
      expect(ROUTE_PERMISSIONS.some((p) => p.method === r.method && p.path === r.path)).toBe(false);
    }
  });

  test('allowedRoutes: nothing for no role, unknown roles or no matching scope; names are exact', () => {
    const scopes = SCOPES.split(' ');
    expect(allowedRoutes([], scopes, ROUTE_PERMISSIONS)).toEqual([]);
    expect(allowedRoutes(['guest', 'USER', 'admin '], scopes, ROUTE_PERMISSIONS)).toEqual([]);
    expect(allowedRoutes(['user'], scopes, ROUTE_PERMISSIONS)).toHaveLength(5);
    expect(allowedRoutes(['user'], [], ROUTE_PERMISSIONS)).toEqual([]);
    expect(allowedRoutes(['user'], ['notes.read', `${P}NOTES.READ`, `${P}notes.read `], ROUTE_PERMISSIONS)).toEqual([]);
  });

  test('arnResourcePath maps path parameters to one wildcard segment', () => {
    expect(arnResourcePath('/notes')).toBe('notes');
    expect(arnResourcePath('/notes/{id}')).toBe('notes/*');
    expect(arnResourcePath('/a/{x}/b/{y}')).toBe('a/*/b/*');
  });

  test('the tables are frozen', () => {
    expect(() => (ROUTE_PERMISSIONS as unknown as unknown[]).push({})).toThrow();
    expect(() => ((ROUTE_PERMISSIONS[0].roles as string[]).push('guest'))).toThrow();
    expect(() => ((ROUTE_PERMISSIONS[0].scopes as string[]).push('x'))).toThrow();
    expect(() => (PUBLIC_ROUTES as unknown as unknown[]).push({})).toThrow();
  });
});
