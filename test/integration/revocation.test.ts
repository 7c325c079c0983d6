/**
 * Logout ends API access, on real parts: a real redis-server (the shared cache), a real PostgreSQL behind the
 * notes app, tokens signed with a key generated here and verified against a JWKS on 127.0.0.1, and the session
 * handler revoking the refresh token at a real OAuth 2.0 server (npm oauth2-mock-server). Both API entries are
 * exercised: the ALB entry (verifies the token itself) and the API Gateway entry (the handler behind the
 * authorizer, fed the authorizer's real context, replayed as API Gateway does while the answer is cached).
 */
import type { ALBEvent, ALBResult, APIGatewayProxyEvent } from 'aws-lambda';
import { Pool } from 'pg';
import { buildPolicy, parseMethodArn } from '../../lambda/authorizer/authorizer';
import { createAlbHandler } from '../../app/lambda/api/alb';
import { App, createApp } from '../../app/lambda/api/app';
import { migrate } from '../../app/lambda/api/migrations';
import { notesRoutes } from '../../app/lambda/api/routes';
import { REFRESH_COOKIE_NAME } from '../../app/lambda/session/config';
import { createHandler } from '../../app/lambda/session/handler';
import { JwtVerifier, JwtVerifierConfig } from '../../lambda/shared/jwt';
import { createRedisRateLimitStore, RedisRateLimitStore, revocationStoreOf } from '../../lambda/shared/rate-limit/redis-store';
import { createAccessRevoker, RevocationList } from '../../lambda/shared/revocation';
import { cognitoAccessClaims, generateTestKey, signJwt, TestKey } from '../helpers/jwt';
import { MockOAuthServer, startMockOAuthServer } from '../lambda/oauth2-mock';
import { LoopbackServer, startJwksServer } from './http';
import { RunningPostgres, startPostgres } from './postgres';
import { RunningRedis, startRedis } from './redis';

const CLIENT_ID = 'notes-client';
const ORIGIN = 'https://app.example.com';
const P = 'https://api.example.test/';
const ROUTES = notesRoutes(P);
const SCOPE = `openid ${P}notes.read ${P}notes.write`;
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/notes';

class CountingMetrics {
  public readonly counts: Record<string, number> = {};
  addMetric(name: string, _unit: 'Count', value: number): void { this.counts[name] = (this.counts[name] ?? 0) + value; }
}

let redis: RunningRedis;
let store: RedisRateLimitStore;
let pg: RunningPostgres;
let pool: Pool;
let jwks: LoopbackServer & { jwksUri: string };
let issuer: MockOAuthServer;
let key: TestKey;
let config: JwtVerifierConfig;
let verifier: JwtVerifier;
let revocations: RevocationList;
let app: App;
let alb: (event: ALBEvent) => Promise<ALBResult>;

beforeAll(async () => {
  [redis, pg, issuer] = await Promise.all([startRedis(), startPostgres(), startMockOAuthServer()]);
  key = generateTestKey('RS256');
  jwks = await startJwksServer({ keys: [key.jwk] });
  config = {
    issuer: jwks.url, audience: [CLIENT_ID], jwksUri: jwks.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 900,
    clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  };
  verifier = new JwtVerifier(config);
  store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
  revocations = new RevocationList(revocationStoreOf(store.client), { timeoutMs: 200 });
  const database = await pg.createDatabase('notes_revocation');
  pool = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 4 });
  const client = await pool.connect();
  try { await migrate(client); } finally { client.release(); }
  app = createApp({ pool, revocations });
  alb = createAlbHandler({ app, verifier, routes: ROUTES });
}, 60_000);

afterAll(async () => {
  store?.client.disconnect();
  await pool?.end().catch(() => undefined);
  await Promise.all([redis?.stop(), pg?.stop(), issuer?.stop(), jwks?.close()]);
});

afterEach(async () => { await issuer.reset(); });

const now = (): number => Math.floor(Date.now() / 1000);
/** A Cognito-shaped access token; tokens with the same origin_jti belong to one sign-in (one refresh token). */
const token = (overrides: Record<string, unknown> = {}): string => signJwt(key, cognitoAccessClaims(config.issuer, CLIENT_ID, now(), { scope: SCOPE, ...overrides }));

function albEvent(t: string, method = 'GET', path = '/notes', body?: unknown): ALBEvent {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/notes/abc' } },
    httpMethod: method, path, headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    queryStringParameters: {}, body: body === undefined ? null : JSON.stringify(body), isBase64Encoded: false,
  };
}

