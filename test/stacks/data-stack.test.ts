import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import { APP_DB_USER } from '../../app/stacks/data-stack';
import { buildTestApp } from '../helpers/baseline';
import { formatFindings, ruleFindings } from '../helpers/compliance';

/**
 * Logical ids of the stateful resources of the data stack. A refactor that changes one of them makes
 * CloudFormation replace the resource: a new, empty database, a new key (old snapshots unreadable),
 * a new vault. Changing this list must be a deliberate, reviewed decision with a migration plan.
 */
const PINNED_STATEFUL_IDS: Record<string, string[]> = {
  'AWS::RDS::DBCluster': ['DatabaseCluster5B53A178'],
  'AWS::RDS::DBInstance': ['DatabaseClusterWriterD43085C6', 'DatabaseClusterReader78FE9854'],
  'AWS::RDS::DBSubnetGroup': ['DatabaseClusterSubnets5540150D'],
  'AWS::RDS::DBClusterParameterGroup': ['DatabaseParameterGroup2A921026'],
  'AWS::KMS::Key': ['LogsKey195F8DFC', 'DataKey5CEB6F76', 'SecretsKeyE4821A66', 'RateLimiterKey73D2D6DF'],
  'AWS::ElastiCache::ServerlessCache': ['RateLimiter8DD429F4'],
  'AWS::Backup::BackupVault': ['DatabaseBackupVaultED8CBFE1'],
  'AWS::Logs::LogGroup': ['DatabasePostgresqlLogs0EEFD61B', 'DatabaseBootstrapHandlerLogGroup24096105', 'DatabaseBootstrapProviderLogs93D8F422'],
  'AWS::EC2::SecurityGroup': ['DatabaseSecurityGroup5C91FDCB', 'DatabaseClientSecurityGroup21D2B2F3'],
  'Custom::DatabaseBootstrap': ['DatabaseBootstrapC5F0F99D'],
  // The master secret is RDS-managed (ManageMasterUserPassword): it has no logical id of its own; it lives and dies with the cluster.
  // The only template secret is the rate-limit cache's disabled default user's password (never used to sign in).
  'AWS::SecretsManager::Secret': ['RateLimiterDisabledDefaultUserPasswordBA9F19EF'],
};

