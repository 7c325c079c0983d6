import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { acknowledge } from '../../internal/acknowledge';
import { checkRange, invalidProp } from '../../internal/errors';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { nagText } from '../../internal/nag-reference';
import { warn } from '../../internal/warnings';
import { SecureLogGroup } from '../logging';

/** A PostgreSQL role name we accept for IAM authentication (lower case, no quoting needed). */
export const SAFE_DB_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const CLUSTER_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/;
const RESERVED_USERS = new Set(['rdsadmin', 'rds_superuser', 'rds_iam', 'postgres', 'public', 'pg_signal_backend']);

/** Minimum TLS protocol version the server accepts (`ssl_min_protocol_version`). */
export enum MinimumTlsVersion {
  /** TLS 1.3 only (default). */
  TLS_1_3 = 'TLSv1.3',
  /** TLS 1.2 and 1.3, for clients that cannot speak 1.3. */
  TLS_1_2 = 'TLSv1.2',
}

/** Props of {@link IamAuthDatabase}. */
export interface IamAuthDatabaseProps {
  /** VPC; the database goes into its isolated subnets (no route to the internet), which must span at least two zones. */
  readonly vpc: ec2.IVpc;
  /** Customer-managed key for storage, snapshots, Performance Insights and the backup vault (usable through RDS and AWS Backup). */
  readonly storageEncryptionKey: kms.IKey;
  /** Customer-managed key for the RDS-managed master secret in Secrets Manager. */
  readonly secretEncryptionKey: kms.IKey;
  /** Key for the exported `postgresql` log group (a `LogsKey`). */
  readonly logsKey: kms.IKey;
  /**
   * Cluster identifier. Deterministic, because the exported log group `/aws/rds/cluster/<id>/postgresql`
   * is created by this construct (encrypted, with retention) before the cluster exists.
   * Changing it replaces the cluster.
   * @default - `<stack name>-<construct id>`, lower case
   */
  readonly clusterIdentifier?: string;
  /**
   * Name of the database created in the cluster.
   * @default 'app'
   */
  readonly databaseName?: string;
  /**
   * Master user name (its password is generated, kept and rotated by RDS in Secrets Manager).
   * @default 'dbadmin'
   */
  readonly masterUsername?: string;
  /**
   * Port the database listens on.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Aurora PostgreSQL engine version.
   * @default rds.AuroraPostgresEngineVersion.VER_17_9
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /**
   * Lowest TLS version the server accepts; TLS itself is always required (`rds.force_ssl = 1`).
   * @default MinimumTlsVersion.TLS_1_3
   */
  readonly minimumTlsVersion?: MinimumTlsVersion;
  /**
   * A reader instance in a second availability zone (automatic failover).
   * @default true
   */
  readonly multiAz?: boolean;
  /**
   * Automated backup retention (7 to 35 days); also the retention of the AWS Backup plan's recovery points.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Daily automated-backup window (UTC, `hh24:mi-hh24:mi`).
   * @default '02:00-03:00'
   */
  readonly preferredBackupWindow?: string;
  /**
   * Add the cluster to an AWS Backup plan (daily, into a vault encrypted with `storageEncryptionKey`
   * whose recovery points cannot be deleted by hand), in addition to RDS automated backups.
   * @default true
   */
  readonly backupPlan?: boolean;
  /**
   * Deletion protection. Turning it off adds a synth warning.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when it leaves the stack: SNAPSHOT or RETAIN (DESTROY is refused).
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Serverless v2 minimum capacity in ACUs (0 to 256, half steps). 0 lets the cluster pause when idle.
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * Serverless v2 maximum capacity in ACUs (1 to 256, half steps).
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Idle time before a cluster with `minCapacity: 0` pauses (300 s to 86,400 s).
   * @default - Duration.minutes(5) when minCapacity is 0
   */
  readonly autoPauseAfter?: Duration;
  /**
   * Retention of the exported `postgresql` logs (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Enhanced Monitoring interval (1, 5, 10, 15, 30 or 60 seconds).
   * @default Duration.seconds(60)
   */
  readonly monitoringInterval?: Duration;
  /**
   * Clients admitted on the database port (and let out to it), in addition to members of
   * {@link IamAuthDatabase.clientSecurityGroup}. Later, use `database.connections.allowDefaultPortFrom(client)`.
   * Across stacks, put the clients in `clientSecurityGroup` instead (the rule then lives here: no reference cycle).
   * @default - none; only members of `clientSecurityGroup`
   */
  readonly clients?: ec2.IConnectable[];
}

/**
 * A PostgreSQL database that applications reach with IAM authentication tokens over TLS: what other
 * constructs (for example `DatabaseBootstrap`) and stacks need of it. Implemented by {@link IamAuthDatabase}.
 */
