import { createPublicKey, verify as cryptoVerify } from 'crypto';
import { join } from 'path';
import { buildSync } from 'esbuild';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { REFRESH_COOKIE_NAME, sessionConfigFromEnv } from '../../app/lambda/session/config';
import { createHandler, SessionLambdaHandler } from '../../app/lambda/session/handler';
import { startLoopbackServer } from '../integration/http';
import { freePort } from '../integration/net';
import { MockOAuthServer, startMockOAuthServer } from './oauth2-mock';

// The session endpoints against a real OAuth 2.0 server (npm oauth2-mock-server) on 127.0.0.1:
// the authorization-code + PKCE flow, refresh with rotation, revocation, CSRF checks and failure handling.

const ORIGIN = 'https://app.example.com';
const REDIRECT_URI = 'https://app.example.com/callback';
const CLIENT_ID = 'spa-client';

let server: MockOAuthServer;
let output: string[];
let restoreOutput: () => void;

beforeAll(async () => { server = await startMockOAuthServer(); });
afterAll(async () => { await server.stop(); });
beforeEach(() => {
  // Everything written to stdout, stderr or the console, to prove no token is ever logged.
  output = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { output.push(String(chunk)); return true; }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { output.push(String(chunk)); return true; }),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args: unknown[]) => { output.push(args.map(String).join(' ')); })),
  ];
  restoreOutput = () => spies.forEach((s) => s.mockRestore());
});
afterEach(async () => {
  restoreOutput();
  await server.reset();
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    TOKEN_ENDPOINT: server.tokenEndpoint,
    REVOCATION_ENDPOINT: server.revocationEndpoint,
    CLIENT_ID,
    REDIRECT_URI,
    ALLOWED_ORIGINS: `${ORIGIN},https://admin.example.com`,
    REFRESH_COOKIE_MAX_AGE_SECONDS: '43200',
    UPSTREAM_TIMEOUT_MS: '1000',
    ...overrides,
  };
}

interface EventOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly cookie?: string;
  readonly omit?: string[];
}

/** An API Gateway proxy event as a browser on the app origin would cause it. */
function event(path: string, options: EventOptions = {}): APIGatewayProxyEvent {
  const headers: Record<string, string> = {
    Origin: ORIGIN,
    'X-Requested-With': 'fetch',
    'Content-Type': 'application/json',
    'Sec-Fetch-Site': 'same-site',
    ...(options.cookie ? { Cookie: options.cookie } : {}),
    ...options.headers,
  };
  for (const name of options.omit ?? []) delete headers[name];
  return {
    httpMethod: options.method ?? 'POST',
    resource: path,
    path,
    headers,
    multiValueHeaders: {},
    body: options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    isBase64Encoded: false,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

function bodyOf(res: APIGatewayProxyResult): any {
  return res.body ? JSON.parse(res.body) : undefined;
}

function setCookie(res: APIGatewayProxyResult): string | undefined {
  return res.headers?.['Set-Cookie'] as string | undefined;
}

/** The refresh token a Set-Cookie header carries. */
function cookieValue(header: string): string {
  const match = new RegExp(`^${REFRESH_COOKIE_NAME}=([^;]*);`).exec(header);
  if (!match) throw new Error(`not our cookie: ${header}`);
  return match[1];
}

/** Signs in through the real flow: /authorize at the issuer, then POST /auth/token. */
async function signIn(h: SessionLambdaHandler): Promise<{ res: APIGatewayProxyResult; code: string; verifier: string; refreshToken: string }> {
  const { code, verifier } = await server.authorize(CLIENT_ID, REDIRECT_URI);
  const res = await h(event('/auth/token', { body: { code, code_verifier: verifier } }));
  expect(res.statusCode).toBe(200);
  return { res, code, verifier, refreshToken: cookieValue(setCookie(res)!) };
}

function expectErrorShape(res: APIGatewayProxyResult, status: number, code: string): void {
  expect(res.statusCode).toBe(status);
  const body = bodyOf(res);
  expect(Object.keys(body)).toEqual(['error']);
  // A 5xx answer carries a fixed message and the request id its log line names; a 4xx only the code and message.
  expect(Object.keys(body.error).sort()).toEqual(status >= 500 ? ['code', 'message', 'requestId'] : ['code', 'message']);
  expect(body.error.code).toBe(code);
}

async function verifyRs256(token: string): Promise<Record<string, unknown>> {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const jwks = await (await fetch(`${server.url}/jwks`)).json() as { keys: { kid: string }[] };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  const ok = cryptoVerify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk as any, format: 'jwk' }), Buffer.from(s, 'base64url'));
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(p, 'base64url').toString());
}

