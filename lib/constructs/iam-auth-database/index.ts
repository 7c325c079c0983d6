// Why this file is long: IamAuthDatabaseProps (some 110 lines of documented options with their defaults) stays beside the
// construct it configures, as in aws-cdk-lib. The construct itself is a list of steps, one private method per part;
// prop checks and defaults are in database-settings.ts, the AWS Backup plan in cluster-backup-plan.ts.
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, packRuleIds } from '../../internal/acknowledge';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { nagText } from '../../internal/nag-reference';
import { warn } from '../../internal/warnings';
import { SecureLogGroup } from '../logging';
import { clusterBackupPlan } from './cluster-backup-plan';
import { DatabaseSettings, databaseSettings } from './database-settings';
import { dbUserArn, grantDbConnect } from './db-user';
import { importIamAuthDatabase, IamAuthDatabaseAttributes } from './imported';
import { IamAuthDatabaseProps, IIamAuthDatabase, MinimumTlsVersion } from './props';

export type { IamAuthDatabaseAttributes } from './imported';

export { MinimumTlsVersion } from './props';
export type { IamAuthDatabaseProps, IIamAuthDatabase } from './props';

/**
 * Aurora PostgreSQL Serverless v2 that applications reach with IAM authentication
 * tokens over TLS only: isolated subnets, a security group that admits the port
 * from named security groups only, `rds.force_ssl = 1` and TLS 1.3, storage,
 * Performance Insights and the master secret encrypted with customer-managed keys,
 * the master password kept and rotated by RDS, `postgresql` logs in an encrypted
 * log group with retention, Enhanced Monitoring, deletion protection, 7+ days of
 * automated backups plus an AWS Backup plan, and a snapshot on removal.
 */
export class IamAuthDatabase extends Construct implements IIamAuthDatabase {
  /**
   * A database another app created (with this construct, or set up the same way), referenced by its attributes: grant
   * `rds-db:connect`, admit clients through `connections` or `clientSecurityGroup`, and run `DatabaseBootstrap` on it.
   * Literal attributes are checked at synth (a partial secret ARN, an alias instead of a key ARN or a reserved master
   * user fail with the fix).
   */
  public static fromIamAuthDatabaseAttributes(scope: Construct, id: string, attrs: IamAuthDatabaseAttributes): IIamAuthDatabase {
    return importIamAuthDatabase(scope, id, attrs);
  }

  /**
   * The Aurora cluster (its `CfnDBCluster` is this construct's `node.defaultChild`). Serverless v2 capacity metrics:
   * `cluster.metric('ServerlessDatabaseCapacity')` and `cluster.metric('ACUUtilization')`.
   */
  public readonly cluster: rds.IDatabaseCluster;
  /** Hostname of the writer endpoint. */
  public readonly endpointAddress: string;
  /** Port the database listens on. */
  public readonly port: number;
  /** Name of the application database. */
  public readonly databaseName: string;
  /** Master user name. */
  public readonly masterUsername: string;
  /** The master secret (RDS-managed, encrypted with `secretEncryptionKey`, rotated by RDS every 7 days). */
  public readonly secret: secretsmanager.ISecret;
  /** Key that encrypts {@link IamAuthDatabase.secret}. */
  public readonly secretEncryptionKey: kms.IKey;
  /** Security group of the database (admits the port only from the client group and `clients`). */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * A security group the database admits on its port. Put clients in it, including clients in other
   * stacks: the rule lives here, so no cross-stack cycle arises. It allows outbound traffic to the database only.
   */
  public readonly clientSecurityGroup: ec2.ISecurityGroup;
  /**
   * Network access to the database: `connections.allowDefaultPortFrom(client)` admits a client on the database port.
   */
  public readonly connections: ec2.Connections;
  /** The encrypted log group that receives the `postgresql` log export. */
  public readonly logGroup: logs.ILogGroup;
  /** The cluster parameter group (forced TLS). */
  public readonly parameterGroup: rds.IParameterGroup;
  /**
   * The AWS Backup plan (when `backupPlan` is on).
   * @default - none when `backupPlan` is false
   */
  public readonly backupPlan?: backup.IBackupPlan;

