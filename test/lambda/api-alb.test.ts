import type { ALBEvent, ALBResult, APIGatewayProxyEvent } from 'aws-lambda';
import { Pool } from 'pg';
import { App, createApp } from '../../app/lambda/api/app';
import { createAlbHandler } from '../../app/lambda/api/alb';
import { notesRoutes } from '../../app/lambda/api/routes';
import { encodeRoutes, HttpMethod } from '../../lib/contracts/route-permissions';
import { migrate } from '../../app/lambda/api/migrations';
import { JwtVerifier, JwtVerifierConfig } from '../../lambda/shared/jwt';
import { cognitoAccessClaims, generateTestKey, signJwt, TestKey } from '../helpers/jwt';
import { LoopbackServer, startJwksServer } from '../integration/http';
import { RunningPostgres, startPostgres } from '../integration/postgres';

/**
 * The ALB entry with real RS256 tokens signed by a key generated here, the
 * issuer's JWKS served on 127.0.0.1, and a real PostgreSQL behind the app.
 */
let pg: RunningPostgres;
let pool: Pool;
let jwks: LoopbackServer & { jwksUri: string; setKeys(keys: { keys: object[] }): void };
let key: TestKey;
let config: JwtVerifierConfig;
let alb: (event: ALBEvent) => Promise<ALBResult>;
const seenByApp: APIGatewayProxyEvent[] = [];
const logged: unknown[] = [];
const CLIENT_ID = 'notes-client';
const P = 'https://api.example.test/';
const ROUTES = notesRoutes(P);
const SCOPES = `openid ${P}notes.read ${P}notes.write`;

const now = () => Math.floor(Date.now() / 1000);
const token = (overrides: Record<string, unknown> = {}, signWith: TestKey = key, header: object = {}) =>
  signJwt(signWith, cognitoAccessClaims(config.issuer, CLIENT_ID, now(), { scope: SCOPES, ...overrides }), header);

function albEvent(r: { method?: string; path?: string; auth?: string | string[]; body?: unknown; query?: Record<string, string>; multi?: boolean }): ALBEvent {
  const headers: Record<string, string[]> = { 'x-forwarded-proto': ['https'], host: ['api.example.com'] };
  if (r.auth !== undefined) headers.authorization = Array.isArray(r.auth) ? r.auth : [r.auth];
  if (r.body !== undefined) headers['content-type'] = ['application/json'];
  const base = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/notes/abc' } },
    httpMethod: r.method ?? 'GET',
    path: r.path ?? '/notes',
    body: r.body !== undefined ? JSON.stringify(r.body) : null,
    isBase64Encoded: false,
  };
  if (r.multi) {
    return { ...base, multiValueHeaders: headers, multiValueQueryStringParameters: Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, [v]])) };
  }
  return { ...base, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v[0]])), queryStringParameters: r.query ?? {} };
}

async function send(r: Parameters<typeof albEvent>[0], using = alb): Promise<ALBResult & { json: any }> {
  const res = await using(albEvent(r));
  return Object.assign(res, { json: res.body ? JSON.parse(res.body) : undefined });
}

beforeAll(async () => {
  key = generateTestKey('RS256');
  jwks = await startJwksServer({ keys: [key.jwk] });
  config = {
    issuer: jwks.url, audience: [CLIENT_ID], jwksUri: jwks.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 3600,
    clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  };
  pg = await startPostgres();
  const database = await pg.createDatabase('notes_alb');
  pool = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 2 });
  const client = await pool.connect();
  try { await migrate(client); } finally { client.release(); }
  const app: App = createApp({ pool });
  const spyApp: App = async (e) => { seenByApp.push(e); return app(e); };
  const logger = { warn: (m: string, ...x: unknown[]) => logged.push([m, ...x]), error: (m: string, ...x: unknown[]) => logged.push([m, ...x]) };
  alb = createAlbHandler({ app: spyApp, verifier: new JwtVerifier(config), routes: ROUTES, logger });
});