/** The authorizer's context for a token (what API Gateway then caches and replays for up to 5 minutes). */
async function authorizerContext(t: string): Promise<Record<string, unknown>> {
  const result = buildPolicy(parseMethodArn(METHOD_ARN)!, await verifier.verify(t), ROUTES);
  expect(result.policyDocument.Statement[0].Effect).toBe('Allow');
  return { principalId: result.principalId, ...result.context };
}

/** The API Gateway entry's event for a (cached) authorizer context. */
function gatewayEvent(authorizer: Record<string, unknown>, method = 'GET'): APIGatewayProxyEvent {
  return {
    httpMethod: method, resource: '/notes', path: '/notes', headers: {}, multiValueHeaders: {}, body: null, isBase64Encoded: false,
    queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
    requestContext: { authorizer } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** The session handler with logout wired to the revocation list. */
function sessionHandler(revoker = createAccessRevoker({ verifier, revocations })) {
  return createHandler({
    TOKEN_ENDPOINT: issuer.tokenEndpoint, REVOCATION_ENDPOINT: issuer.revocationEndpoint, CLIENT_ID, REDIRECT_URI: `${ORIGIN}/callback`,
    ALLOWED_ORIGINS: ORIGIN, UPSTREAM_TIMEOUT_MS: '1000',
  }, { revokeAccess: revoker, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
}

function logoutEvent(accessToken: string | undefined, cookie?: string): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST', resource: '/auth/logout', path: '/auth/logout', body: null, isBase64Encoded: false, multiValueHeaders: {},
    headers: {
      Origin: ORIGIN, 'X-Requested-With': 'fetch', 'Sec-Fetch-Site': 'same-site',
      ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}), ...(cookie ? { Cookie: `${REFRESH_COOKIE_NAME}=${cookie}` } : {}),
    },
    queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

const revKeys = async (): Promise<string[]> => (await store.client.keys('rl:v1:rev:*')).sort();

describe('logout ends API access', () => {
  test('fails if a token keeps working after logout: ALB entry, and API Gateway entry with the authorizer answer cached', async () => {
    // GIVEN a signed-in user with two access tokens of one sign-in (the second minted by a refresh) and a second, separate sign-in
    const family = `fam-${Date.now()}`;
    const first = token({ sub: 'user-logout-1', origin_jti: family });
    const refreshed = token({ sub: 'user-logout-1', origin_jti: family, jti: 'second' });
    const otherSession = token({ sub: 'user-logout-1' });
    const cached = await authorizerContext(first);
    expect((await alb(albEvent(first))).statusCode).toBe(200);
    expect((await app(gatewayEvent(cached))).statusCode).toBe(200);

    // WHEN the user signs out, presenting the access token and the refresh cookie
    const seen = issuer.events.length;
    const res = await sessionHandler()(logoutEvent(first, 'refresh-token-1'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ complete: true, refreshToken: 'revoked', accessTokens: 'sign_in' });
    await issuer.flush();
    expect(issuer.events.slice(seen).filter((e) => e.event === 'revoke')).toHaveLength(1);

    // THEN every token of that sign-in is refused at both entries, although the authorizer answer is still cached
    for (const t of [first, refreshed]) {
      const r = await alb(albEvent(t));
      expect(r.statusCode).toBe(401);
      expect(r.headers?.['WWW-Authenticate']).toMatch(/error="invalid_token"/);
    }
    expect((await app(gatewayEvent(cached))).statusCode).toBe(401);
    expect((await app(gatewayEvent(await authorizerContext(refreshed), 'POST'))).statusCode).toBe(401);
    // and the user's other sign-in is untouched
    expect((await alb(albEvent(otherSession))).statusCode).toBe(200);
  });

  test('the record lives as long as any token of the family can be accepted (max token age + skew), under the limiter\'s prefix', async () => {
    const family = `ttl-${Date.now()}`;
    const res = await sessionHandler()(logoutEvent(token({ origin_jti: family })));
    expect(res.statusCode).toBe(200);
    const recorded = `rl:v1:rev:oj:${family}`;
    expect(await revKeys()).toContain(recorded);
    const ttl = await store.client.ttl(recorded);
    expect(ttl).toBeGreaterThan(900 + 30 - 5);
    expect(ttl).toBeLessThanOrEqual(900 + 30);
  });

  test('fails if a forged or foreign token can revoke a session (nothing recorded; the logout itself still completes)', async () => {
    const before = await revKeys();
    const forged = signJwt(generateTestKey('RS256', key.kid), cognitoAccessClaims(config.issuer, CLIENT_ID, now(), { origin_jti: 'victim-family' }));
    for (const t of [forged, token({ client_id: 'other-client', origin_jti: 'victim-family' })]) {
      const res = await sessionHandler()(logoutEvent(t));
      expect([res.statusCode, JSON.parse(res.body)]).toEqual([200, { complete: false, refreshToken: 'none', accessTokens: 'none', reason: 'token_invalid' }]);
    }
    expect(await revKeys()).toEqual(before);
  });

  describe('the answer says what logout ended, for each issuer shape', () => {
    /** Two access tokens of one session (the second minted later), as an issuer of the given shape writes them. */
    const shapes: [string, Record<string, unknown>, Record<string, unknown>, { accessTokens: string; complete: boolean; reason?: string }, boolean][] = [
      // name, claims of both tokens, claims of the sibling only, the answer, whether the sibling is refused afterwards
      ['Cognito (origin_jti)', { origin_jti: 'fam' }, { jti: 'sibling' }, { accessTokens: 'sign_in', complete: true }, true],
      ['OIDC session id (sid)', { origin_jti: undefined, sid: 'sess' }, { jti: 'sibling' }, { accessTokens: 'session', complete: true }, true],
      ['jti only', { origin_jti: undefined }, {}, { accessTokens: 'this_token', complete: false }, false],
      ['none of origin_jti, sid, jti', { origin_jti: undefined, jti: undefined }, {}, { accessTokens: 'none', complete: false, reason: 'no_family' }, false],
    ];
    test.each(shapes)('fails if the answer does not tell a client what logout ended: %s', async (_name, claims, siblingOnly, answer, siblingRefused) => {
      const tag = `${Date.now()}-${Math.random()}`;
      const unique = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, v === undefined ? undefined : `${String(v)}-${tag}`]));
      const presented = token({ sub: `user-shape-${tag}`, ...unique });
      const sibling = token({ sub: `user-shape-${tag}`, ...unique, ...siblingOnly });
      // WHEN the user signs out with one of them
      const res = await sessionHandler()(logoutEvent(presented, 'refresh-token-shape'));
      // THEN the answer says which access tokens the API now refuses, and whether that is all of the sign-in's
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ refreshToken: 'revoked', ...answer });
      // AND that is what the API does: the presented token is refused only when something was recorded; the sibling as the answer says
      expect((await alb(albEvent(presented))).statusCode).toBe(answer.accessTokens === 'none' ? 200 : 401);
      expect((await alb(albEvent(sibling))).statusCode).toBe(siblingRefused ? 401 : 200);
    });

    test('no access token sent: the refresh token is revoked, the API is told nothing', async () => {
      const res = await sessionHandler()(logoutEvent(undefined, 'refresh-token-nobearer'));
      expect([res.statusCode, JSON.parse(res.body)]).toEqual([200, { complete: false, refreshToken: 'revoked', accessTokens: 'none', reason: 'no_access_token' }]);
    });
  });

  test('the CORS preflight lets the app send its access token to logout', async () => {
    const res = await sessionHandler()({ ...logoutEvent(undefined), httpMethod: 'OPTIONS' });
    expect(res.headers?.['Access-Control-Allow-Headers']).toMatch(/Authorization/);
  });
});

