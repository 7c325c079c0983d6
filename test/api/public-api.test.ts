import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';
import { App, CfnResource, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import * as root from '../../lib';
import { API_ENTRIES } from '../../scripts/api';
import { kebabCase, warn, WARNING_ID } from '../../lib/internal/warnings';

const ROOT = join(__dirname, '..', '..');

/** Names a module's source exports, read from its export declarations (no type checking needed). */
function exportedNames(file: string): { names: string[]; exportStar: string[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  const exportStar: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (statement.exportClause === undefined || ts.isNamespaceExport(statement.exportClause)) {
        exportStar.push(statement.getText());
      } else {
        names.push(...statement.exportClause.elements.map((e) => e.name.text));
      }
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const named = statement as ts.Statement & { name?: ts.Identifier };
      if (named.name) names.push(named.name.text);
      if (ts.isVariableStatement(statement)) names.push(...statement.declarationList.declarations.map((d) => (d.name as ts.Identifier).text));
    }
  }
  return { names: names.sort(), exportStar };
}

/** The names an api-extractor report lists (`export class X`, `export interface X`, `export function x(`, ...). */
function reportedNames(report: string): string[] {
  const text = readFileSync(report, 'utf8');
  return [...text.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|enum|type|function|const|let|namespace) ([A-Za-z0-9_$]+)/gm)]
    .map((m) => m[1]).sort();
}

describe('the public entries export exactly what the API reports list', () => {
  const entries = [
    { file: join(ROOT, 'lib', 'index.ts'), report: API_ENTRIES[0].report },
    { file: join(ROOT, 'lib', 'compliance', 'index.ts'), report: API_ENTRIES[1].report },
  ];

  test.each(entries.map((e) => [relative(ROOT, e.file), e] as const))('%s has no `export *` and exports only the names of its report', (_, { file, report }) => {
    const { names, exportStar } = exportedNames(file);
    // Two deliberate wildcards: the root's compliance entry as the jsii submodule `compliance` (Python
    // aws_security_baseline.compliance), and the compliance entry's module of interfaces only (jsii places interfaces in a
    // submodule only when they are re-exported as values, which isolatedModules allows for a wildcard alone).
    const isRoot = file.endsWith(join('lib', 'index.ts')) && !file.includes('compliance');
    expect(exportStar).toEqual(isRoot ? ["export * as compliance from './compliance';"] : ["export * from './evidence/types';"]);
    if (!isRoot) {
      const types = join(ROOT, 'lib', 'compliance', 'evidence', 'types.ts');
      expect(Object.keys(require(types) as object)).toEqual([]);
      const text = readFileSync(types, 'utf8');
      expect(text).not.toMatch(/^export (?!interface )/m);
      names.push(...[...text.matchAll(/^export interface ([A-Za-z0-9_]+)/gm)].map((m) => m[1]));
      names.sort();
    }
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(reportedNames(report));
  });

  test('the root exports no internal helper or constant: only the Acknowledgements and error classes from lib/internal, and compliance as a namespace', () => {
    const text = readFileSync(join(ROOT, 'lib', 'index.ts'), 'utf8');
    const internal = [...text.matchAll(/export \{([^}]*)\} from '\.\/internal\/[^']+'/g)].flatMap((m) => m[1].split(',').map((n) => n.trim()).filter(Boolean));
    expect(internal).toEqual(['Acknowledgements', 'BaselineErrorCode', 'BaselineErrors']);
    for (const name of ['acknowledge', 'addRulePacks', 'createRulePacks', 'RULE_PACK_NAMES', 'ManagedPolicyRole', 'MIN_ACK_REASON_LENGTH', 'BaselineError']) {
      expect({ name, exported: name in root }).toEqual({ name, exported: false });
    }
    // jsii carries classes, enums and submodules only: no free function, constant or table of defaults.
    for (const [name, value] of Object.entries(root)) {
      const kind = typeof value === 'function' ? (/^class /.test(Function.prototype.toString.call(value)) ? 'class' : 'function') : typeof value;
      const expected = name === 'compliance' ? 'object' : kind === 'object' ? 'object' : 'class';
      expect({ name, kind }).toEqual({ name, kind: expected });
      if (kind === 'object' && name !== 'compliance') {
        expect({ name, isEnum: Object.values(value as object).every((v) => typeof v === 'string' || typeof v === 'number') }).toEqual({ name, isEnum: true });
      }
    }
    // The submodule is the npm entry aws-security-baseline/compliance itself, and exports only classes.
    const entry = require('../../lib/compliance') as Record<string, unknown>;
    expect(Object.keys(root.compliance).sort()).toEqual(Object.keys(entry).sort());
    for (const name of Object.keys(entry)) expect({ name, same: (root.compliance as Record<string, unknown>)[name] === entry[name] }).toEqual({ name, same: true });
    expect(Object.entries(entry).map(([name, value]) => [name, /^class /.test(Function.prototype.toString.call(value))]))
      .toEqual(Object.keys(entry).map((name) => [name, true]));
  });
});

