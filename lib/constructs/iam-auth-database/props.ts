// The props and the interface of IamAuthDatabase, in their own module so that index.ts (the construct),
// database-settings.ts (the prop checks) and imported.ts (fromAttributes) all import them without importing each other.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

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
   * Serverless v2 minimum capacity in Aurora capacity units (ACUs), 0 to 256 in half steps. 0 lets the cluster pause when
   * idle (see `serverlessV2AutoPauseDuration`). Named as in `rds.DatabaseCluster`.
   * @default 0.5
   */
  readonly serverlessV2MinCapacity?: number;
  /**
   * Serverless v2 maximum capacity in Aurora capacity units (ACUs), 1 to 256 in half steps. Named as in `rds.DatabaseCluster`.
   * @default 4
   */
  readonly serverlessV2MaxCapacity?: number;
  /**
   * Idle time before a cluster with `serverlessV2MinCapacity: 0` pauses (300 to 86,400 whole seconds). Named as in
   * `rds.DatabaseCluster`.
   * @default - Duration.minutes(5) when serverlessV2MinCapacity is 0
   */
  readonly serverlessV2AutoPauseDuration?: Duration;
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
