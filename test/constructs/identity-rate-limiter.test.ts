import { join } from 'path';
import { App, Aspects, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import fc from 'fast-check';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib/aspects/security-baseline';
import { IdentityRateLimiter, RateLimitCacheEngine } from '../../lib/constructs/identity-rate-limiter';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureFunction } from '../../lib/constructs/secure-function';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { ManagedPolicyRole } from '../../lib/internal/managed-policy-role';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgements, formatFindings, ruleFindings, ruleFindingsWithout } from '../helpers/compliance';

const ENTRY = join(__dirname, '..', 'fixtures', 'hello.ts');

function setup() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey').key;
  // public, private (egress) and isolated subnets in two AZs, flow logs on
  const vpc = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey }).vpc;
  return { app, stack, vpc };
}

function handler(stack: Stack, vpc: ec2.IVpc, id = 'Fn') {
  const logsKey = (stack.node.tryFindChild('LogsKey') as LogsKey | undefined)?.key ?? new LogsKey(stack, 'LogsKey').key;
  return new SecureFunction(stack, id, { entry: ENTRY, description: 'api', vpc, logsKey });
}

describe('IdentityRateLimiter', () => {
  test('defaults: Valkey 8 serverless cache in the isolated subnets, CMK, usage limits, daily snapshots, IAM user group', () => {
    // GIVEN
    const { stack, vpc } = setup();
    // WHEN
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc });
    // THEN
    const t = Template.fromStack(stack);
    const isolated = vpc.isolatedSubnets.map((s) => stack.resolve(s.subnetId));
    t.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      ServerlessCacheName: rl.cacheName,
      Engine: 'valkey',
      MajorEngineVersion: '8',
      SubnetIds: isolated,
      SecurityGroupIds: [stack.resolve(rl.securityGroup.securityGroupId)],
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('RateLimitKey'), 'Arn'] },
      UserGroupId: stack.resolve(rl.userGroup.userGroupId),
      CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' }, ECPUPerSecond: { Maximum: 10000 } },
      SnapshotRetentionLimit: 1,
      DailySnapshotTime: '03:00',
    });
    t.hasResource('AWS::ElastiCache::ServerlessCache', { DeletionPolicy: 'Delete' });
    expect(rl.cacheName).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('rate-limit cache') });
  });

  test('TLS in transit: a serverless cache always requires TLS (no property can turn it off); the template sets no plaintext option', () => {
    const { stack, vpc } = setup();
    new IdentityRateLimiter(stack, 'RateLimit', { vpc });
    const cache = Object.values(Template.fromStack(stack).findResources('AWS::ElastiCache::ServerlessCache'))[0];
    // CfnServerlessCache has no TransitEncryption* property: ElastiCache Serverless only accepts TLS connections.
    expect(Object.keys(cache.Properties).filter((k) => /transit|tls/i.test(k))).toEqual([]);
    // (its public properties, one per CloudFormation property; a replication group, which has the option, shows it)
    const { CfnReplicationGroup, CfnServerlessCache } = require('aws-cdk-lib/aws-elasticache');
    const tlsProperties = (l1: { prototype: object }) => Object.getOwnPropertyNames(l1.prototype).filter((k) => /transit|tls/i.test(k));
    expect(tlsProperties(CfnServerlessCache)).toEqual([]);
    expect(tlsProperties(CfnReplicationGroup)).toEqual(['transitEncryptionEnabled', 'transitEncryptionMode']);
  });

  test('IAM authentication: an iam user confined to the limiter script and keys; the default user is disabled', () => {
    const { stack, vpc } = setup();
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElastiCache::User', {
      Engine: 'valkey', UserId: rl.userId, UserName: rl.userId,
      AuthenticationMode: { Type: 'iam' },
      AccessString: 'on ~rl:v1:* -@all +@connection +evalsha +script|load +get +set +time',
    });
    t.hasResourceProperties('AWS::ElastiCache::User', {
      UserName: 'default', AccessString: 'off -@all',
      AuthenticationMode: { Type: 'password', Passwords: [Match.objectLike({ 'Fn::Join': Match.anyValue() })] },
    });
    t.hasResourceProperties('AWS::ElastiCache::UserGroup', { Engine: 'valkey', UserIds: [`${rl.cacheName}-default`, rl.userId] });
    // The disabled user's password is generated in Secrets Manager, encrypted with the CMK, never in the template.
    t.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.anyValue(), GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) });
    expect(JSON.stringify(t.toJSON())).toMatch(/resolve:secretsmanager/);
  });

  test('security group: admits only the handlers passed in and the client group, on 6379; no outbound', () => {
    // GIVEN a handler
    const { stack, vpc } = setup();
    const fn = handler(stack, vpc);
    // WHEN it is passed as a client
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc, clients: [fn] });
    // THEN the cache group admits exactly the function's group and the client group, on 6379 only
    const t = Template.fromStack(stack);
    const ingress = t.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: stack.resolve(rl.securityGroup.securityGroupId) } });
    const rules = Object.values(ingress).map((r) => r.Properties);
    expect(rules).toHaveLength(2);
    for (const r of rules) {
      expect(r).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 });
      expect(r.CidrIp).toBeUndefined();
    }
    expect(rules.map((r) => r.SourceSecurityGroupId).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([stack.resolve(rl.clientSecurityGroup.securityGroupId), stack.resolve(fn.connections.securityGroups[0].securityGroupId)]
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    // no 0.0.0.0/0 egress from the cache or the client group
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('admits only its clients'),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    // the client group may reach the cache on 6379 only
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: stack.resolve(rl.clientSecurityGroup.securityGroupId), FromPort: 6379, ToPort: 6379,
      DestinationSecurityGroupId: stack.resolve(rl.securityGroup.securityGroupId),
    });
  });

  test('grantConnect: elasticache:Connect on the cache and the user ARNs only', () => {
    const { stack, vpc } = setup();
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc });
    const role = new ManagedPolicyRole(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    rl.grantConnect(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow', Action: 'elasticache:Connect',
          Resource: [stack.resolve(rl.cache.attrArn), stack.resolve(rl.user.attrArn)],
        }],
      },
    });
  });

  test('clientEnvironment names the endpoint, cache, user and key prefix', () => {
    const { stack, vpc } = setup();
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc, cacheName: 'notes-rl', keyPrefix: 'api' });
    const env = stack.resolve(rl.clientEnvironment());
    expect(env).toEqual({
      RATE_LIMIT_REDIS_HOST: { 'Fn::GetAtt': [expect.stringMatching(/^RateLimit/), 'Endpoint.Address'] },
      RATE_LIMIT_REDIS_PORT: { 'Fn::GetAtt': [expect.stringMatching(/^RateLimit/), 'Endpoint.Port'] },
      RATE_LIMIT_CACHE_NAME: 'notes-rl',
      RATE_LIMIT_USER_ID: 'notes-rl-app',
      RATE_LIMIT_KEY_PREFIX: 'api',
    });
  });

  test('overrides: Redis OSS 7, given key and subnets, limits, snapshots, removal policy', () => {
    const { stack, vpc } = setup();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new IdentityRateLimiter(stack, 'RateLimit', {
      vpc, engine: RateLimitCacheEngine.REDIS_7, encryptionKey: key, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      maxDataStorage: Size.gibibytes(5), maxEcpuPerSecond: 50_000, dailySnapshotTime: '22:30', snapshotRetention: Duration.days(7), cacheName: 'notes-rl',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      ServerlessCacheName: 'notes-rl', Engine: 'redis', MajorEngineVersion: '7',
      SubnetIds: vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)),
      KmsKeyId: stack.resolve(key.keyArn),
      CacheUsageLimits: { DataStorage: { Maximum: 5, Unit: 'GB' }, ECPUPerSecond: { Maximum: 50000 } },
      SnapshotRetentionLimit: 7, DailySnapshotTime: '22:30',
    });
    t.hasResource('AWS::ElastiCache::ServerlessCache', { DeletionPolicy: 'Retain' });
    t.resourcePropertiesCountIs('AWS::ElastiCache::User', { Engine: 'redis' }, 2);
    t.resourcePropertiesCountIs('AWS::KMS::Key', { Description: Match.stringLikeRegexp('rate-limit cache') }, 0);
  });

  test('engine versions: Valkey 7 and a major version the library does not name yet', () => {
    for (const [engine, name, version] of [[RateLimitCacheEngine.VALKEY_7, 'valkey', '7'], [RateLimitCacheEngine.valkey('9'), 'valkey', '9'], [RateLimitCacheEngine.redis('8'), 'redis', '8']] as const) {
      const { stack, vpc } = setup();
      new IdentityRateLimiter(stack, 'RateLimit', { vpc, engine });
      Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: name, MajorEngineVersion: version });
      Template.fromStack(stack).resourcePropertiesCountIs('AWS::ElastiCache::User', { Engine: name }, 2);
    }
  });

  test('tokens: maxDataStorage and snapshotRetention from parameters pass unchecked; endpointPort is a number token of the endpoint port', () => {
    const { stack, vpc } = setup();
    const gb = Token.asNumber({ Ref: 'StorageGb' });
    const days = Token.asNumber({ Ref: 'SnapshotDays' });
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc, maxDataStorage: Size.gibibytes(gb), snapshotRetention: Duration.days(days) });
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      CacheUsageLimits: { DataStorage: { Maximum: { Ref: 'StorageGb' }, Unit: 'GB' }, ECPUPerSecond: { Maximum: 10000 } },
      SnapshotRetentionLimit: { Ref: 'SnapshotDays' },
    });
    expect(Token.isUnresolved(rl.endpointPort)).toBe(true);
    expect(stack.resolve(rl.endpointPort)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(rl.cache), 'Endpoint.Port'] });
  });

  test('snapshotRetention of 0 days turns snapshots off with a warning', () => {
    const { stack, vpc } = setup();
    new IdentityRateLimiter(stack, 'RateLimit', { vpc, snapshotRetention: Duration.days(0) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { SnapshotRetentionLimit: 0, DailySnapshotTime: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/S/RateLimit', Match.stringLikeRegexp('no snapshots'));
  });

  test('rule packs pass with the construct, a client handler and a grant; every acknowledgement is needed', () => {
    // GIVEN
    const { app, stack, vpc } = setup();
    const fn = handler(stack, vpc);
    const rl = new IdentityRateLimiter(stack, 'RateLimit', { vpc, clients: [fn] });
    rl.grantConnect(fn);
    // THEN no unacknowledged finding
    expect(formatFindings(ruleFindings(app))).toBe('');
    // and the limiter's own acknowledgements are exactly the disabled default user's rotation rules
    const mine = acknowledgements(rl).filter((a) => !a.id.startsWith('CloudFormation-Validate::'));
    expect(mine.map((a) => a.id).sort()).toEqual([
      'AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'SecurityBaseline-SECRET1',
    ]);
    // without them, exactly those findings are open below the limiter
    const nag = mine.filter((a) => !a.id.startsWith('SecurityBaseline-'));
    expect(ruleFindingsWithout(app, rl).filter((f) => /^\/?S\/RateLimit\//.test(f.path)).map((f) => f.rule).sort()).toEqual(nag.map((a) => a.id).sort());
    // the SecurityBaseline acknowledgement covers the Aspect's rotation finding on the same secret (its only finding there)
    const baseline = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
    Aspects.of(app).add(baseline);
    app.synth();
    expect(baseline.findings.filter((f) => f.path.startsWith('S/RateLimit/')).map((f) => `${f.ruleId} @ ${f.path} acknowledged: ${f.acknowledged}`))
      .toEqual(['SecurityBaseline-SECRET1 @ S/RateLimit/DisabledDefaultUserPassword/Resource acknowledged: true']);
  });

  test('cross-stack: handlers in another stack join clientSecurityGroup, get grantConnect and clientEnvironment, with no reference cycle', () => {
    // GIVEN the cache in a data stack and the handler in an API stack (as DataStack / ApiStack)
    const { app, stack: data, vpc } = setup();
    const rl = new IdentityRateLimiter(data, 'RateLimit', { vpc });
    const api = new Stack(app, 'Api', { env: { account: '111111111111', region: 'eu-west-1' } });
    const fn = new SecureFunction(api, 'Fn', {
      entry: ENTRY, description: 'api', vpc, logsKey: new LogsKey(api, 'LogsKey').key,
      securityGroups: [rl.clientSecurityGroup], environment: rl.clientEnvironment(),
    });
    rl.grantConnect(fn);
    // WHEN the app synthesizes, THEN no cycle, no finding, and the API stack only imports from the data stack
    expect(() => app.synth()).not.toThrow();
    expect(formatFindings(ruleFindings(app))).toBe('');
    expect(data.dependencies).toEqual([]);
    expect(api.dependencies).toContain(data);
    Template.fromStack(api).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RATE_LIMIT_CACHE_NAME: rl.cacheName, RATE_LIMIT_USER_ID: rl.userId, RATE_LIMIT_REDIS_HOST: { 'Fn::ImportValue': Match.anyValue() } }) },
      VpcConfig: { SecurityGroupIds: [{ 'Fn::ImportValue': Match.anyValue() }], SubnetIds: Match.anyValue() },
    });
  });

  describe('validation', () => {
    test.each([
      ['maxDataStorage', { maxDataStorage: Size.gibibytes(0) }, /invalid maxDataStorage = "0 GiB"\. Fix: use whole GiB from 1 to 5000/],
      ['maxDataStorage', { maxDataStorage: Size.gibibytes(5001) }, /invalid maxDataStorage = "5001 GiB"/],
      ['maxDataStorage not whole GiB', { maxDataStorage: Size.mebibytes(1536) }, /invalid maxDataStorage = "1.5 GiB"\. Fix: use whole GiB from 1 to 5000, for example Size\.gibibytes\(5\)/],
      ['maxEcpuPerSecond', { maxEcpuPerSecond: 999 }, /invalid maxEcpuPerSecond = 999/],
      ['maxEcpuPerSecond', { maxEcpuPerSecond: 1.5e7 + 1 }, /invalid maxEcpuPerSecond/],
      ['snapshotRetention', { snapshotRetention: Duration.days(36) }, /invalid snapshotRetention = "36 days"\. Fix: keep snapshots 0 to 35 whole days/],
      ['snapshotRetention not whole days', { snapshotRetention: Duration.hours(36) }, /invalid snapshotRetention = "1 day 12 hours"\. Fix: keep snapshots 0 to 35 whole days/],
      ['dailySnapshotTime', { dailySnapshotTime: '3am' }, /invalid dailySnapshotTime = "3am"\. Fix: use HH:MM/],
      ['dailySnapshotTime with snapshots off', { dailySnapshotTime: '03:00', snapshotRetention: Duration.days(0) }, /snapshotRetention is 0 days/],
      ['cacheName', { cacheName: 'Notes_RL' }, /invalid cacheName = "Notes_RL"\. Fix: 1-32 lowercase/],
      ['cacheName too long', { cacheName: 'a'.repeat(33) }, /invalid cacheName/],
      ['keyPrefix', { keyPrefix: 'a b' }, /invalid keyPrefix = "a b"/],
      ['engine version', { engine: RateLimitCacheEngine.valkey('6') }, /invalid engine = "valkey 6"\. Fix: use major version 7 or later/],
      ['engine version not a number', { engine: RateLimitCacheEngine.redis('7.x') }, /invalid engine = "redis 7\.x"/],
      ['engine as a string (the former enum)', { engine: 'valkey' as unknown as RateLimitCacheEngine }, /invalid engine = "valkey"\. Fix: use RateLimitCacheEngine\.VALKEY_8/],
    ])('fails if %s is out of range', (_name, props, error) => {
      const { stack, vpc } = setup();
      expect(() => new IdentityRateLimiter(stack, 'RateLimit', { vpc, ...props })).toThrow(error);
    });

    test('generated sizes and retentions: accepted exactly when whole GiB 1-5000 and whole days 0-35, and rendered as such', () => {
      // GIVEN one stack; each case is a new limiter in it
      const { stack, vpc } = setup();
      const GIB_PER = { mebibytes: 1 / 1024, gibibytes: 1, tebibytes: 1024 } as const;
      const DAYS_PER = { hours: 1 / 24, days: 1 } as const;
      let n = 0;
      let built = 0;
      fc.assert(fc.property(
        fc.constantFrom(...Object.keys(GIB_PER) as (keyof typeof GIB_PER)[]), fc.oneof(fc.integer({ min: 0, max: 6000 }), fc.integer({ min: 0, max: 6 }).map((k) => k * 1024)),
        fc.constantFrom(...Object.keys(DAYS_PER) as (keyof typeof DAYS_PER)[]), fc.oneof(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 0, max: 40 }).map((k) => k * 24)),
        (sizeUnit, sizeAmount, retentionUnit, retentionAmount) => {
          // the reference model
          const gb = sizeAmount * GIB_PER[sizeUnit];
          const days = retentionAmount * DAYS_PER[retentionUnit];
          const accepted = Number.isInteger(gb) && gb >= 1 && gb <= 5000 && Number.isInteger(days) && days >= 0 && days <= 35;
          // WHEN
          let rl: IdentityRateLimiter | undefined;
          try {
            rl = new IdentityRateLimiter(stack, `RateLimit${n++}`, {
              vpc, maxDataStorage: Size[sizeUnit](sizeAmount), snapshotRetention: Duration[retentionUnit](retentionAmount),
            });
          } catch (err) {
            expect(String(err)).toMatch(/invalid (maxDataStorage|snapshotRetention) = .*\. Fix: /);
          }
          // THEN
          expect(rl !== undefined).toBe(accepted);
          if (rl) {
            built++;
            expect(stack.resolve(rl.cache.cacheUsageLimits)).toMatchObject({ dataStorage: { maximum: gb, unit: 'GB' } });
            expect(rl.cache.snapshotRetentionLimit).toBe(days);
          }
        }), { numRuns: 60 });
      expect(built).toBeGreaterThan(0);
    });

    test('fails if the subnets are public', () => {
      const { stack, vpc } = setup();
      expect(() => new IdentityRateLimiter(stack, 'RateLimit', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }))
        .toThrow(/S\/RateLimit: invalid vpcSubnets .*must not sit in a public subnet/);
    });

    test('fails if fewer than two subnets are selected', () => {
      const { stack, vpc } = setup();
      expect(() => new IdentityRateLimiter(stack, 'RateLimit', { vpc, vpcSubnets: { subnets: [vpc.isolatedSubnets[0]] } }))
        .toThrow(/invalid vpcSubnets .*at least two Availability Zones/);
    });
  });
});