describe('the window that remains', () => {
  test('a request that passed the check before the logout completes; the next one is refused', async () => {
    // GIVEN a note, and a row lock that holds an update after it passed the revocation check
    const family = `window-${Date.now()}`;
    const t = token({ sub: 'user-window-1', origin_jti: family });
    const created = await alb(albEvent(t, 'POST', '/notes', { title: 'before', body: '' }));
    const id = JSON.parse(created.body!).id as string;
    const locker = await pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM notes WHERE id = $1 FOR UPDATE', [id]);
      const inFlight = alb(albEvent(t, 'PUT', `/notes/${id}`, { title: 'in flight' }));
      await new Promise((r) => setTimeout(r, 200)); // the update is now waiting for the row, past every check
      // WHEN the user signs out meanwhile
      expect((await sessionHandler()(logoutEvent(t))).statusCode).toBe(200);
      // THEN a new request is refused at once
      expect((await alb(albEvent(t, 'GET', `/notes/${id}`))).statusCode).toBe(401);
      await locker.query('COMMIT');
      // while the one in flight completes: the window is requests already past the check when the record lands
      expect((await inFlight).statusCode).toBe(200);
    } finally {
      locker.release();
    }
  });

  test('when the record expires, every token of the family is already too old for the verifier', async () => {
    // GIVEN a verifier with a 2-second maximum age and no skew, and its logout
    const shortConfig = { ...config, maxTokenAgeSeconds: 2, clockSkewSeconds: 0 };
    const shortVerifier = new JwtVerifier(shortConfig);
    const shortAlb = createAlbHandler({ app, verifier: shortVerifier, routes: ROUTES });
    const family = `expiry-${Date.now()}`;
    const t = signJwt(key, cognitoAccessClaims(config.issuer, CLIENT_ID, now(), { scope: SCOPE, origin_jti: family, iat: now() }));
    const res = await sessionHandler(createAccessRevoker({ verifier: shortVerifier, revocations }))(logoutEvent(t));
    expect(res.statusCode).toBe(200);
    expect(await store.client.ttl(`rl:v1:rev:oj:${family}`)).toBeLessThanOrEqual(2);
    // WHEN the record has expired
    await new Promise((r) => setTimeout(r, 3100));
    expect(await store.client.exists(`rl:v1:rev:oj:${family}`)).toBe(0);
    // THEN the token is refused anyway (too old): no gap between the record and the age limit
    await expect(shortVerifier.verify(t)).rejects.toMatchObject({ reason: 'token_too_old' });
    expect((await shortAlb(albEvent(t))).statusCode).toBe(401);
  });
});