/** Every public construct, built once with typical props, and the L1 its `node.defaultChild` must be. */
function buildEveryConstruct(): { app: App; stack: Stack; built: Record<string, { construct: Construct; l1: abstract new (...args: never[]) => CfnResource }> } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Public', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new root.LogsKey(stack, 'LogsKey');
  const logGroup = new root.SecureLogGroup(stack, 'LogGroup', { encryptionKey: logsKey.key });
  const dataKey = new root.ServiceKey(stack, 'DataKey', { purpose: 'database', services: ['rds', 'backup'] });
  const network = new root.SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
  const vpc = network.vpc;
  const fn = new root.SecureFunction(stack, 'Function', {
    entry: join(ROOT, 'test', 'fixtures', 'hello.ts'), description: 'public API test', vpc, logsKey: logsKey.key,
  });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' });
  const loadBalancer = new root.TlsLoadBalancer(stack, 'LoadBalancer', { vpc, hostedZone: zone, domainName: 'app.example.com' });
  const firewall = new root.WebFirewall(stack, 'Firewall', { logsKey: logsKey.key, bodySizeLimit: { maxSize: Size.kibibytes(8) } });
  const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
  const authorizer = new root.JwtAuthorizer(stack, 'Authorizer', {
    vpc, logsKey: logsKey.key, issuer, audience: ['client-1'], jwksUri: `${issuer}/.well-known/jwks.json`, tokenUse: root.TokenUse.ACCESS,
    routes: [{ method: root.HttpMethod.GET, path: '/things', roles: ['user'], scopes: ['https://api.example.com/things.read'] }],
  });
  const restApi = new root.SecureRestApi(stack, 'RestApi', {
    domain: { domainName: 'api.example.com', hostedZone: zone }, authorizer: authorizer.authorizer, logsKey: logsKey.key,
    routes: [{ method: root.HttpMethod.GET, path: '/things', integration: new apigateway.LambdaIntegration(fn.function) }],
  });
  const users = new root.UserDirectory(stack, 'Users', { callbackUrls: ['https://app.example.com/callback'], domainPrefix: 'public-api-test' });
  const rateLimiter = new root.IdentityRateLimiter(stack, 'RateLimiter', { vpc });
  const database = new root.IamAuthDatabase(stack, 'Database', {
    vpc, storageEncryptionKey: dataKey.key, secretEncryptionKey: dataKey.key, logsKey: logsKey.key,
  });
  const bootstrap = new root.DatabaseBootstrap(stack, 'Bootstrap', {
    database, vpc, logsKey: logsKey.key, entry: join(ROOT, 'lambda', 'db-bootstrap', 'handler.ts'),
  });
  const secret = new root.ManagedSecret(stack, 'Secret', {
    description: 'public API test', encryptionKey: dataKey.key, rotation: { rotationLambda: fn.function, automaticallyAfter: Duration.days(30) },
  });
  return {
    app, stack, built: {
      LogsKey: { construct: logsKey, l1: kms.CfnKey },
      SecureLogGroup: { construct: logGroup, l1: logs.CfnLogGroup },
      ServiceKey: { construct: dataKey, l1: kms.CfnKey },
      SecureVpc: { construct: network, l1: ec2.CfnVPC },
      SecureFunction: { construct: fn, l1: lambda.CfnFunction },
      TlsLoadBalancer: { construct: loadBalancer, l1: elbv2.CfnLoadBalancer },
      WebFirewall: { construct: firewall, l1: wafv2.CfnWebACL },
      JwtAuthorizer: { construct: authorizer, l1: apigateway.CfnAuthorizer },
      SecureRestApi: { construct: restApi, l1: apigateway.CfnRestApi },
      UserDirectory: { construct: users, l1: cognito.CfnUserPool },
      IdentityRateLimiter: { construct: rateLimiter, l1: elasticache.CfnServerlessCache },
      IamAuthDatabase: { construct: database, l1: rds.CfnDBCluster },
      DatabaseBootstrap: { construct: bootstrap, l1: CfnResource },
      ManagedSecret: { construct: secret, l1: secretsmanager.CfnSecret },
    },
  };
}