afterAll(async () => {
  await pool?.end().catch(() => undefined);
  await pg?.stop();
  await jwks?.close();
});

describe('ALB entry: verified identity', () => {
  test('GET /health is public (the target group health check has no token)', async () => {
    const res = await send({ path: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.statusDescription).toBe('200 OK');
    expect(res.isBase64Encoded).toBe(false);
    expect(res.headers).toMatchObject({ 'Strict-Transport-Security': expect.any(String), 'Cache-Control': 'no-store' });
  });

  test('a valid token reaches the app as the caller: create, read, list with a URL-encoded query', async () => {
    const sub = 'a3f1c2d4-0000-4000-8000-000000000001';
    const t = token({ sub });
    const created = await send({ method: 'POST', auth: `Bearer ${t}`, body: { title: 'via alb', body: 'x' } });
    expect(created.statusCode).toBe(201);
    const { rows } = await pool.query('SELECT owner FROM notes WHERE id = $1', [created.json.id]);
    expect(rows[0].owner).toBe(sub);
    expect((await send({ path: `/notes/${created.json.id}`, auth: `bearer ${t}` })).json.title).toBe('via alb');
    const listed = await send({ auth: `Bearer ${t}`, query: { limit: '1' } });
    expect(listed.json.items).toHaveLength(1);
    // The ALB passes query values URL-encoded; the entry decodes them (a cursor may carry '-' and '_', an encoded one '%2D').
    const encoded = await send({ auth: `Bearer ${t}`, query: { limit: '%31' } });
    expect(encoded.statusCode).toBe(200);
  });

  test('the token is not forwarded to the app', async () => {
    seenByApp.length = 0;
    await send({ auth: `Bearer ${token()}` });
    expect(seenByApp).toHaveLength(1);
    expect(JSON.stringify(seenByApp[0])).not.toMatch(/authorization|Bearer/i);
    expect(seenByApp[0].requestContext.authorizer).toEqual({ principalId: expect.any(String), sub: expect.any(String), roles: 'user', tokenFamily: expect.stringMatching(/^oj:/) });
  });

  test('another user\'s token cannot read the note (404)', async () => {
    const owner = token({ sub: 'owner-1' });
    const created = await send({ method: 'POST', auth: `Bearer ${owner}`, body: { title: 'mine', body: '' } });
    const res = await send({ path: `/notes/${created.json.id}`, auth: `Bearer ${token({ sub: 'intruder-1' })}` });
    expect(res.statusCode).toBe(404);
  });

  test('the admin group from the token may delete any note', async () => {
    const created = await send({ method: 'POST', auth: `Bearer ${token({ sub: 'owner-2' })}`, body: { title: 'x', body: '' } });
    const res = await send({ method: 'DELETE', path: `/notes/${created.json.id}`, auth: `Bearer ${token({ sub: 'mod-1', 'cognito:groups': ['admin'] })}` });
    expect(res.statusCode).toBe(204);
  });

  test('fails if a group name smuggles a role with a comma (no privilege escalation)', async () => {
    const created = await send({ method: 'POST', auth: `Bearer ${token({ sub: 'owner-3' })}`, body: { title: 'x', body: '' } });
    const res = await send({ method: 'DELETE', path: `/notes/${created.json.id}`, auth: `Bearer ${token({ sub: 'evil', 'cognito:groups': ['user,admin'] })}` });
    expect(res.statusCode).toBe(403);
    const still = await send({ path: `/notes/${created.json.id}`, auth: `Bearer ${token({ sub: 'owner-3' })}` });
    expect(still.statusCode).toBe(200);
  });

  test('multi-value header mode is answered in multi-value mode', async () => {
    const res = await send({ auth: `Bearer ${token()}`, multi: true, query: { limit: '2' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toBeUndefined();
    expect(res.multiValueHeaders?.['Strict-Transport-Security']).toEqual([expect.any(String)]);
  });
});

describe('ALB entry: rejected tokens (401 JSON, nothing reaches the app)', () => {
  const other = generateTestKey('RS256');
  const cases: Array<[string, () => Parameters<typeof albEvent>[0]]> = [
    ['no Authorization header', () => ({})],
    ['an empty bearer', () => ({ auth: 'Bearer ' })],
    ['the Basic scheme', () => ({ auth: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['two Authorization headers', () => ({ auth: [`Bearer ${token()}`, `Bearer ${token()}`], multi: true })],
    ['an oversized header', () => ({ auth: `Bearer ${'a'.repeat(9000)}` })],
    ['garbage', () => ({ auth: 'Bearer not.a.jwt' })],
    ['an expired token', () => ({ auth: `Bearer ${token({ exp: now() - 3600, iat: now() - 4000 })}` })],
    ['a token from another issuer', () => ({ auth: `Bearer ${token({ iss: 'http://127.0.0.1:1/evil' })}` })],
    ['a token for another client', () => ({ auth: `Bearer ${token({ client_id: 'someone-else' })}` })],
    ['an ID token where access tokens are required', () => ({ auth: `Bearer ${token({ token_use: 'id' })}` })],
    ['a signature by an unknown key with a known kid', () => ({ auth: `Bearer ${token({}, other, { kid: key.kid })}` })],
    ['a signature by an unknown key', () => ({ auth: `Bearer ${token({}, other)}` })],
    ['alg none', () => {
      const t = token();
      const [, payload] = t.split('.');
      return { auth: `Bearer ${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: key.kid })).toString('base64url')}.${payload}.` };
    }],
    ['a tampered payload', () => {
      const [h, , s] = token({ sub: 'victim' }).split('.');
      const forged = Buffer.from(JSON.stringify(cognitoAccessClaims(config.issuer, CLIENT_ID, now(), { sub: 'attacker', 'cognito:groups': ['admin'] }))).toString('base64url');
      return { auth: `Bearer ${h}.${forged}.${s}` };
    }],
  ];

  test.each(cases)('fails with %s', async (_name, make) => {
    seenByApp.length = 0;
    logged.length = 0;
    const req = make();
    const res = await send({ ...req, method: 'POST', body: { title: 't', body: 'b' } });
    expect(res.statusCode).toBe(401);
    expect(res.statusDescription).toBe('401 Unauthorized');
    expect(res.json).toEqual({ error: { code: 'unauthorized', message: 'Authentication required' } });
    const headers = res.headers ?? Object.fromEntries(Object.entries(res.multiValueHeaders ?? {}).map(([k, v]) => [k, v[0]]));
    expect(headers['WWW-Authenticate']).toMatch(/^Bearer realm="notes"/);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(seenByApp).toHaveLength(0);
    // Neither the response nor the logs carry the token.
    const auth = [req.auth ?? []].flat().join(' ').replace(/^\w+ /, '');
    if (auth.length > 20) {
      expect(res.body).not.toContain(auth.slice(0, 40));
      expect(JSON.stringify(logged)).not.toContain(auth.slice(0, 40));
    }
  });

  test('a token in the query string is not accepted', async () => {
    const res = await send({ query: { access_token: token() } });
    expect(res.statusCode).toBe(401);
  });

  test('fails if the query string is not valid percent-encoding (400)', async () => {
    const res = await send({ auth: `Bearer ${token()}`, query: { limit: '%E0%A4%A' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('ALB entry: the issuer unavailable', () => {
  test('an unreachable JWKS is a 503 with Retry-After, not a 401', async () => {
    const down = await startJwksServer({ keys: [] });
    down.fail(503);
    try {
      const handler = createAlbHandler({ app: createApp({ pool }), verifier: new JwtVerifier({ ...config, jwksUri: down.jwksUri }), routes: ROUTES });
      const res = await send({ auth: `Bearer ${token()}` }, handler);
      expect(res.statusCode).toBe(503);
      expect(res.headers?.['Retry-After']).toBe('5');
    } finally {
      await down.close();
    }
  });
});

describe('ALB entry: the route table (roles and scopes), as the authorizer decides', () => {
  test('fails if a token carrying only aws.cognito.signin.user.admin (the SRP flow) reaches a notes route', async () => {
    // GIVEN a user and an admin whose tokens have the roles but none of the notes scopes
    for (const groups of [['user'], ['admin']]) {
      const t = token({ 'cognito:groups': groups, scope: 'aws.cognito.signin.user.admin' });
      // THEN no read, write or delete: 403 before the app sees the request
      seenByApp.length = 0;
      expect((await send({ auth: `Bearer ${t}` })).statusCode).toBe(403);
      expect((await send({ method: 'POST', auth: `Bearer ${t}`, body: { title: 'x', body: '' } })).statusCode).toBe(403);
      expect((await send({ method: 'DELETE', path: '/notes/7b0c6a4e-0000-4000-8000-000000000001', auth: `Bearer ${t}` })).statusCode).toBe(403);
      expect(seenByApp).toHaveLength(0);
    }
  });

  test('the read scope alone reads but cannot write', async () => {
    const t = token({ scope: `openid ${P}notes.read` });
    expect((await send({ auth: `Bearer ${t}` })).statusCode).toBe(200);
    expect((await send({ method: 'POST', auth: `Bearer ${t}`, body: { title: 'x', body: '' } })).statusCode).toBe(403);
  });

  test.each([
    ['no scope claim', { scope: undefined }],
    ['scope names without the resource server', { scope: 'notes.read notes.write' }],
    ['a role the table does not allow', { 'cognito:groups': ['guest'] }],
  ])('fails if a token with %s reaches a notes route (403)', async (_name, overrides) => {
    expect((await send({ auth: `Bearer ${token(overrides)}` })).statusCode).toBe(403);
  });

  test('a path outside the table is 404 and a method the path does not have is 405, whatever the token', async () => {
    expect((await send({ path: '/admin', auth: `Bearer ${token()}` })).statusCode).toBe(404);
    const res = await send({ method: 'PATCH', path: '/notes', auth: `Bearer ${token()}` });
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toBe('GET, POST');
  });

  test('another table: the entry serves exactly its routes', async () => {
    const only = createAlbHandler({ app: createApp({ pool }), verifier: new JwtVerifier(config), routes: [{ method: HttpMethod.GET, path: '/notes', roles: ['user'], scopes: [`${P}notes.read`] }] });
    expect((await send({ auth: `Bearer ${token()}` }, only)).statusCode).toBe(200);
    expect((await send({ method: 'POST', auth: `Bearer ${token()}`, body: { title: 'x', body: '' } }, only)).statusCode).toBe(405);
  });
});

describe('ALB entry: the Lambda export', () => {
  test('reads the JWT_* variables and serves health and 401 without a database', async () => {
    Object.assign(process.env, {
      JWT_ISSUER: config.issuer, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: config.jwksUri, JWT_ALGORITHMS: 'RS256', JWT_TOKEN_USE: 'access',
      JWT_ROLES_CLAIM: 'cognito:groups', ROUTE_PERMISSIONS: encodeRoutes(ROUTES), DB_HOST: '127.0.0.1', DB_PORT: '1', DB_NAME: 'x', DB_USER: 'app_user', AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', POWERTOOLS_METRICS_NAMESPACE: 'Test',
    });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const { handler } = require('../../app/lambda/api/alb') as typeof import('../../app/lambda/api/alb');
      expect((await handler(albEvent({ path: '/health' }))).statusCode).toBe(200);
      const res = await handler(albEvent({ auth: 'Bearer nope' }));
      expect(res.statusCode).toBe(401);
    } finally {
      process.stdout.write = write;
    }
  });
});