describe('the cache unreachable', () => {
  test('logout fails closed (503, nothing changed, the retry does it all); checks: writes fail closed, reads fail open', async () => {
    // GIVEN a revocation list on its own server, warmed up, and that server stopped
    const own = await startRedis();
    const s = await createRedisRateLimitStore({ host: own.host, port: own.port, tls: false });
    const metrics = new CountingMetrics();
    const list = new RevocationList(revocationStoreOf(s.client), { metrics });
    try {
      expect(await list.isRevoked('warm-up')).toBe(false);
      await own.stop();
      await new Promise((r) => setTimeout(r, 50));
      const downApp = createApp({ pool, revocations: list });
      const downAlb = createAlbHandler({ app: downApp, verifier, routes: ROUTES });
      const t = token({ sub: 'user-outage-1' });

      // WHEN the user signs out: 503 with Retry-After, the cookie kept and the refresh token not revoked
      const seen = issuer.events.length;
      const res = await sessionHandler(createAccessRevoker({ verifier, revocations: list }))(logoutEvent(t, 'refresh-token-2'));
      expect(res.statusCode).toBe(503);
      expect(res.headers?.['Retry-After']).toBe('1');
      expect(res.headers?.['Set-Cookie']).toBeUndefined();
      await issuer.flush();
      expect(issuer.events.slice(seen).filter((e) => e.event === 'revoke')).toHaveLength(0);

      // AND requests: a write is refused (503), a read is served (the trade-off: availability of reads during an outage)
      const write = await downAlb(albEvent(t, 'POST', '/notes', { title: 'x', body: '' }));
      expect(write.statusCode).toBe(503);
      const started = Date.now();
      expect((await downAlb(albEvent(t))).statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      expect(metrics.counts).toMatchObject({ RevocationCheckUnavailable: 2, RevocationCheckFailClosed: 1, RevocationCheckFailOpen: 1 });
    } finally {
      s.client.disconnect();
      await own.stop();
    }
  });

  test('failure modes are configurable per route class (reads can fail closed too)', async () => {
    const s = await createRedisRateLimitStore({ host: '127.0.0.1', port: 1, tls: false, connectTimeoutMs: 100 });
    try {
      const list = new RevocationList(revocationStoreOf(s.client), { onFailure: { read: 'closed', write: 'closed' } });
      await expect(list.check('any', 'read')).rejects.toMatchObject({ statusCode: 503 });
      const lenient = new RevocationList(revocationStoreOf(s.client));
      await expect(lenient.check('any', 'read')).resolves.toBeUndefined();
      await expect(lenient.check('any', 'write')).rejects.toMatchObject({ statusCode: 503 });
      await expect(lenient.revoke('any', 60)).rejects.toBeDefined();
    } finally {
      s.client.disconnect();
    }
  });
});

describe('RevocationList keys', () => {
  test('families become short printable keys under the prefix; odd ones are hashed', () => {
    const list = new RevocationList(revocationStoreOf(store.client), { keyPrefix: 'rl:v2' });
    expect(list.keyFor('oj:3f1c2d4e-0000-4000-8000-000000000001')).toBe('rl:v2:rev:oj:3f1c2d4e-0000-4000-8000-000000000001');
    expect(list.keyFor('sid:a b\r\nc')).toMatch(/^rl:v2:rev:h:[A-Za-z0-9_-]{43}$/);
  });
});