describe('every public construct', () => {
  const { built } = buildEveryConstruct();
  const publicConstructs = Object.entries(root)
    .filter(([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Construct)
    .map(([name]) => name).sort();

  test('is covered here (a new public construct needs a row in buildEveryConstruct)', () => {
    expect(Object.keys(built).sort()).toEqual(publicConstructs);
  });

  test.each(Object.keys(built).sort())('%s: node.defaultChild is its main L1 resource', (name) => {
    const { construct, l1 } = built[name];
    expect(construct).toBeInstanceOf((root as unknown as Record<string, new (...a: never[]) => Construct>)[name]);
    const child = construct.node.defaultChild;
    expect(child).toBeInstanceOf(l1);
    expect(child).toBeInstanceOf(CfnResource);
    if (name === 'DatabaseBootstrap') expect((child as CfnResource).cfnResourceType).toBe('Custom::DatabaseBootstrap');
  });

  test('constructs that own security groups are ec2.IConnectable (connections)', () => {
    for (const name of ['SecureFunction', 'TlsLoadBalancer', 'JwtAuthorizer', 'IdentityRateLimiter', 'IamAuthDatabase']) {
      const connections = (built[name].construct as Partial<ec2.IConnectable>).connections;
      expect({ name, connections: connections instanceof ec2.Connections }).toEqual({ name, connections: true });
      expect({ name, groups: connections!.securityGroups.length > 0 }).toEqual({ name, groups: true });
    }
  });

  test('network grants go through connections, IAM grants through grantConnect (no other connection method names)', () => {
    const db = built.IamAuthDatabase.construct as root.IamAuthDatabase;
    const cache = built.IdentityRateLimiter.construct as root.IdentityRateLimiter;
    const fn = built.SecureFunction.construct as root.SecureFunction;
    db.connections.allowDefaultPortFrom(fn);
    cache.connections.allowDefaultPortFrom(fn);
    expect(db.grantConnect(fn, 'app_user').success).toBe(true);
    expect(cache.grantConnect(fn).success).toBe(true);
    for (const name of publicConstructs) {
      const proto = (root as unknown as Record<string, { prototype: object }>)[name].prototype;
      const methods = Object.getOwnPropertyNames(proto).filter((m) => /^allow|connect/i.test(m));
      expect({ name, methods: methods.filter((m) => m !== 'grantConnect') }).toEqual({ name, methods: [] });
    }
  });
});

describe('synth warnings use one id style: aws-security-baseline/<construct>:<kebab-case>', () => {
  test('warn() writes the prefixed id and refuses another style', () => {
    const stack = new Stack(new App(), 'W');
    warn(stack, 'tls-load-balancer:deletion-protection-off', 'message');
    Annotations.fromStack(stack).hasWarning('/W', Match.stringLikeRegexp('\\[ack: aws-security-baseline/tls-load-balancer:deletion-protection-off\\]'));
    for (const bad of ['tls-load-balancer:deletionProtectionOff', 'TlsLoadBalancer:x', 'tls-load-balancer', 'a:b:c', 'a_b:c']) {
      expect(() => warn(stack, bad, 'message')).toThrow(/does not match/);
    }
    expect(kebabCase('managedRules.anonymousIp.mode-count')).toBe('managed-rules-anonymous-ip-mode-count');
  });

  test('no construct adds a warning except through warn(), and every literal id has the style', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(ROOT, 'lib'));
    const ids: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(ROOT, file);
      if (rel !== join('lib', 'internal', 'warnings.ts')) expect({ rel, direct: /addWarning(V2)?\(/.test(text) }).toEqual({ rel, direct: false });
      ids.push(...[...text.matchAll(/\bwarn\(this, '([^']+)'/g)].map((m) => m[1]));
      for (const m of text.matchAll(/'Annotation::([^'`<]+)'/g)) expect(m[1]).toMatch(WARNING_ID);
    }
    expect(ids.length).toBeGreaterThan(5);
    for (const id of ids) expect(`aws-security-baseline/${id}`).toMatch(WARNING_ID);
  });

  test('warnings raised by the constructs carry ids of that style', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Loose', { env: { account: '111111111111', region: 'eu-west-1' } });
    const logsKey = new root.LogsKey(stack, 'LogsKey');
    const network = new root.SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
    new root.TlsLoadBalancer(stack, 'LoadBalancer', { vpc: network.vpc, domainName: 'app.example.com',
      certificate: undefined, hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'example.com' }),
      deletionProtection: false });
    new root.WebFirewall(stack, 'Firewall', { logsKey: logsKey.key, rateLimit: { mode: root.FirewallRuleMode.COUNT }, managedRules: { sqlDatabase: { enabled: false } } });
    new root.UserDirectory(stack, 'Users', { callbackUrls: ['https://app.example.com/cb'], domainPrefix: 'loose-test', selfSignUpEnabled: true });
    new root.IdentityRateLimiter(stack, 'RateLimiter', { vpc: network.vpc, snapshotRetention: Duration.days(0) });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    const ids = warnings.map((w) => /\[ack: ([^\]]+)\]/.exec(String(w.entry.data))?.[1]).filter((id): id is string => id?.startsWith('aws-security-baseline/') ?? false);
    expect(ids.sort()).toEqual([
      'aws-security-baseline/identity-rate-limiter:no-snapshots',
      'aws-security-baseline/tls-load-balancer:deletion-protection-off',
      'aws-security-baseline/user-directory:self-sign-up',
      'aws-security-baseline/web-firewall:managed-rules-sql-database-off',
      'aws-security-baseline/web-firewall:rate-limit-mode-count',
    ]);
    for (const id of ids) expect(id).toMatch(WARNING_ID);
  });
});
