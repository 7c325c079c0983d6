/**
 * Database bootstrap (pure core: no AWS SDK; the secret reader and the PostgreSQL
 * client factory are injected).
 *
 * On Create/Update it connects as the master user and, idempotently:
 *  1. creates the application role (LOGIN, no password, no CREATEDB/CREATEROLE) if missing,
 *     and refuses to continue if an existing role of that name is privileged: SUPERUSER, REPLICATION or
 *     BYPASSRLS, membership in any role but rds_iam (recursively), or schema, database, table or default
 *     privileges beyond what the API needs (see `refuseExtraPrivileges` in app-role.ts);
 *  2. grants it `rds_iam`, so it can only sign in with an IAM authentication token;
 *  3. revokes CREATE on schema public and TEMP/CONNECT on the database from PUBLIC,
 *     and grants CONNECT to the application role;
 *  4. runs the migrations given as custom-resource properties (as the master user, who owns the tables), kept in the
 *     history of this application (`MigrationHistory`, default the role's name) under a lock of its own, and checks
 *     the role's privileges again before they commit (a migration that grants it more is rolled back);
 *  5. grants exactly the configured table privileges (USAGE on the schema, no DDL), and revokes
 *     any other privilege the role holds on tables of that schema.
 * Each step only changes what differs, so a second run changes nothing.
 * On Delete it does nothing: dropping roles or data is never automatic.
 *
 * The parts, one concept per file: config.ts (custom-resource properties, identifiers), connection.ts (master
 * credentials, connecting with retries), app-role.ts (steps 1 and 2), grants.ts (steps 3 and 5), errors.ts
 * (the one error type, redaction). This file runs the steps in order.
 */
import { ensureAppRole, grantRdsIam, refuseExtraPrivileges } from './app-role';
import { BootstrapConfig, IDENTIFIER, parseConfig, validatePrivileges } from './config';
import { BootstrapLog, connectWithRetry, ConnectionOptions, parseCredentials, SqlClient } from './connection';
import { BootstrapError, errorName, pgMessage, redactSecret } from './errors';
import { grantTablePrivileges, hardenDatabase } from './grants';
import type { MigrationRun } from '../shared/migrate';

// The bootstrap's entry, re-exported by name: the handler and the tests import from here.
export { APP_ROLE_MEMBERSHIPS } from './app-role';
export { parseConfig, parseSchemaSpec } from './config';
export type { BootstrapConfig, SchemaMigration, SchemaSpec } from './config';
export type { ConnectionOptions, SqlClient } from './connection';
export { BootstrapError, redactSecret } from './errors';

/** Dependencies of the bootstrap. */
export interface BootstrapDeps {
  /** Returns the master secret's JSON text (`{"username": ..., "password": ...}`). */
  readonly readSecret: (arn: string) => Promise<string>;
  /** Creates an unconnected client with verified TLS. */
  readonly createClient: (options: ConnectionOptions) => SqlClient;
  /**
   * Creates or upgrades the schema (lambda/shared/migrate.ts `runMigrations` with the given migrations), kept under
   * `run.history`, calling `run.beforeCommit` inside the migrations' transaction before it commits.
   */
  readonly migrate: (client: SqlClient, run: MigrationRun) => Promise<void>;
  /** The schema and the table privileges of the application role (from the custom-resource properties). */
  readonly schema: string;
  readonly tablePrivileges: Readonly<Record<string, readonly string[]>>;
  /** Structured log without values that could be secret. */
  readonly log?: BootstrapLog;
  /** Connection attempts (an auto-paused Aurora cluster needs a few seconds to resume). @default 4 */
  readonly connectAttempts?: number;
  /** Sleep between attempts. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The subset of a CloudFormation custom-resource event the provider framework passes. */
export interface BootstrapEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

/** What the provider framework expects back. */
export interface BootstrapResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** The custom-resource entry point: Create/Update bootstrap, Delete does nothing. */
export async function handleEvent(event: BootstrapEvent, deps: BootstrapDeps): Promise<BootstrapResponse> {
  if (event.RequestType === 'Delete') {
    deps.log?.('delete: nothing to do (roles and data are never dropped automatically)');
    return { PhysicalResourceId: event.PhysicalResourceId ?? 'db-bootstrap' };
  }
  const config = parseConfig(event.ResourceProperties);
  await bootstrapDatabase(config, deps);
  return { PhysicalResourceId: `db-bootstrap:${config.database}:${config.appUser}`, Data: { AppUser: config.appUser } };
}

/** Runs the bootstrap against one database. Idempotent. */
export async function bootstrapDatabase(config: BootstrapConfig, deps: BootstrapDeps): Promise<void> {
  const log = deps.log ?? (() => undefined);
  validatePrivileges(deps.schema, deps.tablePrivileges);
  if (!IDENTIFIER.test(config.appUser)) throw new BootstrapError('configuration', 'AppUser is not a safe identifier.');

  let secretText: string;
  try {
    secretText = await deps.readSecret(config.masterSecretArn);
  } catch (err) {
    throw new BootstrapError('read master secret', `${errorName(err)}: could not read the master secret from Secrets Manager (check the VPC endpoint and the role's secretsmanager:GetSecretValue and kms:Decrypt).`);
  }
  const credentials = parseCredentials(secretText);
  const redact = (message: string) => redactSecret(message, [credentials.password]);

  const client = await connectWithRetry(config, credentials, deps, redact, log);
  // Each step is named in the error CloudFormation shows when it fails.
  const steps: readonly (readonly [string, () => Promise<void>])[] = [
    ['create application role', () => ensureAppRole(client, config.appUser, log)],
    ['check application role privileges', () => refuseExtraPrivileges(client, config, deps.schema)],
    ['grant rds_iam', () => grantRdsIam(client, config.appUser, log)],
    ['harden database and schema', () => hardenDatabase(client, config, log)],
    // The privileges are checked again inside the migrations' transaction: a migration that grants the application role
    // more (`GRANT pg_read_all_data TO app_user`) fails the check, and its transaction is rolled back, history included.
    ['migrate', async () => {
      const history = config.migrationHistory ?? config.appUser;
      await deps.migrate(client, { history, beforeCommit: () => refuseExtraPrivileges(client, config, deps.schema, 'migrations') });
      log('migrations applied', { history });
    }],
    ['grant table privileges', () => grantTablePrivileges(client, config.appUser, deps.schema, deps.tablePrivileges, log)],
  ];
  try {
    for (const [step, run] of steps) {
      try {
        await run();
      } catch (err) {
        if (err instanceof BootstrapError) throw err;
        throw new BootstrapError(step, redact(pgMessage(err)));
      }
    }
    log('bootstrap complete', { role: config.appUser, tables: Object.keys(deps.tablePrivileges) });
  } finally {
    await client.end().catch(() => undefined);
  }
}