describe('POST /auth/token', () => {
  test('exchanges code + PKCE verifier: access token in the body, refresh token only in a locked-down cookie', async () => {
    // GIVEN a code issued by the real authorization endpoint for an S256 challenge
    const h = createHandler(env());
    // WHEN the app posts it with its verifier
    const { res, code, verifier, refreshToken } = await signIn(h);

    // THEN the body holds a signed, short-lived access token and nothing else sensitive
    const body = bodyOf(res);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBeGreaterThan(0);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('id_token');
    expect(res.body).not.toContain(refreshToken);
    const claims = await verifyRs256(body.access_token);
    expect(claims.iss).toBe(server.url);
    expect(claims.sub).toBe('johndoe');

    // AND the refresh token is in a cookie with every protective attribute
    expect(setCookie(res)).toBe(`${REFRESH_COOKIE_NAME}=${refreshToken}; Max-Age=43200; Path=/; Secure; HttpOnly; SameSite=Strict`);
    // __Host-: browsers accept it only Secure, with Path=/ and without Domain, from this host; no sibling can plant it.
    expect(REFRESH_COOKIE_NAME).toBe('__Host-refresh');
    expect(setCookie(res)).not.toMatch(/Domain=/i);

    // AND the issuer got a form-encoded public-client request with the verifier and the configured redirect URI
    await server.flush();
    const sent = server.events.filter((e) => e.event === 'token').at(-1)!;
    expect(sent.contentType).toBe('application/x-www-form-urlencoded');
    expect(sent.authorization).toBeNull();
    expect(sent.body).toEqual({ grant_type: 'authorization_code', client_id: CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT_URI });

    // AND the response is not cacheable and lets only the app origin read it
    expect(res.headers?.['Cache-Control']).toBe('no-store');
    expect(res.headers?.['Access-Control-Allow-Origin']).toBe(ORIGIN);
    expect(res.headers?.['Access-Control-Allow-Credentials']).toBe('true');
  });

  test('a verifier that does not match the challenge is refused with 400, without the issuer\'s description', async () => {
    const h = createHandler(env());
    const { code } = await server.authorize(CLIENT_ID, REDIRECT_URI);
    const res = await h(event('/auth/token', { body: { code, code_verifier: 'x'.repeat(43) } }));
    expectErrorShape(res, 400, 'bad_request');
    expect(res.body).not.toMatch(/challenge|RFC7636|invalid_request/);
    expect(setCookie(res)).toBeUndefined();
  });

  test('a code can be redeemed only once (the issuer forgets it)', async () => {
    const h = createHandler(env());
    const { code, verifier } = await signIn(h);
    const again = await h(event('/auth/token', { body: { code, code_verifier: verifier } }));
    expect(again.statusCode).toBe(400);
  });

  test.each([
    ['verifier of 42 characters', { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(42) }],
    ['verifier of 129 characters', { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(129) }],
    ['verifier with a forbidden character', { code: 'c0de-1234-abcd', code_verifier: `${'a'.repeat(42)}+` }],
    ['verifier not a string', { code: 'c0de-1234-abcd', code_verifier: 12345 }],
    ['missing verifier', { code: 'c0de-1234-abcd' }],
    ['empty code', { code: '', code_verifier: 'a'.repeat(43) }],
    ['code with spaces', { code: 'abc def ghi', code_verifier: 'a'.repeat(43) }],
    ['code of 513 characters', { code: 'a'.repeat(513), code_verifier: 'a'.repeat(43) }],
    ['an unexpected field', { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(43), redirect_uri: 'https://evil.example' }],
    ['an array body', ['c0de']],
    ['invalid JSON', '{"code":'],
  ])('malformed body (%s) → 400 before the issuer is called', async (_name, body) => {
    const h = createHandler(env());
    await server.flush();
    const before = server.events.length;
    const res = await h(event('/auth/token', { body }));
    expect(res.statusCode).toBe(400);
    expect(['bad_request', 'validation_failed']).toContain(bodyOf(res).error.code);
    await server.flush();
    expect(server.events.length).toBe(before);
  });

  test('accepts verifiers of exactly 43 and 128 characters (RFC 7636 bounds)', async () => {
    const h = createHandler(env());
    for (const verifier of ['a'.repeat(43), `${'A-._~'.repeat(25)}abc`]) {
      const res = await h(event('/auth/token', { body: { code: 'unknown-code-123', code_verifier: verifier } }));
      // Format passes; the issuer then refuses the unknown code.
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error.code).toBe('bad_request');
    }
  });

  test('a non-JSON content type → 415, an oversized body → 413', async () => {
    const h = createHandler(env());
    const form = await h(event('/auth/token', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'code=abc' }));
    expectErrorShape(form, 415, 'unsupported_media_type');
    const big = await h(event('/auth/token', { body: { code: 'a'.repeat(5000), code_verifier: 'a'.repeat(43) } }));
    expectErrorShape(big, 413, 'payload_too_large');
  });
});

