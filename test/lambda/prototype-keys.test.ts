import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Pool } from 'pg';
import { createAlbHandler } from '../../app/lambda/api/alb';
import { App, createApp } from '../../app/lambda/api/app';
import { migrate } from '../../app/lambda/api/migrations';
import { notesRoutes } from '../../app/lambda/api/routes';
import { JwtVerifier, JwtVerifierConfig } from '../../lambda/shared/jwt';
import { parseJsonSafe, UnsafeJsonKeyError } from '../../lambda/shared/safe-json';
import { createHandler } from '../../app/lambda/session/handler';
import { cognitoAccessClaims, generateTestKey, signJwt, TestKey } from '../helpers/jwt';
import { LoopbackServer, startJwksServer } from '../integration/http';
import { RunningPostgres, startPostgres } from '../integration/postgres';

/**
 * Attacker-chosen names (query keys, header names, cookie names, JSON keys) that are also properties of
 * Object.prototype. A handler that indexes a plain object with them reads or replaces the prototype: `GET
 * /health?__proto__=1` answered 500 on the ALB entry. Every handler must answer these with 4xx or its normal
 * answer, never 5xx. Events are built as the Lambda runtime delivers them: JSON text parsed with JSON.parse,
 * so `__proto__` arrives as an own property.
 */
const PROTOTYPE_NAMES = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
];

/** An object with `name` as an own property, through JSON text as the Lambda runtime parses events. */
const own = <T>(name: string, value: T, rest: Record<string, T> = {}): Record<string, T> =>
  JSON.parse(JSON.stringify(Object.fromEntries([...Object.entries(rest), [name, value]]))) as Record<string, T>;
/** A JSON text with `name` as a key (JSON.stringify keeps an own `__proto__`). */
const jsonWith = (name: string, value: unknown, rest: Record<string, unknown>): string =>
  JSON.stringify(Object.fromEntries([...Object.entries(rest), [name, value]]));
const runtime = <T>(event: T): T => JSON.parse(JSON.stringify(event)) as T;

let pg: RunningPostgres;
let pool: Pool;
let app: App;
let jwks: LoopbackServer & { jwksUri: string };
let key: TestKey;
let config: JwtVerifierConfig;
const CLIENT_ID = 'notes-client';

beforeAll(async () => {
  key = generateTestKey('RS256');
  jwks = await startJwksServer({ keys: [key.jwk] });
  config = {
    issuer: jwks.url, audience: [CLIENT_ID], jwksUri: jwks.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 3600,
    clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  };
  pg = await startPostgres();
  const database = await pg.createDatabase('notes_proto');
  pool = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 2 });
  const client = await pool.connect();
  try { await migrate(client); } finally { client.release(); }
  app = createApp({ pool });
});

afterAll(async () => {
  await pool?.end().catch(() => undefined);
  await pg?.stop();
  await jwks?.close();
});

describe('safe JSON parsing', () => {
  test.each([
    ['a top-level __proto__', '{"__proto__":{"admin":true}}'],
    ['a nested constructor.prototype', '{"a":{"constructor":{"prototype":{"x":1}}}}'],
    ['an escaped __proto__', '{"\\u005f_proto__":1}'],
    ['a key inside an array', '[{"prototype":1}]'],
  ])('fails if the text has %s', (_, text) => {
    expect(() => parseJsonSafe(text)).toThrow(UnsafeJsonKeyError);
  });

  test('ordinary JSON, including these words as values, parses unchanged', () => {
    const text = '{"title":"__proto__","tags":["constructor","prototype"],"body":"\\u00e9"}';
    expect(parseJsonSafe(text)).toEqual(JSON.parse(text));
  });
});

