import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Acknowledgements, DatabaseBootstrap, IamAuthDatabase, IdentityRateLimiter, LogsKey, ServiceKey, TablePrivilege } from '../../lib';
import { API_TABLE_PRIVILEGES, MIGRATIONS } from '../lambda/api/migrations';
import { BaselineStack, BaselineStackProps, stageLogRetention, stageRemovalPolicy } from './baseline-stack';

/** Props of {@link DataStack}. */
export interface DataStackProps extends BaselineStackProps {
  readonly vpc: ec2.IVpc;
}

/** The database role the API connects as (IAM authentication). */
export const APP_DB_USER = 'app_user';

/**
 * Stateful resources: KMS keys, the database, secrets and the database bootstrap.
 * Termination protection follows the stage's deletion protection; resources are retained or snapshotted.
 *
 * Construct ids here are part of the deployed state: renaming `DataKey`, `SecretsKey` or `Database`
 * replaces the resource (a new, empty database). test/stacks/data-stack.test.ts pins their logical ids.
 */
export class DataStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;
  /** Key for database storage, snapshots, Performance Insights and backups (usable through RDS and AWS Backup only). */
  public readonly dataKey: ServiceKey;
  /** Key for secrets (usable through Secrets Manager only). */
  public readonly secretsKey: ServiceKey;
  /** The application database (IAM authentication, TLS only). */
  public readonly database: IamAuthDatabase;
  /** Per-identity rate limiter: ElastiCache Serverless Valkey in the isolated subnets, TLS, IAM auth, CMK. */
  public readonly rateLimiter: IdentityRateLimiter;
  /** Creates the API's database role and runs its migrations on deployment. */
  public readonly bootstrap: DatabaseBootstrap;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.stage.deletionProtection });
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
    ({ dataKey: this.dataKey, secretsKey: this.secretsKey } = this.encryptionKeys());
    this.database = this.databaseConfiguration(props);
    this.rateLimiter = this.rateLimiterConfiguration(props);
    this.bootstrap = this.bootstrapConfiguration(props);
  }

  /** Keys are always retained: snapshots, backups and secrets encrypted with them outlive the stack. */
  private encryptionKeys(): { dataKey: ServiceKey; secretsKey: ServiceKey } {
    const dataKey = new ServiceKey(this, 'DataKey', {
      purpose: 'Database storage, snapshots, Performance Insights and backups',
      services: ['rds', 'backup'],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const secretsKey = new ServiceKey(this, 'SecretsKey', {
      purpose: 'Secrets Manager secrets',
      services: ['secretsmanager'],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return { dataKey, secretsKey };
  }

  /** The application database, sized and protected as the stage says. */
  private databaseConfiguration(props: DataStackProps): IamAuthDatabase {
    const production = this.stage.multiAz;
    const database = new IamAuthDatabase(this, 'Database', {
      vpc: props.vpc,
      clusterIdentifier: `${this.stackName}-db`.toLowerCase(),
      storageEncryptionKey: this.dataKey.key,
      secretEncryptionKey: this.secretsKey.key,
      logsKey: this.logsKey.key,
      multiAz: this.stage.multiAz,
      backupRetention: Duration.days(this.stage.backupRetentionDays),
      deletionProtection: this.stage.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      // Single-AZ stages scale to zero when idle (cost); multi-AZ stages keep 0.5 ACU warm (no resume delay).
      serverlessV2MinCapacity: production ? 0.5 : 0,
      serverlessV2MaxCapacity: production ? 8 : 2,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
    });

    if (!this.stage.deletionProtection) {
      Acknowledgements.of(database).add('Annotation::aws-security-baseline/iam-auth-database:deletion-protection-off',
        `Stage ${this.stage.name} turns deletion protection off on purpose (stage config deletionProtection: false); the cluster still ` +
        'takes a final snapshot on removal, so the opt-out warning is expected here and nowhere else.');
    }
    return database;
  }

  /** Rate-limit counters are short-lived; snapshots exist for forensics, kept longer where the stage keeps more. */
  private rateLimiterConfiguration(props: DataStackProps): IdentityRateLimiter {
    return new IdentityRateLimiter(this, 'RateLimiter', {
      vpc: props.vpc,
      snapshotRetention: Duration.days(this.stage.multiAz ? 7 : 1),
      maxDataStorage: Size.gibibytes(1),
      maxEcpuPerSecond: this.stage.multiAz ? 20000 : 5000,
    });
  }

  /**
   * The shipped bundle of lambda/db-bootstrap (its CodeHash property re-runs the bootstrap when the code changes), given
   * the notes API's schema: its migrations, and the only table privileges app_user needs.
   */
  private bootstrapConfiguration(props: DataStackProps): DatabaseBootstrap {
    return new DatabaseBootstrap(this, 'DatabaseBootstrap', {
      database: this.database,
      vpc: props.vpc,
      logsKey: this.logsKey.key,
      dbUser: APP_DB_USER,
      migrations: MIGRATIONS.map((m) => ({ version: m.version, name: m.name, statements: [...m.statements] })),
      tablePrivileges: Object.fromEntries(Object.entries(API_TABLE_PRIVILEGES).map(([table, privileges]) => [table, privileges.map(tablePrivilege)])),
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
    });
  }
}

/** A privilege of the handler's data module (plain text: handler code does not import the library) as the library's enum. */
function tablePrivilege(name: string): TablePrivilege {
  const privilege = Object.values(TablePrivilege).find((p) => p === name);
  if (privilege === undefined) throw new Error(`API_TABLE_PRIVILEGES names ${JSON.stringify(name)}, which is not a TablePrivilege (SELECT, INSERT, UPDATE, DELETE).`);
  return privilege;
}