describe('POST /auth/refresh', () => {
  test('with the cookie: a new access token, and the rotated refresh token replaces the cookie', async () => {
    const h = createHandler(env());
    const { refreshToken, res: first } = await signIn(h);
    const res = await h(event('/auth/refresh', { cookie: `other=1; ${REFRESH_COOKIE_NAME}=${refreshToken}` }));
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(typeof body.access_token).toBe('string');
    expect(bodyOf(first).access_token).toBeDefined();
    await verifyRs256(body.access_token);
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('id_token');
    const rotated = cookieValue(setCookie(res)!);
    expect(rotated).not.toBe(refreshToken);
    expect(res.body).not.toContain(rotated);
    expect(setCookie(res)).toBe(`${REFRESH_COOKIE_NAME}=${rotated}; Max-Age=43200; Path=/; Secure; HttpOnly; SameSite=Strict`);
    await server.flush();
    const sent = server.events.filter((e) => e.event === 'token').at(-1)!;
    expect(sent.body).toEqual({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken });
  });

  test('when the issuer does not rotate, the cookie is left alone', async () => {
    const h = createHandler(env());
    const { refreshToken } = await signIn(h);
    await server.set({ noRotation: true });
    const res = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=${refreshToken}` }));
    expect(res.statusCode).toBe(200);
    expect(setCookie(res)).toBeUndefined();
  });

  test('without the cookie → 401, and the issuer is not called', async () => {
    const h = createHandler(env());
    await server.flush();
    const before = server.events.length;
    const res = await h(event('/auth/refresh'));
    expectErrorShape(res, 401, 'unauthorized');
    await server.flush();
    expect(server.events.length).toBe(before);
  });

  test('fails if two cookies with our name (one planted) are not refused deterministically: 401, ours cleared, issuer not called', async () => {
    const h = createHandler(env());
    const { refreshToken } = await signIn(h);
    await server.flush();
    const before = server.events.length;
    for (const cookie of [`${REFRESH_COOKIE_NAME}=${refreshToken}; ${REFRESH_COOKIE_NAME}=planted-by-a-sibling`, `${REFRESH_COOKIE_NAME}=planted-by-a-sibling; ${REFRESH_COOKIE_NAME}=${refreshToken}`]) {
      for (const route of ['/auth/refresh', '/auth/logout']) {
        const res = await h(event(route, { cookie }));
        expectErrorShape(res, 401, 'unauthorized');
        expect(bodyOf(res).error.message).toBe('Conflicting session cookies; sign in again');
        expect(setCookie(res)).toBe(`${REFRESH_COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`);
      }
    }
    await server.flush();
    expect(server.events.length).toBe(before);
  });

  test('fails if a cookie a sibling subdomain can set (any other name, the former __Secure-refresh included) is used as the session', async () => {
    // GIVEN an attacker's own valid refresh token, planted for the parent domain under a name a sibling may set
    const h = createHandler(env());
    const attacker = await signIn(h);
    const victim = await signIn(h);
    await server.flush();
    const before = server.events.length;
    for (const name of ['__Secure-refresh', 'refresh', '__host-refresh', '__Host-Refresh']) {
      // WHEN the victim's browser has only the planted cookie: no session (no login CSRF into the attacker's account)
      const planted = await h(event('/auth/refresh', { cookie: `${name}=${attacker.refreshToken}` }));
      expectErrorShape(planted, 401, 'unauthorized');
      expect(bodyOf(planted).error.message).toBe('No session');
    }
    await server.flush();
    expect(server.events.length).toBe(before);
    // AND next to the victim's own cookie, the planted one changes nothing
    const res = await h(event('/auth/refresh', { cookie: `__Secure-refresh=${attacker.refreshToken}; ${REFRESH_COOKIE_NAME}=${victim.refreshToken}` }));
    expect(res.statusCode).toBe(200);
    await server.flush();
    expect(server.events.filter((e) => e.event === 'token').at(-1)!.body.refresh_token).toBe(victim.refreshToken);
  });

  test('a refresh token the issuer refuses (invalid_grant) → 401 and the cookie is cleared', async () => {
    const h = createHandler(env());
    await server.set({ tokenError: { status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has been revoked' } } });
    const res = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=revoked-token-value` }));
    expectErrorShape(res, 401, 'unauthorized');
    expect(setCookie(res)).toBe(`${REFRESH_COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`);
    expect(res.body).not.toContain('revoked');
  });

  test('cookies arriving as multi-value headers and base64 bodies are read too', async () => {
    const h = createHandler(env());
    const { refreshToken } = await signIn(h);
    const e = event('/auth/refresh', { body: Buffer.from('{}').toString('base64') });
    e.isBase64Encoded = true;
    e.multiValueHeaders = { Cookie: ['theme=dark', `${REFRESH_COOKIE_NAME}=${refreshToken}`] };
    const res = await h(e);
    expect(res.statusCode).toBe(200);
  });
});