describe('ALB entry: prototype-named keys answer 4xx or the normal answer, never 5xx', () => {
  let alb: (event: ALBEvent) => Promise<ALBResult>;
  let bearer: string;
  beforeAll(() => {
    alb = createAlbHandler({ app, verifier: new JwtVerifier(config), routes: notesRoutes('notes/') });
    bearer = `Bearer ${signJwt(key, cognitoAccessClaims(config.issuer, CLIENT_ID, Math.floor(Date.now() / 1000), { sub: 'proto-alb', scope: 'notes/notes.read notes/notes.write' }))}`;
  });

  function albEvent(r: { method?: string; path?: string; headers?: Record<string, string>; query?: Record<string, string>; body?: string; multi?: boolean }): ALBEvent {
    const headers: Record<string, string> = { 'x-forwarded-proto': 'https', host: 'api.example.com', ...r.headers };
    const base = {
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/notes/abc' } },
      httpMethod: r.method ?? 'GET', path: r.path ?? '/notes', body: r.body ?? null, isBase64Encoded: false,
    };
    return runtime(r.multi
      ? { ...base, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), multiValueQueryStringParameters: Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, [v]])) }
      : { ...base, headers, queryStringParameters: r.query ?? {} });
  }

  describe.each([false, true])('multi-value headers %s', (multi) => {
    test.each(PROTOTYPE_NAMES)('GET /health?%s=1 is 200 without a token', async (name) => {
      const res = await alb(albEvent({ path: '/health', query: own(name, '1'), multi }));
      expect(res.statusCode).toBe(200);
    });

    test.each(PROTOTYPE_NAMES)('URL-encoded GET /health?%s=1 and a repeated key are 200', async (name) => {
      const encoded = encodeURIComponent(name).replace(/_/g, '%5F');
      const res = await alb(albEvent({ path: '/health', query: own(encoded, '1', { [name]: '2' }), multi }));
      expect(res.statusCode).toBe(200);
    });

    test.each(PROTOTYPE_NAMES)('fails if GET /notes?%s=1 is not refused as an unknown query key (400)', async (name) => {
      const res = await alb(albEvent({ query: own(name, '1'), headers: { authorization: bearer }, multi }));
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!).error.code).toBe('validation_failed');
    });

    test.each(PROTOTYPE_NAMES)('a header and a cookie named %s leave the answer unchanged (200, or 401 without a token)', async (name) => {
      const withToken = await alb(albEvent({ headers: own(name, 'x', { authorization: bearer, cookie: `${name}=1` }), multi }));
      expect(withToken.statusCode).toBe(200);
      const withoutToken = await alb(albEvent({ headers: own(name, 'x'), multi }));
      expect(withoutToken.statusCode).toBe(401);
    });

    test.each(PROTOTYPE_NAMES)('a JSON body with the key %s is a 400 and creates nothing', async (name) => {
      const res = await alb(albEvent({
        method: 'POST', headers: { authorization: bearer, 'content-type': 'application/json' },
        body: jsonWith(name, { admin: true }, { title: 'proto', body: 'x' }), multi,
      }));
      expect(res.statusCode).toBe(400);
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM notes WHERE owner = 'proto-alb'");
      expect(rows[0].n).toBe(0);
    });
  });
});

