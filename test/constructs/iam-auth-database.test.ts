import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ServiceKey } from '../../lib/constructs/encryption-keys';
import { IamAuthDatabase, IamAuthDatabaseProps, MinimumTlsVersion } from '../../lib/constructs/iam-auth-database';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { formatFindings, ruleFindings } from '../helpers/compliance';

interface Fixture {
  app: App;
  stack: Stack;
  vpc: ec2.IVpc;
  db: IamAuthDatabase;
  dataKey: ServiceKey;
  secretsKey: ServiceKey;
}

function build(props: Partial<IamAuthDatabaseProps> = {}): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Db', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key, natGateways: 0 });
  const dataKey = new ServiceKey(stack, 'DataKey', { purpose: 'database', services: ['rds', 'backup'] });
  const secretsKey = new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager'] });
  const db = new IamAuthDatabase(stack, 'Database', {
    vpc: network.vpc, storageEncryptionKey: dataKey.key, secretEncryptionKey: secretsKey.key, logsKey: logsKey.key, ...props,
  });
  return { app, stack, vpc: network.vpc, db, dataKey, secretsKey };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('IamAuthDatabase', () => {
  const f = build();
  const template = Template.fromStack(f.stack);

  test('passes every rule pack with zero unacknowledged findings', () => {
    expect(formatFindings(ruleFindings(f.app))).toBe('');
  });

  test('IAM authentication, CMK storage encryption, deletion protection, 7+ day backups, snapshot on removal', () => {
    template.hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        EnableIAMDatabaseAuthentication: true,
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [ref(f.stack, f.dataKey), 'Arn'] },
        DeletionProtection: true,
        BackupRetentionPeriod: 7,
        CopyTagsToSnapshot: true,
        PerformanceInsightsEnabled: true,
        PerformanceInsightsKmsKeyId: { 'Fn::GetAtt': [ref(f.stack, f.dataKey), 'Arn'] },
        EnableCloudwatchLogsExports: ['postgresql'],
      }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('the master password is managed and rotated by RDS and encrypted with the secrets CMK', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      ManageMasterUserPassword: true,
      MasterUserSecret: { KmsKeyId: { 'Fn::GetAtt': [ref(f.stack, f.secretsKey), 'Arn'] } },
      MasterUsername: 'dbadmin',
      MasterUserPassword: Match.absent(),
    });
    // No secret resource, so nothing to leak or forget to rotate in the template.
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('the cluster parameter group forces TLS 1.3 and logs connections', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', ssl_min_protocol_version: 'TLSv1.3', log_connections: '1', log_disconnections: '1' },
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      DBClusterParameterGroupName: { Ref: Match.stringLikeRegexp('^DatabaseParameterGroup') },
    });
  });

  test('the subnet group uses the isolated subnets only', () => {
    const isolated = f.vpc.isolatedSubnets.map((s) => ({ Ref: ref(f.stack, s) }));
    expect(isolated).toHaveLength(2);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: isolated });
  });

  test('instances: serverless v2, not public, Enhanced Monitoring, a reader in a second zone', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless', PubliclyAccessible: false, MonitoringInterval: 60, AvailabilityZone: 'eu-west-1a',
      AutoMinorVersionUpgrade: true, CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { AvailabilityZone: 'eu-west-1b', PromotionTier: 1 });
  });

  test('single-AZ: no reader; scale to zero with auto-pause', () => {
    const single = build({ multiAz: false, serverlessV2MinCapacity: 0, serverlessV2AutoPauseDuration: Duration.minutes(10) });
    const t = Template.fromStack(single.stack);
    t.resourceCountIs('AWS::RDS::DBInstance', 1);
    t.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
  });

  test('the exported postgresql log group exists before the cluster, encrypted, with a year of retention', () => {
    const logGroup = ref(f.stack, f.db.logGroup);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: {
        LogGroupName: '/aws/rds/cluster/db-database/postgresql',
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
        RetentionInDays: 365,
      },
    });
    template.hasResource('AWS::RDS::DBCluster', { DependsOn: Match.arrayWith([logGroup]), Properties: Match.objectLike({ DBClusterIdentifier: 'db-database' }) });
  });

  test('the database security group admits the port only from the client group and groups passed in', () => {
    const f = build();
    const other = new ec2.SecurityGroup(f.stack, 'Other', { vpc: f.vpc });
    f.db.connections.allowDefaultPortFrom(other);
    const t = Template.fromStack(f.stack);
    const dbSg = ref(f.stack, f.db.securityGroup);
    const ingress = t.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: { 'Fn::GetAtt': [dbSg, 'GroupId'] } } });
    const sources = Object.values(ingress).map((r) => (r as any).Properties);
    expect(sources).toHaveLength(2);
    for (const s of sources) {
      expect(s).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
      expect(s.CidrIp).toBeUndefined();
    }
    expect(sources.map((s) => s.SourceSecurityGroupId['Fn::GetAtt'][0]).sort())
      .toEqual([ref(f.stack, f.db.clientSecurityGroup), ref(f.stack, other)].sort());
    // No inline CIDR ingress on the group either.
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('PostgreSQL from named client security groups only'),
      SecurityGroupIngress: Match.absent(),
    });
    // The client group may only reach the database port.
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [ref(f.stack, f.db.clientSecurityGroup), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [dbSg, 'GroupId'] },
      FromPort: 5432, ToPort: 5432,
    });
  });

  test('grantConnect grants rds-db:connect on exactly one database user', () => {
    const f = build();
    const role = new iam.Role(f.stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    f.db.grantConnect(role, 'app_user');
    const policies = Template.fromStack(f.stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => (p as any).Properties.PolicyDocument.Statement);
    const connect = statements.filter((s: any) => JSON.stringify(s.Action).includes('rds-db'));
    expect(connect).toHaveLength(1);
    expect(connect[0].Action).toBe('rds-db:connect');
    expect(connect[0].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:eu-west-1:111111111111:dbuser:', { 'Fn::GetAtt': [ref(f.stack, f.db.cluster), 'DBClusterResourceId'] }, '/app_user']],
    });
  });

  test('AWS Backup plan selects the cluster into a CMK-encrypted vault that blocks manual deletion', () => {
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]) }),
    });
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [ref(f.stack, f.dataKey), 'Arn'] },
      AccessPolicy: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['backup:DeleteRecoveryPoint']) })]) }),
    });
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: Match.objectLike({ BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: 7 } })] }),
    });
  });

  test('Enhanced Monitoring role has a customer-managed policy scoped to RDSOSMetrics', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:RDSOSMetrics:log-stream:*']] },
        })]),
      }),
    });
  });

  test('options: non-default port, 35-day backups, TLS 1.2 minimum, deletion protection off with a warning', () => {
    const o = build({ port: 6543, backupRetention: Duration.days(35), minimumTlsVersion: MinimumTlsVersion.TLS_1_2, deletionProtection: false });
    const t = Template.fromStack(o.stack);
    t.hasResourceProperties('AWS::RDS::DBCluster', { Port: 6543, BackupRetentionPeriod: 35, DeletionProtection: false });
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: Match.objectLike({ ssl_min_protocol_version: 'TLSv1.2', 'rds.force_ssl': '1' }) });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 6543, ToPort: 6543 });
    expect(formatFindings(ruleFindings(o.app))).toBe('');
    const warnings = o.db.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(/deletionProtection is off/);
  });

  test('fails if the backup retention is under 7 days or over 35', () => {
    expect(() => build({ backupRetention: Duration.days(1) })).toThrow(/invalid backupRetention = "1 day"\. Fix: keep automated backups 7 to 35 whole days/);
    expect(() => build({ backupRetention: Duration.days(36) })).toThrow(/invalid backupRetention = "36 days"/);
    // not whole days: the clear error, not aws-cdk-lib's conversion error
    expect(() => build({ backupRetention: Duration.hours(180) })).toThrow(/invalid backupRetention = "7 days 12 hours"\. Fix: keep automated backups 7 to 35 whole days/);
  });

  test('fails if the removal policy is DESTROY', () => {
    expect(() => build({ removalPolicy: RemovalPolicy.DESTROY })).toThrow(/Db\/Database: invalid removalPolicy = "DESTROY"/);
  });

  test('fails if capacities or auto-pause are out of range', () => {
    expect(() => build({ serverlessV2MinCapacity: 0.3 })).toThrow(/invalid serverlessV2MinCapacity = 0.3\. Fix: use 0 to 256 ACUs in half steps/);
    expect(() => build({ serverlessV2MaxCapacity: 300 })).toThrow(/invalid serverlessV2MaxCapacity = 300/);
    expect(() => build({ serverlessV2MinCapacity: 8, serverlessV2MaxCapacity: 4 })).toThrow(/serverlessV2MinCapacity at or below serverlessV2MaxCapacity/);
    expect(() => build({ serverlessV2AutoPauseDuration: Duration.minutes(10) })).toThrow(/auto-pause needs serverlessV2MinCapacity: 0/);
    expect(() => build({ serverlessV2MinCapacity: 0, serverlessV2AutoPauseDuration: Duration.seconds(60) }))
      .toThrow(/invalid serverlessV2AutoPauseDuration = "1 minute"\. Fix: use 300 to 86,400 whole seconds/);
    expect(() => build({ serverlessV2MinCapacity: 0, serverlessV2AutoPauseDuration: Duration.millis(300_500) }))
      .toThrow(/invalid serverlessV2AutoPauseDuration = "5 minutes 500 millis"/);
  });

  test('fails if names or the port are unsafe', () => {
    expect(() => build({ databaseName: 'app; DROP' })).toThrow(/invalid databaseName/);
    expect(() => build({ masterUsername: 'rdsadmin' })).toThrow(/invalid masterUsername/);
    expect(() => build({ clusterIdentifier: 'Bad_Name' })).toThrow(/invalid clusterIdentifier/);
    expect(() => build({ port: 80 })).toThrow(/invalid port = 80/);
    expect(() => build({ monitoringInterval: Duration.seconds(7) })).toThrow(/invalid monitoringInterval = "7 seconds"\. Fix: use Duration.seconds\(\) of 1, 5, 10, 15, 30 or 60/);
    expect(() => build({ monitoringInterval: Duration.millis(1500) })).toThrow(/invalid monitoringInterval = "1 second 500 millis"/);
  });

  test('fails if the VPC has no isolated subnets', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
    const key = new ServiceKey(stack, 'K', { purpose: 'x', services: ['rds'] });
    expect(() => new IamAuthDatabase(stack, 'Db', { vpc, storageEncryptionKey: key.key, secretEncryptionKey: key.key, logsKey: key.key }))
      .toThrow(/invalid vpc .*isolated subnets/);
  });

  test('fails if grantConnect names an unsafe, reserved or master user', () => {
    const f = build();
    const role = new iam.Role(f.stack, 'R2', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => f.db.grantConnect(role, '*')).toThrow(/invalid grantConnect.dbUser = "\*"/);
    expect(() => f.db.grantConnect(role, 'app_user/../x')).toThrow(/grantConnect.dbUser/);
    expect(() => f.db.grantConnect(role, 'dbadmin')).toThrow(/never the master user/);
    expect(() => f.db.grantConnect(role, 'rdsadmin')).toThrow(/grantConnect.dbUser/);
  });
});