describe('POST /auth/logout', () => {
  test('revokes the refresh token at the issuer and clears the cookie', async () => {
    const h = createHandler(env());
    const { refreshToken } = await signIn(h);
    const res = await h(event('/auth/logout', { cookie: `${REFRESH_COOKIE_NAME}=${refreshToken}` }));
    expect(res.statusCode).toBe(200);
    // No access token was sent (and this handler has no revocation list): the answer says the API was told nothing.
    expect(bodyOf(res)).toEqual({ complete: false, refreshToken: 'revoked', accessTokens: 'none', reason: 'no_access_token' });
    expect(setCookie(res)).toBe(`${REFRESH_COOKIE_NAME}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict`);
    await server.flush();
    const revoke = server.events.filter((e) => e.event === 'revoke').at(-1)!;
    expect(revoke.contentType).toBe('application/x-www-form-urlencoded');
    expect(revoke.body).toEqual({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
  });

  test('without a cookie: nothing to revoke, the cookie is still cleared', async () => {
    const h = createHandler(env());
    await server.flush();
    const before = server.events.filter((e) => e.event === 'revoke').length;
    const res = await h(event('/auth/logout'));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ complete: false, refreshToken: 'none', accessTokens: 'none', reason: 'no_access_token' });
    expect(setCookie(res)).toMatch(/Max-Age=0/);
    await server.flush();
    expect(server.events.filter((e) => e.event === 'revoke').length).toBe(before);
  });

  test('a failed revocation → 502 JSON, and the cookie is cleared anyway', async () => {
    const h = createHandler(env());
    await server.set({ revokeStatus: 503 });
    const res = await h(event('/auth/logout', { cookie: `${REFRESH_COOKIE_NAME}=some-refresh-token` }));
    expectErrorShape(res, 502, 'service_unavailable');
    expect(setCookie(res)).toMatch(/Max-Age=0/);
  });
});

