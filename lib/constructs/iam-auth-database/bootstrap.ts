import { CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeIfVerified } from '../../internal/acknowledge';
import { crossStackVpcReason } from '../../internal/app-facts';
import { invalidProp } from '../../internal/errors';
import { HandlerBundle, handlerBundle } from '../../internal/handler-assets';
import { onlyNetworkAndTracingOnAnyResource, vpcNetworkInterfaceStatement, xrayTracingStatement } from '../../internal/lambda-execution-statements';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { nagText } from '../../internal/nag-reference';
import { SecureLogGroup } from '../logging';
import { SecureFunction } from '../secure-function';
import { SAFE_DB_IDENTIFIER } from './database-settings';
import { IIamAuthDatabase } from './props';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/** One numbered schema change of {@link DatabaseBootstrapProps.migrations}. */
export interface DatabaseMigration {
  /** Version, a positive integer above the previous migration's. */
  readonly version: number;
  /** What the migration does (recorded with the version). */
  readonly name: string;
  /** Constant SQL statements (no values or identifiers from input), run in one transaction with the other pending migrations. */
  readonly statements: string[];
}

/**
 * A privilege the application's database user may hold on a table of the `public` schema: data access only (no DDL,
 * `TRUNCATE`, `REFERENCES` or `TRIGGER`, which the bootstrap never grants).
 */
export enum TablePrivilege {
  /** Read rows. */
  SELECT = 'SELECT',
  /** Add rows. */
  INSERT = 'INSERT',
  /** Change rows. */
  UPDATE = 'UPDATE',
  /** Remove rows. */
  DELETE = 'DELETE',
}

/** Table names the bootstrap can grant on (lower-case PostgreSQL identifiers). */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** The only table privileges an application role gets. */
const TABLE_PRIVILEGES: string[] = Object.values(TablePrivilege);
/**
 * Custom-resource properties the construct sets from its own props (or CloudFormation reserves): `properties` may not
 * replace them. `CodeHash` joins them when the construct sets it (the shipped handler).
 */
const OWN_PROPERTIES = ['ServiceToken', 'DbHost', 'DbPort', 'DbName', 'MasterSecretArn', 'AppUser', 'Migrations', 'MigrationHistory', 'TablePrivileges'];

/** Props of {@link DatabaseBootstrap}. */
export interface DatabaseBootstrapProps {
  /** The database to bootstrap (an {@link IamAuthDatabase}, or your own {@link IIamAuthDatabase}). */
  readonly database: IIamAuthDatabase;
  /** VPC of the database; the functions run in its private subnets (with egress) and reach Secrets Manager through its endpoint. */
  readonly vpc: ec2.IVpc;
  /** Key for the functions' log groups. */
  readonly logsKey: kms.IKey;
  /**
   * Code of the bootstrap handler (a CloudFormation custom-resource `onEvent` handler, `index.handler`).
   * Give at most one of `code` and `entry`.
   * @default - the handler bundle shipped with this package (lambda/db-bootstrap), built already
   */
  readonly code?: lambda.Code;
  /**
   * Entry file of your own bootstrap handler, bundled with esbuild at synth (your app then needs esbuild).
   * Give at most one of `code` and `entry`.
   * @default - the handler bundle shipped with this package
   */
  readonly entry?: string;
  /**
   * The database user (role) the application connects as: created with LOGIN, no password and `rds_iam`, so that
   * `database.grantConnect(grantee, dbUser)` lets the application in with IAM tokens. Not the master user.
   * @default 'app_user'
   */
  readonly dbUser?: string;
  /**
   * Your schema's migrations, run in order by the master user under an advisory lock of this application, each once
   * (recorded in `public.schema_migration_history` under `migrationHistory`), in one transaction that is rolled back
   * when they give the application role more than its privileges. Append only: never edit or reorder one that has run.
   * Constant SQL text only.
   * @default - none: the bootstrap creates no table
   */
  readonly migrations?: DatabaseMigration[];
  /**
   * The name this application's migration history is kept under, so that applications sharing a database each get
   * their own (1-63 lower-case letters, digits, `_` or `-`). Give one when two applications share an application role.
   * @default - the application's database user (`dbUser`)
   */
  readonly migrationHistory?: string;
  /**
   * Privileges of `dbUser` on tables of the `public` schema, by table name (lower-case identifier), for example
   * `{ orders: [TablePrivilege.SELECT, TablePrivilege.INSERT] }`; at least one privilege per table. Any other table
   * privilege the user holds in that schema is revoked.
   * @default - none: the user gets CONNECT on the database and USAGE on the schema only
   */
  readonly tablePrivileges?: Record<string, TablePrivilege[]>;
  /**
   * Extra custom-resource properties (no secrets: they are stored in the template). Changing one re-runs the
   * bootstrap, so pass a hash of your handler's code and migrations here (for example as `CodeHash`) when you give `code`
   * or `entry`. They may not replace the properties the construct sets (`DbHost`, `AppUser`, `TablePrivileges`, and
   * `CodeHash` with the shipped handler, ...).
   * @default - with the shipped handler, `CodeHash`: the first 16 hex digits of its bundle's SHA-256, so a new
   * bundle re-runs the bootstrap; otherwise none
   */
  readonly properties?: Record<string, string>;
  /**
   * Log retention of both functions (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A CloudFormation custom resource that prepares an {@link IamAuthDatabase} for IAM authentication
 * on every deployment that changes it: the handler reads the master secret (through the VPC
 * endpoint), connects with verified TLS, creates the application role with `rds_iam` and its
 * grants, runs the migrations you give and grants the table privileges you list (none by default). Both the handler and the provider framework function run in
 * the VPC's private subnets, and neither can reach anything but the database and HTTPS inside the VPC.
 */
export class DatabaseBootstrap extends Construct {
  /** The bootstrap handler. */
  public readonly handler: SecureFunction;
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The provider (framework function that calls the handler). */
  public readonly provider: cr.Provider;
  /** The database user the application connects as (grant it with `database.grantConnect(grantee, bootstrap.dbUser)`). */
  public readonly dbUser: string;
  private readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const dbUser = props.dbUser ?? 'app_user';
    this.checkProps(props, dbUser);
    this.dbUser = dbUser;
    this.vpc = props.vpc;
    const shipped = props.code === undefined && props.entry === undefined ? handlerBundle('db-bootstrap') : undefined;
    this.checkExtraProperties(props.properties ?? {}, shipped !== undefined);