  constructor(scope: Construct, id: string, props: IamAuthDatabaseProps) {
    super(scope, id);
    const settings = databaseSettings(this, id, props);
    this.port = settings.port;
    this.databaseName = settings.databaseName;
    this.masterUsername = settings.masterUsername;
    this.secretEncryptionKey = props.secretEncryptionKey;

    ({ securityGroup: this.securityGroup, clientSecurityGroup: this.clientSecurityGroup } = this.securityGroups(props.vpc, settings));
    this.logGroup = this.postgresqlLogGroup(props, settings);
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_17_9 });
    this.parameterGroup = this.tlsParameterGroup(engine, props, settings);
    const monitoringRole = this.enhancedMonitoringRole(settings);
    const cluster = this.clusterConfiguration(engine, monitoringRole, props, settings);
    this.cluster = cluster;
    this.node.defaultChild = cluster.node.defaultChild;
    this.secret = cluster.secret!;
    this.endpointAddress = cluster.clusterEndpoint.hostname;
    // A literal port (not the cluster's Endpoint.Port attribute) so the rules read, and are checked, as exactly this port.
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(settings.port) });
    this.connections.allowDefaultPortFrom(this.clientSecurityGroup, 'PostgreSQL from the database client security group');
    for (const client of props.clients ?? []) this.connections.allowDefaultPortFrom(client, 'PostgreSQL from an allowed client');

    if (!settings.deletionProtection) this.deletionProtectionOptOut(settings.removalPolicy);
    if (props.backupPlan ?? true) this.backupPlan = clusterBackupPlan(this, cluster, props.storageEncryptionKey, settings.backupRetentionDays);
  }

  /**
   * The database's own group (no outbound rule; inbound on the port is added through `connections`) and the group of
   * its clients, which may only reach the database port.
   */
  private securityGroups(vpc: ec2.IVpc, settings: DatabaseSettings): { securityGroup: ec2.ISecurityGroup; clientSecurityGroup: ec2.ISecurityGroup } {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `${settings.clusterIdentifier}: PostgreSQL from named client security groups only`,
      allowAllOutbound: false,
    });
    const clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc,
      description: `${settings.clusterIdentifier} clients: outbound to the database port only`,
      allowAllOutbound: false,
    });
    return { securityGroup, clientSecurityGroup };
  }

  /** The log group of the `postgresql` export: it exists, encrypted and with retention, before RDS starts exporting to it. */
  private postgresqlLogGroup(props: IamAuthDatabaseProps, settings: DatabaseSettings): logs.LogGroup {
    return new SecureLogGroup(this, 'PostgresqlLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logGroupName: `/aws/rds/cluster/${settings.clusterIdentifier}/postgresql`,
      removalPolicy: props.logRemovalPolicy,
    });
  }

  /** Cluster parameters: TLS required, its minimum protocol version, connections and disconnections logged. */
  private tlsParameterGroup(engine: rds.IClusterEngine, props: IamAuthDatabaseProps, settings: DatabaseSettings): rds.ParameterGroup {
    const minimumTlsVersion = props.minimumTlsVersion ?? MinimumTlsVersion.TLS_1_3;
    return new rds.ParameterGroup(this, 'ParameterGroup', {
      engine,
      description: `${settings.clusterIdentifier}: TLS required (${minimumTlsVersion}+), connections logged`,
      parameters: {
        'rds.force_ssl': '1',
        ssl_min_protocol_version: minimumTlsVersion,
        log_connections: '1',
        log_disconnections: '1',
      },
    });
  }

  /** The Enhanced Monitoring role: a customer-managed policy scoped to the RDSOSMetrics log group. */
  private enhancedMonitoringRole(settings: DatabaseSettings): ManagedPolicyRole {
    const stack = Stack.of(this);
    const monitoringRole = new ManagedPolicyRole(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      description: `Enhanced Monitoring of ${settings.clusterIdentifier}: writes OS metrics to the RDSOSMetrics log group`,
    });
    const metricsGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'RDSOSMetrics', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    monitoringRole.addToPolicy(new iam.PolicyStatement({
      sid: 'CreateMetricsLogGroup',
      actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
      resources: [metricsGroupArn],
    }));
    const metricsStreamsArn = `${metricsGroupArn}:log-stream:*`;
    monitoringRole.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteMetricsLogStreams',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
      resources: [metricsStreamsArn],
    }));
    acknowledge(monitoringRole, `AwsSolutions-IAM5[Resource::${nagText(monitoringRole, metricsStreamsArn)}]`,
      'Enhanced Monitoring creates one log stream per DB instance (named by the instance resource id, unknown before deployment) in the fixed ' +
      'RDSOSMetrics log group; the wildcard covers only streams of that one group in this account and region, as AmazonRDSEnhancedMonitoringRole does.');
    return monitoringRole;
  }

  /**
   * The Aurora Serverless v2 cluster in the isolated subnets: IAM authentication, the master password kept by RDS,
   * storage, Performance Insights and the secret encrypted with the given keys, writer and (multi-AZ) reader in two zones.
   */
  private clusterConfiguration(engine: rds.IClusterEngine, monitoringRole: iam.IRole, props: IamAuthDatabaseProps, settings: DatabaseSettings): rds.DatabaseCluster {
    const zoneNames = props.vpc.availabilityZones.filter((z) => !Token.isUnresolved(z));
    const instanceDefaults = {
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.storageEncryptionKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
    };
    const multiAz = settings.multiAz;
    const cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier: settings.clusterIdentifier,
      defaultDatabaseName: settings.databaseName,
      port: settings.port,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      writer: rds.ClusterInstance.serverlessV2('Writer', { ...instanceDefaults, availabilityZone: multiAz ? zoneNames[0] : undefined }),
      readers: multiAz
        ? [rds.ClusterInstance.serverlessV2('Reader', { ...instanceDefaults, scaleWithWriter: true, availabilityZone: zoneNames[1] })]
        : [],
      serverlessV2MinCapacity: settings.minCapacity,
      serverlessV2MaxCapacity: settings.maxCapacity,
      serverlessV2AutoPauseDuration: settings.autoPauseDuration,
      iamAuthentication: true,
      parameterGroup: this.parameterGroup,
      storageEncryptionKey: props.storageEncryptionKey,
      credentials: rds.Credentials.fromUsername(settings.masterUsername, { encryptionKey: props.secretEncryptionKey }),
      manageMasterUserPassword: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.storageEncryptionKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      databaseInsightsMode: rds.DatabaseInsightsMode.STANDARD,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(settings.monitoringIntervalSeconds),
      monitoringRole,
      backup: { retention: Duration.days(settings.backupRetentionDays), preferredWindow: props.preferredBackupWindow ?? '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      deletionProtection: settings.deletionProtection,
      removalPolicy: settings.removalPolicy,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
    });
    cluster.node.addDependency(this.logGroup);
    if (multiAz) {
      // The zones are the VPC's own (named in configuration, never looked up): pinning writer and reader to two of them is the point.
      for (const instance of [cluster.node.tryFindChild('Writer'), cluster.node.tryFindChild('Reader')]) {
        const cfn = instance?.node.defaultChild;
        if (cfn) {
          acknowledge(cfn, 'CloudFormation-Validate::W3010',
            'Writer and reader are placed in two different zones of the VPC on purpose (multi-AZ failover); the zones come from the VPC configuration.');
        }
      }
    }
    return cluster;
  }

  /** Deletion protection turned off by the caller: a synth warning, and the findings that say so acknowledged with the reason. */
  private deletionProtectionOptOut(removalPolicy: RemovalPolicy): void {
    warn(this, 'iam-auth-database:deletion-protection-off',
      'deletionProtection is off: the cluster can be deleted (a final snapshot is still taken). Use this only for disposable stages.');
    const kept = removalPolicy === RemovalPolicy.RETAIN ? 'keeps the cluster when the stack is deleted' : 'takes a final snapshot when the cluster is deleted';
    const reason = 'Deletion protection was turned off explicitly with deletionProtection: false by the owner of this cluster (with the synth ' +
      `warning aws-security-baseline/iam-auth-database:deletion-protection-off), so the stack can be torn down; its removal policy ${removalPolicy} ${kept}.`;
    for (const rule of ['AwsSolutions-RDS10', ...packRuleIds('RDSInstanceDeletionProtectionEnabled', ['NIST.800.53.R5', 'HIPAA.Security']),
      'cdk-validator-cfnguard::rds_cluster_deletion_protection_enabled_check', 'SecurityBaseline-RDS3']) {
      acknowledge(this.cluster, rule, reason);
    }
  }

  /**
   * Grants `rds-db:connect` as exactly one database user on this cluster:
   * `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<dbUser>`.
   * The user must exist in the database with the `rds_iam` role.
   */
  public grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    return grantDbConnect(this, grantee, dbUser, this.masterUsername, this.cluster.clusterResourceIdentifier);
  }

  /** The IAM resource ARN of one database user of this cluster. */
  public dbUserArn(dbUser: string): string {
    return dbUserArn(this, this.cluster.clusterResourceIdentifier, dbUser);
  }
}