export interface IIamAuthDatabase extends IConstruct, ec2.IConnectable {
  /** The Aurora cluster. */
  readonly cluster: rds.IDatabaseCluster;
  /** Hostname of the writer endpoint. */
  readonly endpointAddress: string;
  /** Port the database listens on. */
  readonly port: number;
  /** Name of the application database. */
  readonly databaseName: string;
  /** Master user name. */
  readonly masterUsername: string;
  /** The master secret (JSON with `username` and `password`). */
  readonly secret: secretsmanager.ISecret;
  /** Key that encrypts {@link IIamAuthDatabase.secret}. */
  readonly secretEncryptionKey: kms.IKey;
  /** A security group the database admits on its port: put clients in it, in any stack. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Grants `rds-db:connect` as exactly one database user. */
  grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant;
  /** The IAM resource ARN of one database user of this cluster. */
  dbUserArn(dbUser: string): string;
}

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
  /** The Aurora cluster (its `CfnDBCluster` is this construct's `node.defaultChild`). */
  public readonly cluster: rds.DatabaseCluster;
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
  public readonly securityGroup: ec2.SecurityGroup;
  /**
   * A security group the database admits on its port. Put clients in it, including clients in other
   * stacks: the rule lives here, so no cross-stack cycle arises. It allows outbound traffic to the database only.
   */
  public readonly clientSecurityGroup: ec2.SecurityGroup;
  /**
   * Network access to the database: `connections.allowDefaultPortFrom(client)` admits a client on the database port.
   */
  public readonly connections: ec2.Connections;
  /** The encrypted log group that receives the `postgresql` log export. */
  public readonly logGroup: logs.LogGroup;
  /** The cluster parameter group (forced TLS). */
  public readonly parameterGroup: rds.ParameterGroup;
  /** The AWS Backup plan (when `backupPlan` is on). */
  public readonly backupPlan?: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: IamAuthDatabaseProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // --- Validation ---
    const port = props.port ?? 5432;
    checkRange(this, 'port', port, 1150, 65535);
    const databaseName = props.databaseName ?? 'app';
    if (!Token.isUnresolved(databaseName) && !SAFE_DB_IDENTIFIER.test(databaseName)) {
      invalidProp(this, 'databaseName', databaseName, 'Fix: use 1-63 lower-case letters, digits and underscores, starting with a letter or underscore.');
    }
    const masterUsername = props.masterUsername ?? 'dbadmin';
    if (!SAFE_DB_IDENTIFIER.test(masterUsername) || RESERVED_USERS.has(masterUsername)) {
      invalidProp(this, 'masterUsername', masterUsername, `Fix: use a safe identifier that is not reserved (${[...RESERVED_USERS].join(', ')}), for example 'dbadmin'.`);
    }
    const clusterIdentifier = props.clusterIdentifier ?? defaultClusterIdentifier(stack.stackName, id);
    if (!Token.isUnresolved(clusterIdentifier) && !CLUSTER_IDENTIFIER.test(clusterIdentifier)) {
      invalidProp(this, 'clusterIdentifier', clusterIdentifier,
        'Fix: use 2-63 lower-case letters, digits and hyphens, starting with a letter, no trailing or double hyphen.');
    }
    const retentionDays = (props.backupRetention ?? Duration.days(7)).toDays();
    if (!Token.isUnresolved(retentionDays) && (retentionDays < 7 || retentionDays > 35 || !Number.isInteger(retentionDays))) {
      invalidProp(this, 'backupRetention', `${retentionDays} days`, 'Fix: keep automated backups 7 to 35 whole days (35 in production).');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    if (removalPolicy === RemovalPolicy.DESTROY) {
      invalidProp(this, 'removalPolicy', 'DESTROY', 'Fix: use RemovalPolicy.SNAPSHOT (default) or RETAIN; a database is never deleted without a final snapshot.');
    }
    const minCapacity = props.minCapacity ?? 0.5;
    const maxCapacity = props.maxCapacity ?? 4;
    checkHalfStep(this, 'minCapacity', minCapacity, 0, 256);
    checkHalfStep(this, 'maxCapacity', maxCapacity, 1, 256);
    if (minCapacity > maxCapacity) {
      invalidProp(this, 'minCapacity', minCapacity, `Fix: keep minCapacity at or below maxCapacity (${maxCapacity}).`);
    }
    if (props.autoPauseAfter !== undefined) {
      if (minCapacity !== 0) {
        invalidProp(this, 'autoPauseAfter', props.autoPauseAfter.toString(), 'Fix: auto-pause needs minCapacity: 0; remove autoPauseAfter or set minCapacity to 0.');
      }
      checkRange(this, 'autoPauseAfter (seconds)', props.autoPauseAfter.toSeconds(), 300, 86400);
    }
    const monitoringSeconds = (props.monitoringInterval ?? Duration.seconds(60)).toSeconds();
    if (![1, 5, 10, 15, 30, 60].includes(monitoringSeconds)) {
      invalidProp(this, 'monitoringInterval', `${monitoringSeconds} s`, 'Fix: use 1, 5, 10, 15, 30 or 60 seconds.');
    }
    const multiAz = props.multiAz ?? true;
    const isolated = props.vpc.isolatedSubnets;
    const zones = [...new Set(isolated.map((s) => s.availabilityZone))];
    if (isolated.length === 0) {
      invalidProp(this, 'vpc', props.vpc.node.path, 'Fix: give the VPC isolated subnets (SubnetType.PRIVATE_ISOLATED) in at least two zones; the database never runs in subnets with a route out.');
    }
    if (zones.length < 2) {
      invalidProp(this, 'vpc', props.vpc.node.path, 'Fix: the isolated subnets must span at least two availability zones (RDS subnet groups need two).');
    }

    this.port = port;
    this.databaseName = databaseName;
    this.masterUsername = masterUsername;
    this.secretEncryptionKey = props.secretEncryptionKey;

    // --- Network ---
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${clusterIdentifier}: PostgreSQL from named client security groups only`,
      allowAllOutbound: false,
    });
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc: props.vpc,
      description: `${clusterIdentifier} clients: outbound to the database port only`,
      allowAllOutbound: false,
    });

    // --- Logs (the log group exists, encrypted and with retention, before RDS starts exporting to it) ---
    this.logGroup = new SecureLogGroup(this, 'PostgresqlLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      removalPolicy: props.logRemovalPolicy,
    });

    // --- Parameters: TLS required, minimum protocol version, connection audit ---
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_17_9 });
    this.parameterGroup = new rds.ParameterGroup(this, 'ParameterGroup', {
      engine,
      description: `${clusterIdentifier}: TLS required (${props.minimumTlsVersion ?? MinimumTlsVersion.TLS_1_3}+), connections logged`,
      parameters: {
        'rds.force_ssl': '1',
        ssl_min_protocol_version: props.minimumTlsVersion ?? MinimumTlsVersion.TLS_1_3,
        log_connections: '1',
        log_disconnections: '1',
      },
    });

    // --- Enhanced Monitoring role (customer-managed policy scoped to the RDSOSMetrics log group) ---
    const monitoringRole = new ManagedPolicyRole(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      description: `Enhanced Monitoring of ${clusterIdentifier}: writes OS metrics to the RDSOSMetrics log group`,
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

    // --- Cluster ---
    const zoneNames = props.vpc.availabilityZones.filter((z) => !Token.isUnresolved(z));
    const instanceDefaults = {
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.storageEncryptionKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
    };
    const deletionProtection = props.deletionProtection ?? true;
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier,
      defaultDatabaseName: databaseName,
      port,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      writer: rds.ClusterInstance.serverlessV2('Writer', { ...instanceDefaults, availabilityZone: multiAz ? zoneNames[0] : undefined }),
      readers: multiAz
        ? [rds.ClusterInstance.serverlessV2('Reader', { ...instanceDefaults, scaleWithWriter: true, availabilityZone: zoneNames[1] })]
        : [],
      serverlessV2MinCapacity: minCapacity,
      serverlessV2MaxCapacity: maxCapacity,
      serverlessV2AutoPauseDuration: minCapacity === 0 ? (props.autoPauseAfter ?? Duration.minutes(5)) : undefined,
      iamAuthentication: true,
      parameterGroup: this.parameterGroup,
      storageEncryptionKey: props.storageEncryptionKey,
      credentials: rds.Credentials.fromUsername(masterUsername, { encryptionKey: props.secretEncryptionKey }),
      manageMasterUserPassword: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.storageEncryptionKey,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      databaseInsightsMode: rds.DatabaseInsightsMode.STANDARD,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(monitoringSeconds),
      monitoringRole,
      backup: { retention: Duration.days(retentionDays), preferredWindow: props.preferredBackupWindow ?? '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      deletionProtection,
      removalPolicy,
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
    });
    this.cluster.node.addDependency(this.logGroup);
    this.node.defaultChild = this.cluster.node.defaultChild;
    if (multiAz) {
      // The zones are the VPC's own (named in configuration, never looked up): pinning writer and reader to two of them is the point.
      for (const instance of [this.cluster.node.tryFindChild('Writer'), this.cluster.node.tryFindChild('Reader')]) {
        const cfn = instance?.node.defaultChild;
        if (cfn) {
          acknowledge(cfn, 'CloudFormation-Validate::W3010',
            'Writer and reader are placed in two different zones of the VPC on purpose (multi-AZ failover); the zones come from the VPC configuration.');
        }
      }
    }
    this.secret = this.cluster.secret!;
    this.endpointAddress = this.cluster.clusterEndpoint.hostname;
    // A literal port (not the cluster's Endpoint.Port attribute) so the rules read, and are checked, as exactly this port.
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(port) });

    this.connections.allowDefaultPortFrom(this.clientSecurityGroup, 'PostgreSQL from the database client security group');
    for (const client of props.clients ?? []) this.connections.allowDefaultPortFrom(client, 'PostgreSQL from an allowed client');

    // --- Acknowledgements for what cannot apply ---
    if (!deletionProtection) {
      warn(this, 'iam-auth-database:deletion-protection-off',
        'deletionProtection is off: the cluster can be deleted (a final snapshot is still taken). Use this only for disposable stages.');
      const reason = 'Deletion protection is explicitly turned off by the stage configuration for a disposable (non-production) stage so the stack ' +
        'can be torn down; the removal policy still takes a final snapshot, and production stages keep deletion protection on.';
      for (const rule of ['AwsSolutions-RDS10', 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled', 'HIPAA.Security-RDSInstanceDeletionProtectionEnabled',
        'cdk-validator-cfnguard::rds_cluster_deletion_protection_enabled_check', 'SecurityBaseline-RDS3']) {
        acknowledge(this.cluster, rule, reason);
      }
    }

    // --- AWS Backup plan ---
    if (props.backupPlan ?? true) {
      const vault = new backup.BackupVault(this, 'BackupVault', {
        encryptionKey: props.storageEncryptionKey,
        removalPolicy: RemovalPolicy.RETAIN,
        blockRecoveryPointDeletion: true,
      });
      this.backupPlan = new backup.BackupPlan(this, 'BackupPlan', {
        backupVault: vault,
        backupPlanRules: [new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: events.Schedule.cron({ hour: '4', minute: '0' }),
          deleteAfter: Duration.days(retentionDays),
        })],
      });
      const selection = this.backupPlan.addSelection('Cluster', {
        resources: [backup.BackupResource.fromRdsDatabaseCluster(this.cluster)],
      });
      const role = selection.node.tryFindChild('Role');
      if (role) {
        const servicePolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup');
        acknowledge(role, `AwsSolutions-IAM4[Policy::${nagText(role, servicePolicy.managedPolicyArn)}]`,
          'AWS Backup assumes this role to snapshot the selected Aurora cluster; AWSBackupServiceRolePolicyForBackup is the AWS-maintained service ' +
          'policy AWS Backup documents for selections, kept current by AWS as Backup adds resource types, and the role trusts only backup.amazonaws.com.');
      }
      for (const instance of this.cluster.node.children) {
        if (!(instance.node.defaultChild instanceof rds.CfnDBInstance) && !(instance instanceof rds.CfnDBInstance)) continue;
        const target = instance instanceof rds.CfnDBInstance ? instance : instance.node.defaultChild!;
        for (const pack of ['NIST.800.53.R5', 'HIPAA.Security']) {
          acknowledge(target, `${pack}-RDSInBackupPlan`,
            'Aurora keeps all data in the cluster volume; AWS Backup protects Aurora at the cluster level, and this instance\'s cluster is selected ' +
            'in the AWS Backup plan of this construct. Instances hold no data of their own, so AWS Backup cannot select them.');
        }
      }
    }
  }

  /**
   * Grants `rds-db:connect` as exactly one database user on this cluster:
   * `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<dbUser>`.
   * The user must exist in the database with the `rds_iam` role.
   */
  public grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    if (Token.isUnresolved(dbUser) || !SAFE_DB_IDENTIFIER.test(dbUser) || RESERVED_USERS.has(dbUser) || dbUser === this.masterUsername) {
      invalidProp(this, 'grantConnect.dbUser', Token.isUnresolved(dbUser) ? '(token)' : dbUser,
        'Fix: name one application role as a literal lower-case identifier (for example app_user); never the master user or a reserved role.');
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['rds-db:connect'],
      resourceArns: [this.dbUserArn(dbUser)],
    });
  }

  /** The IAM resource ARN of one database user of this cluster. */
  public dbUserArn(dbUser: string): string {
    return Stack.of(this).formatArn({
      service: 'rds-db',
      resource: 'dbuser',
      resourceName: `${this.cluster.clusterResourceIdentifier}/${dbUser}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}

function defaultClusterIdentifier(stackName: string, id: string): string {
  return `${stackName}-${id}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '').slice(0, 63).replace(/-+$/, '');
}

function checkHalfStep(scope: Construct, prop: string, value: number, min: number, max: number): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max || !Number.isInteger(value * 2)) {
    invalidProp(scope, prop, value, `Fix: use ${min} to ${max} ACUs in half steps (for example 0.5, 1, 1.5).`);
  }
}
