/**
 * The sample page (app/web), the session handler and the notes API's ALB entry behind one https origin on 127.0.0.1,
 * driven by Debian's Chromium through playwright-core. Real parts as in test/integration: PostgreSQL behind the notes
 * app, redis-server for the revocation list, and oauth2-mock-server as the issuer (test/lambda/oauth2-mock.ts).
 *
 * Host names: Chromium resolves every `*.test` name to 127.0.0.1 (`--host-resolver-rules`), so one server on one port
 * answers three origins, told apart by the Host header:
 * - `https://app.example.test:<port>`: the page, `/auth/*` and the notes API (the origin the session trusts);
 * - `https://evil.example.test:<port>`: a sibling subdomain (same site as the app, another origin);
 * - `https://other.test:<port>`: another site.
 * The certificate comes from a CA made here with openssl; Chromium trusts that CA's key by its SPKI hash
 * (`--ignore-certificate-errors-spki-list`), not by ignoring certificate errors, so cookies are set over real TLS.
 */
import { execFileSync } from 'child_process';
import { createHash, X509Certificate } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'https';
import type { IncomingMessage, ServerResponse } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Pool } from 'pg';
import { Browser, chromium } from 'playwright-core';
import { createAlbHandler } from '../../app/lambda/api/alb';
import { createApp } from '../../app/lambda/api/app';
import { migrate } from '../../app/lambda/api/migrations';
import { notesRoutes } from '../../app/lambda/api/routes';
import { createHandler } from '../../app/lambda/session/handler';
import { JwtVerifier } from '../../lambda/shared/jwt';
import { createRedisRateLimitStore, RedisRateLimitStore, revocationStoreOf } from '../../lambda/shared/rate-limit/redis-store';
import { createAccessRevoker, RevocationList } from '../../lambda/shared/revocation';
import { freePort } from '../integration/net';
import { startPostgres } from '../integration/postgres';
import { startRedis } from '../integration/redis';
import { ensureChromium } from '../integration/services';
import { MockOAuthServer, startMockOAuthServer } from '../lambda/oauth2-mock';

const WEB_ROOT = join(__dirname, '..', '..', 'app', 'web');
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/callback': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
/** The page's policy: its own scripts, styles and API only; no inline script, no framing, no plugins. */
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const CLIENT_ID = 'notes-spa';
/** The notes API's identifier (the access token's audience). */
export const API_AUDIENCE = 'https://api.example.test';
export const SCOPE = 'openid notes.read notes.write';

/** One request the server answered, as it arrived (for assertions on what the browser sent). */
export interface RecordedRequest {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly origin?: string;
  readonly cookie?: string;
  readonly secFetchSite?: string;
  readonly status: number;
}