describe('API Gateway app: prototype-named keys answer 4xx or the normal answer, never 5xx', () => {
  const event = (over: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent => runtime({
    httpMethod: 'GET', path: '/notes', resource: '/notes', pathParameters: null, headers: {}, multiValueHeaders: {},
    queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false, stageVariables: null,
    requestContext: { authorizer: { principalId: 'proto-api', roles: 'user' } } as unknown as APIGatewayProxyEvent['requestContext'],
    ...over,
  });

  test.each(PROTOTYPE_NAMES)('GET /health?%s=1 is 200', async (name) => {
    const res = await app(event({ path: '/health', resource: '/health', queryStringParameters: own(name, '1'), multiValueQueryStringParameters: own(name, ['1']) }));
    expect(res.statusCode).toBe(200);
  });

  test.each(PROTOTYPE_NAMES)('fails if GET /notes?%s=1 is not refused as an unknown query key (400)', async (name) => {
    const res = await app(event({ queryStringParameters: own(name, '1'), multiValueQueryStringParameters: own(name, ['1']) }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.details).toEqual({ field: '/', rule: 'additionalProperties' });
  });

  test.each(PROTOTYPE_NAMES)('a header and a cookie named %s leave GET /notes at 200', async (name) => {
    const res = await app(event({ headers: own(name, 'x', { Cookie: `${name}=1` }), multiValueHeaders: own(name, ['x'], { Cookie: [`${name}=1`] }) }));
    expect(res.statusCode).toBe(200);
  });

  test.each(PROTOTYPE_NAMES)('a JSON body with the key %s (top level or nested) is a 400', async (name) => {
    const headers = { 'Content-Type': 'application/json' };
    const top = await app(event({ httpMethod: 'POST', headers, body: jsonWith(name, { admin: true }, { title: 'proto', body: 'x' }) }));
    expect(top.statusCode).toBe(400);
    const nested = await app(event({ httpMethod: 'POST', headers, body: JSON.stringify({ title: 'proto', body: 'x', tags: [JSON.parse(jsonWith(name, 1, {}))] }) }));
    expect(nested.statusCode).toBe(400);
  });

  test('fails if a __proto__ body key is accepted: refused by name, before the schema runs', async () => {
    const res = await app(event({ httpMethod: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"title":"t","body":"b","\\u005f_proto__":{"x":1}}' }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error.details).toEqual({ field: '/', rule: 'key' });
  });
});

describe('session endpoints: prototype-named keys answer 4xx or the normal answer, never 5xx', () => {
  const ORIGIN = 'https://app.example.com';
  // The issuer is never reached by these requests (no cookie, or refused before the exchange).
  const handler = createHandler({
    TOKEN_ENDPOINT: 'http://127.0.0.1:9/oauth2/token', REVOCATION_ENDPOINT: 'http://127.0.0.1:9/oauth2/revoke', CLIENT_ID: 'spa',
    REDIRECT_URI: `${ORIGIN}/callback`, ALLOWED_ORIGINS: ORIGIN,
  }, { logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  const browserHeaders = { Origin: ORIGIN, 'X-Requested-With': 'fetch', 'Content-Type': 'application/json' };
  const event = (over: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent => runtime({
    httpMethod: 'POST', path: '/auth/refresh', resource: '/auth/refresh', pathParameters: null, headers: browserHeaders, multiValueHeaders: {},
    queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false, stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
    ...over,
  });
  const code = (res: APIGatewayProxyResult) => [res.statusCode, JSON.parse(res.body).error?.message];

  test.each(PROTOTYPE_NAMES)('a header named %s leaves the answer unchanged (401 no session; 403 without Origin)', async (name) => {
    expect(code(await handler(event({ headers: own(name, 'x', browserHeaders), multiValueHeaders: own(name, ['x']) })))).toEqual([401, 'No session']);
    expect((await handler(event({ headers: own(name, 'x') }))).statusCode).toBe(403);
  });

  test.each(PROTOTYPE_NAMES)('a cookie and a query key named %s leave the answer unchanged (401 no session)', async (name) => {
    const res = await handler(event({ headers: { ...browserHeaders, Cookie: `${name}=1; constructor=2` }, queryStringParameters: own(name, '1') }));
    expect(code(res)).toEqual([401, 'No session']);
  });

  test.each(PROTOTYPE_NAMES)('a /auth/token body with the key %s is a 400', async (name) => {
    const body = jsonWith(name, { x: 1 }, { code: 'abcdefgh-1234', code_verifier: 'v'.repeat(43) });
    const res = await handler(event({ path: '/auth/token', resource: '/auth/token', body }));
    expect(res.statusCode).toBe(400);
  });
});

describe('source scan: no attacker-chosen key indexes a plain object literal in lambda/', () => {
  const ROOT = join(__dirname, '..', '..');
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);

  /** Variables initialised with `{}` whose keys are then written with a computed (non-literal) key. */
  function findings(source: string): string[] {
    const plain = [...source.matchAll(/\b(?:const|let|var)\s+(\w+)\s*(?::[^=;]+)?=\s*\{\s*\}/g)].map((m) => m[1]);
    return plain.flatMap((name) =>
      [...source.matchAll(new RegExp(`\\b${name}\\[(?!\\s*['"\`\\d])[^\\]]+\\]\\s*(?:\\?\\?=|\\|\\|=|=(?!=))`, 'g'))].map((m) => m[0]));
  }

  test('the scanner flags the pattern that crashed the ALB entry', () => {
    expect(findings('const multiQuery: Record<string, string[]> = {};\n(multiQuery[decode(k)] ??= []).push(v);')).toHaveLength(1);
    expect(findings('const headers: Record<string, string> = {};\nheaders[name.toLowerCase()] = value;')).toHaveLength(1);
    expect(findings("const h = {};\nh['fixed'] = 1; const d = dictionary(); d[k] = 1;")).toHaveLength(0);
  });

  test('fails if any handler source writes a computed key into a `{}` literal', () => {
    const found = files(join(ROOT, 'lambda')).flatMap((f) => findings(readFileSync(f, 'utf8')).map((m) => `${relative(ROOT, f)}: ${m}`));
    expect(found).toEqual([]);
  });
});
