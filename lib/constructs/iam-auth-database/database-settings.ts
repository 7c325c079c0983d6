import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import type { IamAuthDatabaseProps } from './props';

/** A PostgreSQL role name we accept for IAM authentication (lower case, no quoting needed). */
export const SAFE_DB_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Roles RDS or PostgreSQL own: never a master user, never granted `rds-db:connect`. */
export const RESERVED_USERS: ReadonlySet<string> = new Set(['rdsadmin', 'rds_superuser', 'rds_iam', 'postgres', 'public', 'pg_signal_backend']);
const CLUSTER_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$/;
const MONITORING_INTERVALS_SECONDS = [1, 5, 10, 15, 30, 60];

/** {@link IamAuthDatabaseProps} checked, with every default applied: what the parts of the construct are built from. */
export interface DatabaseSettings {
  readonly port: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  readonly clusterIdentifier: string;
  readonly backupRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Defined only when the cluster may pause (serverlessV2MinCapacity 0). */
  readonly autoPauseDuration?: Duration;
  readonly monitoringIntervalSeconds: number;
  readonly multiAz: boolean;
}

/** Fails at synth unless `name` is a database name that needs no quoting. */
export function checkDatabaseName(scope: Construct, name: string): void {
  if (!SAFE_DB_IDENTIFIER.test(name)) {
    invalidProp(scope, 'databaseName', name, 'Fix: use 1-63 lower-case letters, digits and underscores, starting with a letter or underscore.');
  }
}

/** Fails at synth unless `name` is a safe master user name that no RDS or PostgreSQL role owns. */
export function checkMasterUsername(scope: Construct, name: string): void {
  if (!SAFE_DB_IDENTIFIER.test(name) || RESERVED_USERS.has(name)) {
    invalidProp(scope, 'masterUsername', name, `Fix: use a safe identifier that is not reserved (${[...RESERVED_USERS].join(', ')}), for example 'dbadmin'.`);
  }
}

/**
 * Checks the props of the `IamAuthDatabase` at `scope` (construct id `id`) and applies the secure defaults. Throws at
 * synth, naming the construct path, the prop, the value and the fix, for anything the database must never run with.
 */
export function databaseSettings(scope: Construct, id: string, props: IamAuthDatabaseProps): DatabaseSettings {
  const port = props.port ?? 5432;
  checkRange(scope, 'port', port, 1150, 65535);
  const databaseName = props.databaseName ?? 'app';
  if (!Token.isUnresolved(databaseName)) checkDatabaseName(scope, databaseName);
  const masterUsername = props.masterUsername ?? 'dbadmin';
  checkMasterUsername(scope, masterUsername);
  const clusterIdentifier = props.clusterIdentifier ?? defaultClusterIdentifier(Stack.of(scope).stackName, id);
  if (!Token.isUnresolved(clusterIdentifier) && !CLUSTER_IDENTIFIER.test(clusterIdentifier)) {
    invalidProp(scope, 'clusterIdentifier', clusterIdentifier,
      'Fix: use 2-63 lower-case letters, digits and hyphens, starting with a letter, no trailing or double hyphen.');
  }
  const backupRetention = props.backupRetention ?? Duration.days(7);
  const backupRetentionDays = backupRetention.isUnresolved() ? backupRetention.toDays() : backupRetention.toDays({ integral: false });
  if (!Token.isUnresolved(backupRetentionDays) && (backupRetentionDays < 7 || backupRetentionDays > 35 || !Number.isInteger(backupRetentionDays))) {
    invalidProp(scope, 'backupRetention', backupRetention.toHumanString(), 'Fix: keep automated backups 7 to 35 whole days, for example Duration.days(35) in production.');
  }
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
  if (removalPolicy === RemovalPolicy.DESTROY) {
    invalidProp(scope, 'removalPolicy', 'DESTROY', 'Fix: use RemovalPolicy.SNAPSHOT (default) or RETAIN; a database is never deleted without a final snapshot.');
  }
  const minCapacity = props.serverlessV2MinCapacity ?? 0.5;
  const maxCapacity = props.serverlessV2MaxCapacity ?? 4;
  checkHalfStep(scope, 'serverlessV2MinCapacity', minCapacity, 0, 256);
  checkHalfStep(scope, 'serverlessV2MaxCapacity', maxCapacity, 1, 256);
  if (!Token.isUnresolved(minCapacity) && !Token.isUnresolved(maxCapacity) && minCapacity > maxCapacity) {
    invalidProp(scope, 'serverlessV2MinCapacity', minCapacity, `Fix: keep serverlessV2MinCapacity at or below serverlessV2MaxCapacity (${maxCapacity}).`);
  }
  const autoPause = props.serverlessV2AutoPauseDuration;
  if (autoPause !== undefined) {
    if (minCapacity !== 0) {
      invalidProp(scope, 'serverlessV2AutoPauseDuration', autoPause.toHumanString(),
        'Fix: auto-pause needs serverlessV2MinCapacity: 0; remove serverlessV2AutoPauseDuration or set serverlessV2MinCapacity to 0.');
    }
    const seconds = autoPause.isUnresolved() ? undefined : autoPause.toSeconds({ integral: false });
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 300 || seconds > 86400)) {
      invalidProp(scope, 'serverlessV2AutoPauseDuration', autoPause.toHumanString(), 'Fix: use 300 to 86,400 whole seconds, for example Duration.minutes(10).');
    }
  }
  const monitoringInterval = props.monitoringInterval ?? Duration.seconds(60);
  const monitoringIntervalSeconds = monitoringInterval.isUnresolved() ? monitoringInterval.toSeconds() : monitoringInterval.toSeconds({ integral: false });
  if (!Token.isUnresolved(monitoringIntervalSeconds) && !MONITORING_INTERVALS_SECONDS.includes(monitoringIntervalSeconds)) {
    invalidProp(scope, 'monitoringInterval', monitoringInterval.toHumanString(), 'Fix: use Duration.seconds() of 1, 5, 10, 15, 30 or 60.');
  }
  checkIsolatedSubnets(scope, props);
  return {
    port,
    databaseName,
    masterUsername,
    clusterIdentifier,
    backupRetentionDays,
    removalPolicy,
    deletionProtection: props.deletionProtection ?? true,
    minCapacity,
    maxCapacity,
    autoPauseDuration: minCapacity === 0 ? (autoPause ?? Duration.minutes(5)) : undefined,
    monitoringIntervalSeconds,
    multiAz: props.multiAz ?? true,
  };
}

/** The database runs only in isolated subnets (no route out), in at least two zones (RDS subnet groups need two). */
function checkIsolatedSubnets(scope: Construct, props: IamAuthDatabaseProps): void {
  const isolated = props.vpc.isolatedSubnets;
  const zones = [...new Set(isolated.map((s) => s.availabilityZone))];
  if (isolated.length === 0) {
    invalidProp(scope, 'vpc', props.vpc.node.path, 'Fix: give the VPC isolated subnets (SubnetType.PRIVATE_ISOLATED) in at least two zones; the database never runs in subnets with a route out.');
  }
  if (zones.length < 2) {
    invalidProp(scope, 'vpc', props.vpc.node.path, 'Fix: the isolated subnets must span at least two availability zones (RDS subnet groups need two).');
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