export interface BrowserHarness {
  readonly browser: Browser;
  readonly issuer: MockOAuthServer;
  /** `https://app.example.test:<port>`. */
  readonly appOrigin: string;
  /** `https://evil.example.test:<port>`: a sibling subdomain. */
  readonly siblingOrigin: string;
  /** `https://other.test:<port>`: another site. */
  readonly otherSiteOrigin: string;
  /** Every request answered, in order. */
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/** Starts everything; one harness per test file (a browser, PostgreSQL, redis-server, the issuer). */
export async function startBrowserHarness(): Promise<BrowserHarness> {
  const chromiumStatus = ensureChromium({ install: false });
  if (!chromiumStatus.available) throw new Error(chromiumStatus.fix);
  const certDir = mkdtempSync(join(tmpdir(), 'browser-tls-'));
  const tls = makeCertificate(certDir);
  const [redis, pg, issuer] = await Promise.all([startRedis(), startPostgres(), startMockOAuthServer()]);
  let store: RedisRateLimitStore | undefined;
  let pool: Pool | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;
  const stop = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    if (server) await new Promise<void>((resolve) => { server!.closeAllConnections(); server!.close(() => resolve()); });
    store?.client.disconnect();
    await pool?.end().catch(() => undefined);
    await Promise.all([redis.stop(), pg.stop(), issuer.stop()]);
    rmSync(certDir, { recursive: true, force: true });
  };
  try {
    store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
    const revocations = new RevocationList(revocationStoreOf(store.client), { timeoutMs: 500 });
    pool = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: await pg.createDatabase('notes_browser'), max: 4 });
    const client = await pool.connect();
    try { await migrate(client); } finally { client.release(); }
    const verifier = new JwtVerifier({
      issuer: issuer.url, audience: [API_AUDIENCE], jwksUri: issuer.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 900,
      clockSkewSeconds: 30, rolesClaim: 'groups',
    });
    const alb = createAlbHandler({ app: createApp({ pool, revocations }), verifier, routes: notesRoutes('') });

    const requests: RecordedRequest[] = [];
    const port = await freePort();
    const appHost = `app.example.test:${port}`;
    const appOrigin = `https://${appHost}`;
    const session = createHandler({
      TOKEN_ENDPOINT: issuer.tokenEndpoint, REVOCATION_ENDPOINT: issuer.revocationEndpoint, CLIENT_ID, REDIRECT_URI: `${appOrigin}/callback`,
      ALLOWED_ORIGINS: appOrigin, UPSTREAM_TIMEOUT_MS: '2000',
    }, { revokeAccess: createAccessRevoker({ verifier, revocations }), logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        route(req, body).then((out) => {
          requests.push({
            host: req.headers.host ?? '', method: req.method ?? '', path: (req.url ?? '/').split('?')[0], origin: req.headers.origin,
            cookie: req.headers.cookie, secFetchSite: req.headers['sec-fetch-site'] as string | undefined, status: out.statusCode,
          });
          send(res, out);
        }, () => send(res, { statusCode: 500, headers: { 'content-type': 'text/plain' }, body: 'harness error' }));
      });
    });
    const route = async (req: IncomingMessage, body: string): Promise<APIGatewayProxyResult> => {
      const url = new URL(req.url ?? '/', 'https://placeholder');
      if (req.headers.host !== appHost) return attackerPage();
      if (url.pathname.startsWith('/auth/')) return session(toGatewayEvent(req, url, body));
      if (url.pathname === '/health' || url.pathname === '/notes' || url.pathname.startsWith('/notes/')) {
        const result = await alb(toAlbEvent(req, url, body));
        return { statusCode: result.statusCode, headers: result.headers as Record<string, string>, body: result.body ?? '' };
      }
      if (url.pathname === '/config.json') {
        return {
          statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          body: JSON.stringify({ authorizeEndpoint: `${issuer.url}/authorize`, clientId: CLIENT_ID, redirectUri: `https://${appHost}/callback`, scope: SCOPE, apiBase: '' }),
        };
      }
      const file = Object.prototype.hasOwnProperty.call(STATIC_FILES, url.pathname) ? STATIC_FILES[url.pathname] : undefined;
      if (file === undefined || req.method !== 'GET') return { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
      return {
        statusCode: 200, body: readFileSync(join(WEB_ROOT, file.file), 'utf8'),
        headers: { 'content-type': file.type, 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' },
      };
    };
    await new Promise<void>((resolve, reject) => { server!.once('error', reject); server!.listen(port, '127.0.0.1', resolve); });

    browser = await chromium.launch({
      executablePath: chromiumStatus.path,
      headless: true,
      args: [
        '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--host-resolver-rules=MAP *.test 127.0.0.1',
        `--ignore-certificate-errors-spki-list=${tls.caSpkiHash}`,
      ],
    });
    return {
      browser, issuer, appOrigin, siblingOrigin: `https://evil.example.test:${port}`, otherSiteOrigin: `https://other.test:${port}`, requests, stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What the sibling and the other site serve: an empty page whose scripts the tests write. */
function attackerPage(): APIGatewayProxyResult {
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: '<!doctype html><title>another origin</title><body></body>' };
}

function send(res: ServerResponse, out: APIGatewayProxyResult): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(out.headers ?? {})) headers[k] = String(v);
  for (const [k, v] of Object.entries(out.multiValueHeaders ?? {})) headers[k] = v.map(String);
  res.writeHead(out.statusCode, headers);
  res.end(out.body);
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(k === 'cookie' ? '; ' : ', ') : v;
  return out;
}

/** The API Gateway proxy event the session handler gets for this request (resource = the route). */
function toGatewayEvent(req: IncomingMessage, url: URL, body: string): APIGatewayProxyEvent {
  return {
    httpMethod: req.method ?? 'GET', resource: url.pathname, path: url.pathname, headers: flatHeaders(req), multiValueHeaders: {},
    body: body === '' ? null : body, isBase64Encoded: false, queryStringParameters: null, multiValueQueryStringParameters: null,
    pathParameters: null, stageVariables: null,
    requestContext: { identity: { sourceIp: req.socket.remoteAddress ?? '127.0.0.1' } } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** The ALB event for this request (query values stay URL-encoded, as the load balancer passes them). */
function toAlbEvent(req: IncomingMessage, url: URL, body: string): ALBEvent {
  const query: Record<string, string> = {};
  for (const pair of url.search.slice(1).split('&').filter((p) => p !== '')) {
    const [k, v = ''] = pair.split('=');
    query[k] = v;
  }
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/notes/abc' } },
    httpMethod: req.method ?? 'GET', path: url.pathname, headers: flatHeaders(req), queryStringParameters: query,
    body: body === '' ? null : body, isBase64Encoded: false,
  };
}

/**
 * A test CA and a server certificate it signs for the three host names and 127.0.0.1 (openssl, one day), and the
 * base64 SHA-256 of the CA's SubjectPublicKeyInfo, which Chromium's `--ignore-certificate-errors-spki-list` takes.
 */
function makeCertificate(dir: string): { key: string; cert: string; caSpkiHash: string } {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Browser Test Root CA']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=app.example.test']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:app.example.test,DNS:evil.example.test,DNS:other.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf']);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
  const spki = ca.publicKey.export({ type: 'spki', format: 'der' });
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: `${readFileSync(join(dir, 'server.crt'), 'utf8')}${readFileSync(join(dir, 'ca.crt'), 'utf8')}`,
    caSpkiHash: createHash('sha256').update(spki).digest('base64'),
  };
}
