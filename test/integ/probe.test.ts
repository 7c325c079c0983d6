import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync } from 'fs';
import { createServer as createHttpServer, Server } from 'http';
import { createServer as createHttpsServer } from 'https';
import { AddressInfo, createServer as createTcpServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort } from '../integration/net';
import {
  checkHttpRedirect, checkLoginBurstLimited, checkNotReachable, checkSqlInjectionBlocked, checkTls13Only, checkUnauthenticated, totp,
} from './probe/checks';

/** A self-signed certificate for 127.0.0.1, made with openssl in the test. */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('integration probe checks (on loopback servers)', () => {
  const tls = selfSigned();

  test('TOTP matches the RFC 6238 test vector', () => {
    // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (base32 below), T = 59 s → 94287082 (8 digits; 6 digits: 287082).
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  test('a TLS 1.3-only server with HSTS passes; one that accepts TLS 1.2 or lacks HSTS fails', async () => {
    const strict = createHttpsServer({ ...tls, minVersion: 'TLSv1.3' }, (_req, res) => { res.writeHead(404, { 'strict-transport-security': 'max-age=63072000; includeSubDomains; preload' }); res.end(); });
    const loose = createHttpsServer({ ...tls, minVersion: 'TLSv1.2' }, (_req, res) => { res.writeHead(404); res.end(); });
    const [p1, p2] = [await listen(strict), await listen(loose)];
    try {
      expect(await checkTls13Only('127.0.0.1', p1, tls.cert)).toEqual([]);
      const failures = await checkTls13Only('127.0.0.1', p2, tls.cert);
      expect(failures.join('\n')).toMatch(/TLS 1\.2 was accepted/);
      expect(failures.join('\n')).toMatch(/HSTS missing/);
    } finally {
      strict.close(); loose.close();
    }
  });

  test('HTTP redirect, 401, 403 and 429 checks read real responses', async () => {
    let hits = 0;
    const server = createHttpServer((req, res) => {
      if (req.url?.startsWith('/some/path')) { res.writeHead(301, { location: `https://127.0.0.1${req.url}` }); res.end(); return; }
      if (req.url === '/notes') { res.writeHead(401); res.end('{}'); return; }
      if (req.url?.startsWith('/notes?')) { res.writeHead(403); res.end('{}'); return; }
      hits++;
      if (hits > 5) { res.writeHead(429, { 'retry-after': '60' }); res.end('{}'); return; }
      res.writeHead(400); res.end('{}');
    });
    const port = await listen(server);
    try {
      expect(await checkHttpRedirect('127.0.0.1', port)).toEqual([]);
      expect(await checkUnauthenticated(`http://127.0.0.1:${port}`)).toEqual([]);
      expect(await checkSqlInjectionBlocked(`http://127.0.0.1:${port}`)).toEqual([]);
      expect(await checkLoginBurstLimited(`http://127.0.0.1:${port}`, 20, 5000)).toEqual([]);
      expect((await checkLoginBurstLimited(`http://127.0.0.1:${port}`, 0, 5000)).join()).toMatch(/no 429/);
    } finally {
      server.close();
    }
  });

  test('an open port is reported as reachable; a closed one passes', async () => {
    const open = createTcpServer((s) => s.destroy());
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    const openPort = (open.address() as AddressInfo).port;
    try {
      expect((await checkNotReachable('127.0.0.1', openPort)).join()).toMatch(/accepted a TCP connection/);
      expect(await checkNotReachable('127.0.0.1', await freePort())).toEqual([]);
    } finally {
      open.close();
    }
  });
});