    const httpsInVpc = this.httpsInVpcGroup(props.vpc);
    this.handler = this.handlerConfiguration(props, httpsInVpc, shipped);
    // The provider framework function (CDK-owned code): its own encrypted log group and role, in the VPC.
    const frameworkLogs = new SecureLogGroup(this, 'ProviderLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const frameworkRole = this.frameworkRole(frameworkLogs);
    this.provider = this.providerConfiguration(props, frameworkLogs, frameworkRole);
    this.resource = this.customResource(props, dbUser, shipped);
    this.node.defaultChild = this.resource.node.defaultChild;
    this.hardenFramework(frameworkRole);
  }

  /** HTTPS inside the VPC only (the Secrets Manager interface endpoint); the handler reaches the database port through the client group. */
  private httpsInVpcGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const httpsInVpc = new ec2.SecurityGroup(this, 'HttpsInVpc', {
      vpc,
      description: `${this.node.path}: HTTPS to VPC endpoints only`,
      allowAllOutbound: false,
    });
    httpsInVpc.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to interface endpoints in the VPC');
    return httpsInVpc;
  }

  /** The bootstrap handler: in the private subnets, one at a time, allowed to read and decrypt the master secret only. */
  private handlerConfiguration(props: DatabaseBootstrapProps, httpsInVpc: ec2.ISecurityGroup, shipped: HandlerBundle | undefined): SecureFunction {
    const db = props.database;
    const handler = new SecureFunction(this, 'Handler', {
      ...(shipped !== undefined ? { code: lambda.Code.fromAsset(shipped.dir) } : props.code !== undefined ? { code: props.code } : { entry: props.entry }),
      description: `Bootstraps ${db.node.path}: app role with rds_iam, grants, migrations`,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [db.clientSecurityGroup, httpsInVpc],
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      timeout: Duration.minutes(5),
      memorySize: 256,
      reservedConcurrentExecutions: 1,
      environment: { POWERTOOLS_SERVICE_NAME: 'db-bootstrap' },
    });
    db.secret.grantRead(handler);
    iam.Grant.addToPrincipal({
      grantee: handler,
      actions: ['kms:Decrypt'],
      resourceArns: [db.secretEncryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
    });
    return handler;
  }

  /** The provider framework function's role: a customer-managed policy with its own log group and the network interfaces Lambda needs in the VPC. */
  private frameworkRole(frameworkLogs: logs.ILogGroup): ManagedPolicyRole {
    const role = new ManagedPolicyRole(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Provider framework of ${this.node.path}: invokes the bootstrap handler`,
    });
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [frameworkLogs.logGroupArn],
    }));
    role.addToPolicy(vpcNetworkInterfaceStatement());
    return role;
  }

  /** The provider: its framework function in the private subnets, HTTPS out only, logging to its own group with its own role. */
  private providerConfiguration(props: DatabaseBootstrapProps, frameworkLogs: logs.ILogGroup, frameworkRole: iam.IRole): cr.Provider {
    const providerHttps = new ec2.SecurityGroup(this, 'ProviderSecurityGroup', {
      vpc: props.vpc,
      description: `${this.node.path} provider: HTTPS out (Lambda API to invoke the handler, CloudFormation response URL)`,
      allowAllOutbound: false,
    });
    providerHttps.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
      'HTTPS to the Lambda API and the pre-signed S3 response URL of CloudFormation (through the NAT gateway or the S3 gateway endpoint)');
    return new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler.function,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [providerHttps],
      logGroup: frameworkLogs,
      frameworkOnEventRole: frameworkRole,
    });
  }

  /**
   * The custom resource: references only (endpoint, names, the secret's ARN; never a secret value), the migrations and
   * table privileges it applies, and the bundle hash that re-runs it when the shipped handler changes.
   */
  private customResource(props: DatabaseBootstrapProps, dbUser: string, shipped: HandlerBundle | undefined): CustomResource {
    const db = props.database;
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::DatabaseBootstrap',
      properties: {
        ...props.properties,
        DbHost: db.endpointAddress,
        DbPort: String(db.port),
        DbName: db.databaseName,
        MasterSecretArn: db.secret.secretArn,
        AppUser: dbUser,
        ...(shipped !== undefined ? { CodeHash: shipped.sha256.slice(0, 16) } : {}),
        ...(props.migrations !== undefined ? { Migrations: JSON.stringify(props.migrations) } : {}),
        ...(props.migrationHistory !== undefined ? { MigrationHistory: props.migrationHistory } : {}),
        ...(props.tablePrivileges !== undefined ? { TablePrivileges: JSON.stringify(props.tablePrivileges) } : {}),
      },
    });
    // The writer instance must be available, not just the cluster resource.
    resource.node.addDependency(db.cluster);
    return resource;
  }

  /** Throws at synth on an unsafe application role, on both `code` and `entry`, and on migrations or privileges it would refuse to apply. */
  private checkProps(props: DatabaseBootstrapProps, dbUser: string): void {
    if (!SAFE_DB_IDENTIFIER.test(dbUser) || dbUser === props.database.masterUsername) {
      invalidProp(this, 'dbUser', dbUser, 'Fix: use a lower-case identifier (letters, digits, underscores) other than the master user, for example app_user.');
    }
    if (props.migrationHistory !== undefined && !Token.isUnresolved(props.migrationHistory) && !/^[a-z0-9_][a-z0-9_-]{0,62}$/.test(props.migrationHistory)) {
      invalidProp(this, 'migrationHistory', props.migrationHistory, 'Fix: use 1-63 lower-case letters, digits, _ or - (for example orders), or leave it unset to use dbUser.');
    }
    if (props.code !== undefined && props.entry !== undefined) {
      invalidProp(this, 'entry', props.entry, 'Fix: give either code (built already) or entry (bundled with esbuild at synth), not both; leave both unset for the shipped handler.');
    }
    let last = 0;
    (props.migrations ?? []).forEach((m, i) => {
      if (!Number.isInteger(m.version) || m.version <= last) {
        invalidProp(this, `migrations[${i}].version`, m.version, `Fix: number migrations with increasing positive integers (after ${last}); never renumber one that has run.`);
      }
      if (typeof m.name !== 'string' || m.name.trim() === '' || m.name.length > 200) {
        invalidProp(this, `migrations[${i}].name`, m.name, 'Fix: say what the migration does in 1 to 200 characters.');
      }
      if (!Array.isArray(m.statements) || m.statements.length === 0 || m.statements.some((st) => typeof st !== 'string' || st.trim() === '')) {
        invalidProp(this, `migrations[${i}].statements`, m.statements, 'Fix: give one or more non-empty SQL statements (constant text).');
      }
      last = m.version;
    });
    for (const [table, privileges] of Object.entries(props.tablePrivileges ?? {})) {
      if (!TABLE_NAME.test(table)) {
        invalidProp(this, 'tablePrivileges', table, 'Fix: name tables of the public schema as lower-case identifiers (letters, digits, underscores).');
      }
      if (!Array.isArray(privileges) || privileges.length === 0 || privileges.some((p) => !TABLE_PRIVILEGES.includes(p))) {
        invalidProp(this, `tablePrivileges.${table}`, privileges, 'Fix: grant at least one of TablePrivilege.SELECT, INSERT, UPDATE, DELETE (no DDL, TRUNCATE, REFERENCES or TRIGGER).');
      }
    }
  }

  /** Refuses extra properties that would replace the construct's own (which its checks of `dbUser`, `tablePrivileges`, ... guard). */
  private checkExtraProperties(properties: Record<string, string>, shipped: boolean): void {
    const own = shipped ? [...OWN_PROPERTIES, 'CodeHash'] : OWN_PROPERTIES;
    for (const [key, value] of Object.entries(properties)) {
      if (own.includes(key)) {
        invalidProp(this, `properties.${key}`, value, `Fix: use another name; ${key} is set by DatabaseBootstrap itself (give the value through its own prop, if it has one).`);
      }
    }
  }

  /**
   * The provider framework function is created by CDK; give it what SecureFunction gives ours: explicit memory,
   * reserved concurrency, active tracing and a KMS-encrypted dead-letter queue (CloudFormation invokes it asynchronously).
   */
  private hardenFramework(role: ManagedPolicyRole): void {
    // The function behind the provider's public serviceToken (found by what it is, not by the framework's internal construct id).
    const stack = Stack.of(this.provider);
    const token = JSON.stringify(stack.resolve(this.provider.serviceToken));
    const fn = this.provider.node.findAll().find((c): c is lambda.Function => c instanceof lambda.Function && JSON.stringify(stack.resolve(c.functionArn)) === token);
    if (!fn) throw new BaselineError(BaselineErrorCode.ASSUMPTION_FAILED, `${this.node.path}: no function of the CDK provider framework answers its serviceToken; update DatabaseBootstrap.`);
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    const dlq = new sqs.Queue(this, 'ProviderDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue (Control Tower CT.SQS.PR.1); allowAll is SQS's own default for who may
      // name it as a DLQ (queues of this account and region) and grants nobody read access.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    acknowledge(dlq, 'Serverless-SQSRedrivePolicy',
      'This queue is itself the dead-letter queue of the provider framework function; a redrive policy would only move the same failed ' +
      'CloudFormation events to yet another queue. Messages are kept 14 days for investigation and the queue is KMS-encrypted and TLS-only.');
    role.addToPolicy(new iam.PolicyStatement({ sid: 'SendToDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }));
    role.addToPolicy(xrayTracingStatement());
    cfn.memorySize = 256;
    cfn.reservedConcurrentExecutions = 1;
    cfn.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    cfn.deadLetterConfig = { targetArn: dlq.queueArn };
    cfn.node.addDependency(role);
    if (Stack.of(this.vpc) !== Stack.of(this)) {
      acknowledgeIfVerified(cfn, ['cdk-validator-cfnguard::lambda_inside_vpc_check'], () => crossStackVpcReason(cfn, this.vpc, 'The provider framework function'));
    }

    acknowledgeIfVerified(role, ['AwsSolutions-IAM5[Resource::*]'], () => (onlyNetworkAndTracingOnAnyResource(role)
      ? 'Checked at synth: the only actions the provider framework function\'s role allows on Resource "*" are ' +
        'ec2:CreateNetworkInterface/Describe*/DeleteNetworkInterface (it runs in the VPC) and xray:PutTraceSegments/PutTelemetryRecords ' +
        '(it traces to X-Ray), which do not support resource-level permissions; every other statement of the role names its resources.'
      : undefined));
    acknowledge(role, `AwsSolutions-IAM5[Resource::${nagText(role, `${this.handler.function.functionArn}:*`)}]`,
      'lambda:InvokeFunction on the bootstrap handler and its versions/aliases (ARN suffix :*), granted by the CDK provider framework; it is the ' +
      'only function this role can invoke.');
  }
}
