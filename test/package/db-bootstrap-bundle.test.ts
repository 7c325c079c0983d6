/**
 * The shipped db-bootstrap bundle, run as Lambda runs it (a fresh Node.js 24 process with no node_modules beside it),
 * reads the master secret through the AWS SDK it bundles: a signed `GetSecretValue` to the Secrets Manager endpoint
 * (here a loopback server, through the SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER`), then goes on to connect with
 * the secret's user name. This proves the bundled SDK end to end, whatever esbuild picked from each package.
 */
import { execFile, execFileSync } from 'child_process';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';
import { bundleHandler, ROOT } from '../../scripts/handlers';
import { freePort } from '../integration/net';
import { LoopbackServer, startLoopbackServer } from '../integration/http';

const run = promisify(execFile);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0a1b2c3d-AbC123';

describe('db-bootstrap bundle with its bundled AWS SDK', () => {
  let dir: string;
  let bundle: string;
  let secretsManager: LoopbackServer;
  const requests: { target?: string; authorization?: string; body: string }[] = [];

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
  }, 240_000);

  afterAll(async () => {
    await secretsManager?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a Create reads the master secret with one signed GetSecretValue, then tries to connect (nothing listens: a one-line connect error)', async () => {
    // WHEN the bundle handles a Create on Node.js 24 (the functions' runtime), with a database port where nothing listens
    const dbPort = await freePort();
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
    // AND the handler went on to connect, and failed with its one-line message, with no secret in it
    const result = /^RESULT (.*)$/m.exec(stdout)?.[1] ?? '';
    expect(result).toMatch(/^Database bootstrap failed \(connect\)/);
    expect(stdout).not.toContain('not-a-real-password');
  }, 180_000);
});
