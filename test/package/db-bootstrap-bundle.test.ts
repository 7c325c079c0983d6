/**
 * The shipped db-bootstrap bundle, run as Lambda runs it (a fresh Node.js 24 process with no node_modules beside it),
 * reads the master secret through the AWS SDK it bundles: a signed `GetSecretValue` to the Secrets Manager endpoint
 * (here a loopback server, through the SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER`), then goes on to connect, asking
 * for TLS first. This proves the bundled SDK end to end, whatever esbuild picked from each package. The database port is
 * a loopback server that refuses TLS as a PostgreSQL server without it does: a failure retrying cannot fix, so the
 * handler stops at once (a port where nothing listens is retried with 14 s of backoff, which the test only waited out).
 */
import { execFile, execFileSync } from 'child_process';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import { AddressInfo, createServer, Server } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { bundleHandler, ROOT } from '../../scripts/handlers';
import { LoopbackServer, startLoopbackServer } from '../integration/http';

const run = promisify(execFile);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0a1b2c3d-AbC123';
/** PostgreSQL's SSLRequest: length 8, code 80877103 (what a client sends before anything else to ask for TLS). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

describe('db-bootstrap bundle with its bundled AWS SDK', () => {
  let dir: string;
  let bundle: string;
  let secretsManager: LoopbackServer;
  const requests: { target?: string; authorization?: string; body: string }[] = [];
  let database: Server;
  /** The first bytes of each connection to the database port. */
  const connections: Buffer[] = [];

  beforeAll(async () => {
    // GIVEN Node.js 24 installed (with this process's npm configuration: the run below gets a bare environment)
    execFileSync(join(ROOT, '.ci', 'with-node24'), ['node', '--version'], { stdio: 'ignore' });
    // AND the bundle as the build makes it, copied into a folder with no node_modules
    const built = mkdtempSync(join(tmpdir(), 'db-bootstrap-bundle-'));
    await bundleHandler('db-bootstrap', built);
    dir = mkdtempSync(join(tmpdir(), 'db-bootstrap-run-'));
    cpSync(join(built, 'db-bootstrap'), dir, { recursive: true });
    rmSync(built, { recursive: true, force: true });
    bundle = join(dir, 'index.js');
    // AND a Secrets Manager endpoint that answers GetSecretValue with a master secret
    secretsManager = await startLoopbackServer((req, body) => {
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, authorization: req.headers.authorization, body });
      return {
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: { ARN: SECRET_ARN, Name: 'rds!cluster-0a1b2c3d', SecretString: JSON.stringify({ username: 'dbadmin', password: 'not-a-real-password' }), VersionId: 'v1' },
      };
    });
    // AND a database port that answers the SSLRequest with "N", as a PostgreSQL server without TLS does
    database = createServer((socket) => socket.once('data', (first: Buffer) => {
      connections.push(first);
      socket.end('N');
    }));
    await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', resolve));
  }, 240_000);

  afterAll(async () => {
    await secretsManager?.close();
    await new Promise((resolve) => database?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a Create reads the master secret with one signed GetSecretValue, then connects asking for TLS (refused: a one-line connect error, not retried)', async () => {
    // WHEN the bundle handles a Create on Node.js 24 (the functions' runtime), with a database that refuses TLS
    const dbPort = (database.address() as AddressInfo).port;
    const event = { RequestType: 'Create', ResourceProperties: { DbHost: '127.0.0.1', DbPort: String(dbPort), DbName: 'app', MasterSecretArn: SECRET_ARN, AppUser: 'app_user' } };
    const script = "require(process.env.BUNDLE).handler(JSON.parse(process.env.EVENT)).then(()=>console.log('RESULT ok'),(e)=>console.log('RESULT '+e.message))";
    const { stdout } = await run(join(ROOT, '.ci', 'with-node24'), ['node', '-e', script], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), BUNDLE: bundle, EVENT: JSON.stringify(event),
        AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'test-not-a-secret', AWS_SESSION_TOKEN: 'test-session',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url, POWERTOOLS_SERVICE_NAME: 'db-bootstrap',
      },
      timeout: 90_000,
    });
    // THEN the SDK sent one GetSecretValue for the master secret, signed with SigV4 for Secrets Manager in the Region
    expect(requests).toHaveLength(1);
    expect(requests[0].target).toBe('secretsmanager.GetSecretValue');
    expect(JSON.parse(requests[0].body)).toEqual({ SecretId: SECRET_ARN });
    expect(requests[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*x-amz-security-token[^,]*, Signature=[0-9a-f]{64}$/);
    // AND the handler went on to connect, asking for TLS before sending anything else, once (refused TLS is permanent),
    // and failed with its one-line message, with no secret in it
    expect(connections).toEqual([SSL_REQUEST]);
    const result = /^RESULT (.*)$/m.exec(stdout)?.[1] ?? '';
    expect(result).toMatch(/^Database bootstrap failed \(connect\): The server does not support SSL connections/);
    expect(stdout).not.toContain('not-a-real-password');
  }, 180_000);
});