describe('ServiceKey', () => {
  const f = build();
  const template = Template.fromStack(f.stack);

  test('rotation on, retained, data-plane use only through the named services', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        RotationPeriodInDays: 365,
        KeyPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'UseOnlyThroughNamedServices',
              Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey*']),
              Condition: { StringEquals: { 'kms:CallerAccount': '111111111111', 'kms:ViaService': ['rds.eu-west-1.amazonaws.com', 'backup.eu-west-1.amazonaws.com'] } },
            }),
            Match.objectLike({ Sid: 'DenyGrantsExceptForAwsResources', Effect: 'Deny' }),
          ]),
        }),
      }),
      DeletionPolicy: 'Retain',
    });
  });

  test('the account administers the key through IAM but cannot use it directly', () => {
    const keys = template.findResources('AWS::KMS::Key');
    for (const key of Object.values(keys)) {
      const admin = (key as any).Properties.KeyPolicy.Statement.find((s: any) => s.Sid === 'AdministerThroughIam');
      if (!admin) continue; // the LogsKey has its own policy
      for (const forbidden of ['kms:*', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        expect(admin.Action).not.toContain(forbidden);
      }
      expect(admin.Action).toEqual(expect.arrayContaining(['kms:Put*', 'kms:ScheduleKeyDeletion', 'kms:Disable*']));
    }
  });

  test('grantDecryptVia adds a decrypt statement with the same kms:ViaService condition', () => {
    const f = build();
    const role = new iam.Role(f.stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    f.secretsKey.grantDecryptVia(role, 'secretsmanager');
    Template.fromStack(f.stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } })] },
    });
    expect(() => f.secretsKey.grantDecryptVia(role, 'rds')).toThrow(/invalid grantDecryptVia.service = "rds"/);
  });

  test('fails if no service, a malformed service or an out-of-range rotation period is given', () => {
    const stack = new Stack(new App(), 'K');
    expect(() => new ServiceKey(stack, 'A', { purpose: 'x', services: [] })).toThrow(/K\/A: invalid services = \[\]/);
    expect(() => new ServiceKey(stack, 'B', { purpose: 'x', services: ['rds.amazonaws.com'] })).toThrow(/invalid services = "rds.amazonaws.com"/);
    expect(() => new ServiceKey(stack, 'C', { purpose: 'x', services: ['rds'], rotationPeriod: Duration.days(30) })).toThrow(/rotationPeriod/);
    expect(() => new ServiceKey(stack, 'D', { purpose: ' ', services: ['rds'] })).toThrow(/invalid purpose/);
  });
});