describe('DataStack', () => {
  const { app, stages } = buildTestApp();
  const dev = stages.find((s) => s.stage.name === 'dev')!;
  const prod = stages.find((s) => s.stage.name === 'prod')!;
  const devT = Template.fromStack(dev.data);
  const prodT = Template.fromStack(prod.data);

  test('rule packs pass for the data stacks of every stage', () => {
    const findings = ruleFindings(app).filter((f) => /^secbase-[a-z]+-data\//.test(f.path));
    expect(formatFindings(findings)).toBe('');
  });

  test.each([['dev'], ['prod']])('%s: the logical ids of the stateful resources are pinned', (name) => {
    const t = name === 'dev' ? devT : prodT;
    for (const [type, ids] of Object.entries(PINNED_STATEFUL_IDS)) {
      const actual = Object.keys(t.findResources(type));
      const expected = name === 'dev' ? ids.filter((id) => id !== 'DatabaseClusterReader78FE9854') : ids;
      // Every pinned resource exists under its pinned id, and nothing stateful was added without being pinned.
      expect({ type, ids: actual.filter((id) => type !== 'AWS::EC2::SecurityGroup' || expected.includes(id)).sort() }).toEqual({ type, ids: [...expected].sort() });
    }
  });

  test('stateful resources keep their data on deletion', () => {
    for (const t of [devT, prodT]) {
      t.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
      for (const id of ['DataKey5CEB6F76', 'SecretsKeyE4821A66', 'DatabaseBackupVaultED8CBFE1']) {
        expect(t.toJSON().Resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
  });

  test('every KMS key rotates', () => {
    for (const t of [devT, prodT]) {
      const keys = Object.values(t.findResources('AWS::KMS::Key'));
      expect(keys).toHaveLength(4);
      for (const k of keys) expect(k.Properties).toMatchObject({ EnableKeyRotation: true });
    }
  });

  test('stage settings: prod is multi-AZ with 35-day backups and deletion protection; dev is single-AZ and scales to zero', () => {
    prodT.hasResourceProperties('AWS::RDS::DBCluster', {
      BackupRetentionPeriod: 35, DeletionProtection: true, EnableIAMDatabaseAuthentication: true, StorageEncrypted: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    prodT.resourceCountIs('AWS::RDS::DBInstance', 2);
    devT.hasResourceProperties('AWS::RDS::DBCluster', {
      BackupRetentionPeriod: 7, DeletionProtection: false, ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2, SecondsUntilAutoPause: 300 },
    });
    devT.resourceCountIs('AWS::RDS::DBInstance', 1);
    prodT.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/rds/cluster/secbase-prod-data-db/postgresql', RetentionInDays: 1827 });
  });

  test('the bootstrap custom resource gets references only and runs after the writer instance exists', () => {
    const cr = prodT.findResources('Custom::DatabaseBootstrap');
    const [resource] = Object.values(cr) as any[];
    expect(resource.Properties).toMatchObject({
      DbHost: { 'Fn::GetAtt': ['DatabaseCluster5B53A178', 'Endpoint.Address'] },
      DbPort: '5432',
      DbName: 'app',
      MasterSecretArn: { 'Fn::GetAtt': ['DatabaseCluster5B53A178', 'MasterUserSecret.SecretArn'] },
      AppUser: APP_DB_USER,
      CodeHash: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(resource.DependsOn).toEqual(expect.arrayContaining(['DatabaseCluster5B53A178', 'DatabaseClusterWriterD43085C6', 'DatabaseClusterReader78FE9854']));
  });

  test('the bootstrap handler runs in private subnets, in the database client group, and reads only the master secret', () => {
    const handler = prod.data.bootstrap.handler;
    const logicalId = prod.data.getLogicalId(handler.function.node.defaultChild as any);
    const fn = prodT.toJSON().Resources[logicalId];
    expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': ['DatabaseClientSecurityGroup21D2B2F3', 'GroupId'] }]));
    expect(JSON.stringify(fn.Properties.VpcConfig.SubnetIds)).toMatch(/privateSubnet/);
    prodT.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: prod.data.getLogicalId(handler.role.node.defaultChild as any) }],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: { 'Fn::GetAtt': ['DatabaseCluster5B53A178', 'MasterUserSecret.SecretArn'] } }),
          Match.objectLike({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
        ]),
      }),
    });
  });

  test('the provider framework function runs in the VPC with tracing, reserved concurrency and a dead-letter queue', () => {
    prodT.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'framework.onEvent',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 1,
      MemorySize: 256,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      LoggingConfig: Match.objectLike({ LogGroup: { Ref: 'DatabaseBootstrapProviderLogs93D8F422' } }),
    });
  });

  test('contract: grantConnect for app_user from another stack, client security group, endpoint, port and database name', () => {
    // GIVEN a function role in another stack (as the API stack does), in a fresh app
    const { app, stages: fresh } = buildTestApp({ stages: ['prod'] });
    const prod = fresh[0];
    const consumer = new Stack(app, 'Consumer', { env: { account: prod.data.account, region: prod.data.region } });
    const role = new iam.Role(consumer, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    prod.data.database.grantConnect(role, APP_DB_USER);
    // THEN
    const text = JSON.stringify(Template.fromStack(consumer).toJSON());
    expect(text).toMatch(/"Action":"rds-db:connect"/);
    expect(text).toMatch(/dbuser:.*\/app_user"/);
    expect(prod.data.database.clientSecurityGroup).toBeInstanceOf(ec2.SecurityGroup);
    expect(prod.data.database.port).toBe(5432);
    expect(prod.data.database.databaseName).toBe('app');
    expect(prod.data.database.endpointAddress).toEqual(expect.any(String));
  });
});
