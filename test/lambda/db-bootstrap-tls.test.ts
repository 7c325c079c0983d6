import { execFileSync } from 'child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createTlsClient } from '../../lambda/db-bootstrap/handler';
import { RunningPostgres, startPostgres } from '../integration/postgres';

/**
 * The bootstrap's database client verifies TLS like `sslmode=verify-full`: a server is accepted only with a
 * certificate from a trusted CA that names the host it was asked for. Tested against a real PostgreSQL with
 * `ssl=on` and a CA created here (the RDS CAs cannot sign a local certificate).
 */
describe('bootstrap TLS client against a real PostgreSQL with TLS', () => {
  let pg: RunningPostgres;
  let ca: string;
  let password: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
    chmodSync(dir, 0o755);
    const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Test Root CA']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\n');
    ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf']);
    chmodSync(join(dir, 'server.key'), 0o600);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim() || NaN);
      if (Number.isInteger(uid)) {
        chownSync(join(dir, 'server.key'), uid, -1);
        chownSync(join(dir, 'server.crt'), uid, -1);
      }
    }
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    pg = await startPostgres({ settings: { ssl: 'on', ssl_cert_file: join(dir, 'server.crt'), ssl_key_file: join(dir, 'server.key'), ssl_min_protocol_version: 'TLSv1.3' } });
    password = pg.password;
  }, 120_000);

  afterAll(async () => { await pg?.stop(); });

  const options = (host: string) => ({ host, port: pg.port, database: 'postgres', user: pg.user, password });

  test('connects over TLS 1.3 when the certificate chains to the trusted CA and names the host', async () => {
    const client = createTlsClient(options('localhost'), ca);
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]).toEqual({ ssl: true, version: 'TLSv1.3' });
    } finally {
      await client.end();
    }
  }, 30_000);

  test('fails if the host name does not match the certificate', async () => {
    const client = createTlsClient(options('127.0.0.1'), ca);
    await expect(client.connect()).rejects.toThrow(/Hostname\/IP does not match certificate's altnames|altnames/);
    await client.end().catch(() => undefined);
  }, 30_000);

  test('fails if the certificate is not from an Amazon RDS CA (the default trust store)', async () => {
    const client = createTlsClient(options('localhost'));
    await expect(client.connect()).rejects.toThrow(/self[- ]signed certificate in certificate chain|unable to verify|unable to get local issuer/);
    await client.end().catch(() => undefined);
  }, 30_000);
});
