/**
 * Checks run by the integration-test probe against a deployed stage. Each check
 * returns a list of failures (empty = pass). Pure functions over injected I/O so
 * they are unit-tested on loopback servers in test/integ/probe.test.ts.
 */
import { createHmac } from 'crypto';
import { connect as netConnect } from 'net';
import { connect as tlsConnect, TLSSocket } from 'tls';
import { request as httpRequest } from 'http';
import { request as httpsRequest } from 'https';

export interface HttpAnswer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTP(S) request with a timeout; never follows redirects. */
export function fetchRaw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; ca?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: init.method ?? 'GET', headers: init.headers, timeout: init.timeoutMs ?? 5000, ...(init.ca ? { ca: init.ca } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

/** Opens a TLS connection limited to the given versions and returns the negotiated protocol, or the error. */
export function tlsHandshake(host: string, port: number, minVersion: 'TLSv1.2' | 'TLSv1.3', maxVersion: 'TLSv1.2' | 'TLSv1.3', ca?: string): Promise<{ protocol?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket: TLSSocket = tlsConnect({ host, port, servername: host, minVersion, maxVersion, ...(ca ? { ca } : {}), timeout: 5000 }, () => {
      const protocol = socket.getProtocol() ?? undefined;
      socket.end();
      resolve({ protocol });
    });
    socket.on('error', (err) => resolve({ error: err.message }));
    socket.on('timeout', () => { socket.destroy(); resolve({ error: 'timeout' }); });
  });
}

/** TLS 1.3 is negotiated and TLS 1.2 is refused; HSTS is sent with at least a year. */
export async function checkTls13Only(host: string, port = 443, ca?: string): Promise<string[]> {
  const failures: string[] = [];
  const v13 = await tlsHandshake(host, port, 'TLSv1.3', 'TLSv1.3', ca);
  if (v13.protocol !== 'TLSv1.3') failures.push(`TLS 1.3 handshake failed: ${v13.error ?? v13.protocol}`);
  const v12 = await tlsHandshake(host, port, 'TLSv1.2', 'TLSv1.2', ca);
  if (!v12.error) failures.push(`TLS 1.2 was accepted (${v12.protocol}); the policy must be TLS 1.3 only`);
  const answer = await fetchRaw(`https://${host}:${port}/`, { ca });
  const hsts = String(answer.headers['strict-transport-security'] ?? '');
  const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
  if (maxAge < 31536000) failures.push(`HSTS missing or shorter than a year: "${hsts}"`);
  return failures;
}

/** Plain HTTP answers 301 to the same host over HTTPS. */
export async function checkHttpRedirect(host: string, port = 80): Promise<string[]> {
  const answer = await fetchRaw(`http://${host}:${port}/some/path?q=1`);
  const location = String(answer.headers.location ?? '');
  return answer.status === 301 && location.startsWith(`https://${host}`) ? [] : [`HTTP answered ${answer.status} (Location "${location}"), expected 301 to https`];
}

/** A call without a token is refused with 401 and a JSON error. */
export async function checkUnauthenticated(apiBase: string): Promise<string[]> {
  const answer = await fetchRaw(`${apiBase}/notes`);
  return answer.status === 401 ? [] : [`GET /notes without a token answered ${answer.status}, expected 401`];
}

/** An SQL-injection probe is blocked (403) before it reaches the API. */
export async function checkSqlInjectionBlocked(apiBase: string): Promise<string[]> {
  const answer = await fetchRaw(`${apiBase}/notes?limit=${encodeURIComponent("1' OR '1'='1' --")}&cursor=${encodeURIComponent('x UNION SELECT password FROM users')}`);
  return answer.status === 403 ? [] : [`SQL-injection probe answered ${answer.status}, expected 403 from WAF`];
}

/** A burst on the login path ends in 429 from the WAF rate rule within the time budget. */
export async function checkLoginBurstLimited(apiBase: string, maxRequests: number, deadlineMs: number, path = '/auth/token'): Promise<string[]> {
  const started = Date.now();
  for (let i = 0; i < maxRequests && Date.now() - started < deadlineMs; i++) {
    const answer = await fetchRaw(`${apiBase}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
    if (answer?.status === 429) return answer.headers['retry-after'] ? [] : ['429 without Retry-After'];
  }
  return [`no 429 after ${maxRequests} requests in ${Date.now() - started} ms on ${path}`];
}

/** The database port is not reachable from outside the VPC (connection refused or timed out). */
export function checkNotReachable(host: string, port: number, timeoutMs = 3000): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => { socket.destroy(); resolve([`${host}:${port} accepted a TCP connection from outside the VPC`]); });
    socket.on('timeout', () => { socket.destroy(); resolve([]); });
    socket.on('error', () => resolve([]));
  });
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), to answer Cognito's MFA challenge for the test user. */
export function totp(base32Secret: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32Secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

/** Creates a note and reads it back with a signed-in user's access token (through RDS IAM auth behind the API). */
export async function checkSignedInRoundTrip(apiBase: string, accessToken: string): Promise<string[]> {
  const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  const created = await fetchRaw(`${apiBase}/notes`, { method: 'POST', headers, body: JSON.stringify({ title: 'integ', body: 'written by the integration test', tags: ['integ'] }) });
  if (created.status !== 201) return [`POST /notes answered ${created.status}: ${created.body.slice(0, 200)}`];
  const id = JSON.parse(created.body).id as string;
  const read = await fetchRaw(`${apiBase}/notes/${id}`, { headers });
  if (read.status !== 200 || JSON.parse(read.body).title !== 'integ') return [`GET /notes/${id} answered ${read.status}`];
  const removed = await fetchRaw(`${apiBase}/notes/${id}`, { method: 'DELETE', headers });
  return removed.status === 204 || removed.status === 200 ? [] : [`DELETE /notes/${id} answered ${removed.status}`];
}