describe('CSRF defences on every route', () => {
  const routes = ['/auth/token', '/auth/refresh', '/auth/logout'];
  const cases: [string, EventOptions][] = [
    ['no Origin', { omit: ['Origin'] }],
    ['a foreign Origin', { headers: { Origin: 'https://evil.example' } }],
    ['a look-alike Origin', { headers: { Origin: 'https://app.example.com.evil.example' } }],
    ['an http Origin', { headers: { Origin: 'http://app.example.com' } }],
    ['the null Origin', { headers: { Origin: 'null' } }],
    ['no X-Requested-With', { omit: ['X-Requested-With'] }],
    ['a wrong X-Requested-With', { headers: { 'X-Requested-With': 'XMLHttpRequest' } }],
    ['Sec-Fetch-Site: cross-site', { headers: { 'Sec-Fetch-Site': 'cross-site' } }],
  ];
  test.each(routes.flatMap((r) => cases.map(([name, opts]) => [r, name, opts] as const)))('%s with %s → 403, issuer untouched', async (route, _name, opts) => {
    const h = createHandler(env());
    await server.flush();
    const before = server.events.length;
    const res = await h(event(route, { ...opts, body: route === '/auth/token' ? { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(43) } : undefined, cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expectErrorShape(res, 403, 'forbidden');
    expect(res.headers?.['Access-Control-Allow-Origin']).not.toBe('https://evil.example');
    expect(setCookie(res)).toBeUndefined();
    await server.flush();
    expect(server.events.length).toBe(before);
  });

  test('a second allowed origin passes; the preflight answers only allowed origins', async () => {
    const h = createHandler(env());
    const ok = await h(event('/auth/refresh', { method: 'OPTIONS', headers: { Origin: 'https://admin.example.com' } }));
    expect(ok.statusCode).toBe(204);
    expect(ok.headers?.['Access-Control-Allow-Origin']).toBe('https://admin.example.com');
    expect(ok.headers?.['Access-Control-Allow-Headers']).toMatch(/X-Requested-With/);
    const bad = await h(event('/auth/refresh', { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } }));
    expect(bad.statusCode).toBe(403);
    expect(bad.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });

  test('other methods → 405, other paths → 404', async () => {
    const h = createHandler(env());
    expectErrorShape(await h(event('/auth/token', { method: 'GET' })), 405, 'method_not_allowed');
    expectErrorShape(await h(event('/auth/other')), 404, 'not_found');
  });
});

describe('issuer failures', () => {
  test('issuer down → 502 JSON without details', async () => {
    const port = await freePort();
    const h = createHandler(env({ TOKEN_ENDPOINT: `http://127.0.0.1:${port}/token`, REVOCATION_ENDPOINT: `http://127.0.0.1:${port}/revoke` }));
    const res = await h(event('/auth/token', { body: { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(43) } }));
    expectErrorShape(res, 502, 'service_unavailable');
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|fetch/);
    const refresh = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expectErrorShape(refresh, 502, 'service_unavailable');
  });

  test('an issuer that does not answer in time → 504, within the timeout', async () => {
    const h = createHandler(env({ UPSTREAM_TIMEOUT_MS: '200' }));
    await server.set({ delayMs: 1500 });
    const started = Date.now();
    const res = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expect(Date.now() - started).toBeLessThan(1200);
    expectErrorShape(res, 504, 'service_unavailable');
  });

  test('an issuer error body (500, or a 200 that is not a token response) is never passed on', async () => {
    const h = createHandler(env());
    await server.set({ tokenError: { status: 500, body: { error: 'server_error', error_description: 'db password=hunter2 at 10.0.0.1' } } });
    const res = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expectErrorShape(res, 502, 'service_unavailable');
    expect(res.body).not.toContain('hunter2');
    await server.set({ tokenError: { status: 200, body: { access_token: 'x', token_type: 'mac', expires_in: 300 } } });
    const odd = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expectErrorShape(odd, 502, 'service_unavailable');
    expect(output.join('\n')).not.toContain('hunter2');
  });

  test('redirects from the token endpoint are not followed, and oversized answers are refused', async () => {
    const fake = await startLoopbackServer((req) => (req.url === '/redirect'
      ? { status: 307, headers: { location: server.tokenEndpoint }, body: '' }
      : { body: { access_token: 'abc.def.ghi', token_type: 'Bearer', expires_in: 300, padding: 'a'.repeat(70000) } }));
    try {
      await server.flush();
      const before = server.events.length;
      const redirected = await createHandler(env({ TOKEN_ENDPOINT: `${fake.url}/redirect` }))(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
      expectErrorShape(redirected, 502, 'service_unavailable');
      await server.flush();
      expect(server.events.length).toBe(before);
      const huge = await createHandler(env({ TOKEN_ENDPOINT: `${fake.url}/huge` }))(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
      expectErrorShape(huge, 502, 'service_unavailable');
    } finally {
      await fake.close();
    }
  });

  test('a client the issuer does not know (401 invalid_client) → 502, not blamed on the browser', async () => {
    const h = createHandler(env());
    await server.set({ tokenError: { status: 401, body: { error: 'invalid_client' } } });
    const res = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=tok-123` }));
    expectErrorShape(res, 502, 'service_unavailable');
  });
});

describe('logging', () => {
  test('no token, code or verifier ever reaches the logs', async () => {
    const h = createHandler(env({ LOG_LEVEL: 'DEBUG' }));
    const { res, code, verifier, refreshToken } = await signIn(h);
    const access = bodyOf(res).access_token as string;
    const refreshed = await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=${refreshToken}` }));
    const rotated = cookieValue(setCookie(refreshed)!);
    await h(event('/auth/logout', { cookie: `${REFRESH_COOKIE_NAME}=${rotated}` }));
    await server.set({ tokenError: { status: 400, body: { error: 'invalid_grant' } } });
    await h(event('/auth/refresh', { cookie: `${REFRESH_COOKIE_NAME}=${rotated}` }));
    await h(event('/auth/token', { body: { code, code_verifier: verifier } }));

    const logs = output.join('\n');
    expect(logs).toContain('session started');
    expect(logs).toContain('session ended');
    for (const secret of [access, bodyOf(refreshed).access_token, refreshToken, rotated, code, verifier]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});

describe('adapter', () => {
  test('routes by the request path when the API resource is a proxy', async () => {
    const h = createHandler(env());
    const e = event('/auth/refresh');
    e.resource = '/{proxy+}';
    expectErrorShape(await h(e), 401, 'unauthorized');
    const proto = event('/auth/refresh');
    proto.resource = '/__proto__';
    proto.path = '/constructor';
    expectErrorShape(await h(proto), 404, 'not_found');
  });

  test('bundles for Lambda with esbuild: no AWS SDK client, no test code', () => {
    const out = buildSync({
      entryPoints: [join(__dirname, '..', '..', 'app', 'lambda', 'session', 'handler.ts')],
      bundle: true, platform: 'node', target: 'node22', format: 'cjs', write: false, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile!.inputs);
    // The shared rate limiter signs ElastiCache IAM tokens (credential provider + SigV4); no service client is bundled.
    expect(inputs.some((i) => i.includes('@aws-sdk/client-'))).toBe(false);
    expect(inputs.some((i) => i.includes('oauth2-mock-server') || i.startsWith('test/'))).toBe(false);
    expect(out.outputFiles[0].text).toContain('__Host-refresh');
  });
});

describe('configuration', () => {
  test.each([
    ['TOKEN_ENDPOINT missing', { TOKEN_ENDPOINT: undefined }, /TOKEN_ENDPOINT is not set/],
    ['REVOCATION_ENDPOINT missing', { REVOCATION_ENDPOINT: undefined }, /REVOCATION_ENDPOINT is not set/],
    ['CLIENT_ID missing', { CLIENT_ID: '' }, /CLIENT_ID is not set/],
    ['plain http to a remote issuer', { TOKEN_ENDPOINT: 'http://auth.example.com/oauth2/token' }, /TOKEN_ENDPOINT must be an https URL/],
    ['credentials in the endpoint', { REVOCATION_ENDPOINT: 'https://user:pw@auth.example.com/oauth2/revoke' }, /REVOCATION_ENDPOINT must be an https URL/],
    ['an http redirect URI', { REDIRECT_URI: 'http://app.example.com/callback' }, /REDIRECT_URI must be an https URL/],
    ['an origin with a path', { ALLOWED_ORIGINS: 'https://app.example.com/' }, /ALLOWED_ORIGINS entry/],
    ['a wildcard origin', { ALLOWED_ORIGINS: '*' }, /ALLOWED_ORIGINS entry/],
    ['a cookie lifetime out of range', { REFRESH_COOKIE_MAX_AGE_SECONDS: '99999999' }, /REFRESH_COOKIE_MAX_AGE_SECONDS/],
    ['a timeout out of range', { UPSTREAM_TIMEOUT_MS: '60000' }, /UPSTREAM_TIMEOUT_MS/],
    ['a cookie path other than / (a __Host- cookie must have Path=/)', { COOKIE_PATH: '/auth' }, /COOKIE_PATH = \\?"\/auth\\?": the refresh cookie is __Host-refresh, which browsers accept only with Path=\/\. Fix: unset COOKIE_PATH\./],
  ])('fails if %s: every request → 503 and one clear log line at cold start', async (_name, overrides, message) => {
    expect(() => sessionConfigFromEnv(env(overrides))).toThrow(message);
    const h = createHandler(env(overrides));
    const coldStartLogs = output.join('\n');
    expect(coldStartLogs).toMatch(/session endpoints disabled/);
    expect(coldStartLogs).toMatch(message);
    await server.flush();
    const before = server.events.length;
    for (const route of ['/auth/token', '/auth/refresh', '/auth/logout']) {
      const res = await h(event(route, { body: { code: 'c0de-1234-abcd', code_verifier: 'a'.repeat(43) } }));
      expectErrorShape(res, 503, 'service_unavailable');
    }
    await server.flush();
    expect(server.events.length).toBe(before);
  });

  test('the cookie lifetime follows the configuration; the path is always /', async () => {
    const h = createHandler(env({ REFRESH_COOKIE_MAX_AGE_SECONDS: '3600', COOKIE_PATH: '/' }));
    const { res } = await signIn(h);
    expect(setCookie(res)).toMatch(/; Max-Age=3600; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  });
});
