/**
 * Database bootstrap (pure core: no AWS SDK; the secret reader and the PostgreSQL
 * client factory are injected).
 *
 * On Create/Update it connects as the master user and, idempotently:
 *  1. creates the application role (LOGIN, no password, no CREATEDB/CREATEROLE) if missing,
 *     and refuses to continue if an existing role of that name is privileged: SUPERUSER, REPLICATION or
 *     BYPASSRLS, membership in any role but rds_iam (recursively), or schema, database, table or default
 *     privileges beyond what the API needs (see {@link refuseExtraPrivileges});
 *  2. grants it `rds_iam`, so it can only sign in with an IAM authentication token;
 *  3. revokes CREATE on schema public and TEMP/CONNECT on the database from PUBLIC,
 *     and grants CONNECT to the application role;
 *  4. runs the migrations given as custom-resource properties (as the master user, who owns the tables);
 *  5. grants exactly the configured table privileges (USAGE on the schema, no DDL), and revokes
 *     any other privilege the role holds on tables of that schema.
 * Each step only changes what differs, so a second run changes nothing.
 * On Delete it does nothing: dropping roles or data is never automatic.
 */

/** A connected PostgreSQL session (a `pg.Client` fits). */
export interface SqlClient {
  connect(): Promise<unknown>;
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

/** How to reach the database; the factory adds verified TLS. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/** The bootstrap's configuration (custom-resource properties; no secret values). */
export interface BootstrapConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly masterSecretArn: string;
  readonly appUser: string;
}

/** Dependencies of the bootstrap. */
export interface BootstrapDeps {
  /** Returns the master secret's JSON text (`{"username": ..., "password": ...}`). */
  readonly readSecret: (arn: string) => Promise<string>;
  /** Creates an unconnected client with verified TLS. */
  readonly createClient: (options: ConnectionOptions) => SqlClient;
  /** Creates or upgrades the schema (lambda/shared/migrate.ts `runMigrations` with the given migrations). */
  readonly migrate: (client: SqlClient) => Promise<void>;
  /** The schema and the table privileges of the application role (from the custom-resource properties). */
  readonly schema: string;
  readonly tablePrivileges: Readonly<Record<string, readonly string[]>>;
  /** Structured log without values that could be secret. */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Connection attempts (an auto-paused Aurora cluster needs a few seconds to resume). @default 4 */
  readonly connectAttempts?: number;
  /** Sleep between attempts. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The bootstrap failed; the message is safe to show in CloudFormation (no secret, no stack trace). */
export class BootstrapError extends Error {
  public readonly step: string;
  constructor(step: string, message: string) {
    super(`Database bootstrap failed (${step}): ${message}`);
    this.name = 'BootstrapError';
    this.step = step;
  }
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

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const ALLOWED_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
const HOST = /^[A-Za-z0-9.-]{1,253}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;

/** One numbered schema change (constant SQL text), as the custom resource carries it. */
export interface SchemaMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** What the bootstrap creates and grants: the consumer's migrations and the application role's table privileges. */
export interface SchemaSpec {
  readonly migrations: readonly SchemaMigration[];
  readonly tablePrivileges: Readonly<Record<string, readonly string[]>>;
}

/**
 * Reads `Migrations` and `TablePrivileges` (JSON text) from the custom-resource properties. Both are optional: without
 * them the bootstrap runs no migration and grants no table privilege (the application role gets CONNECT and USAGE only).
 * Anything malformed is refused before the database is touched.
 */
export function parseSchemaSpec(props: Record<string, unknown>): SchemaSpec {
  const json = (key: string): unknown => {
    const v = props[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BootstrapError('configuration', `property ${key} is not JSON text.`);
    try {
      return JSON.parse(v);
    } catch {
      throw new BootstrapError('configuration', `property ${key} is not valid JSON.`);
    }
  };
  const rawMigrations = json('Migrations') ?? [];
  if (!Array.isArray(rawMigrations)) throw new BootstrapError('configuration', 'Migrations is not a list.');
  let last = 0;
  const migrations = rawMigrations.map((m: unknown, i): SchemaMigration => {
    const r = m as { version?: unknown; name?: unknown; statements?: unknown };
    if (typeof r !== 'object' || r === null || !Number.isInteger(r.version) || (r.version as number) <= last ||
      typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 200 ||
      !Array.isArray(r.statements) || r.statements.length === 0 || r.statements.some((st) => typeof st !== 'string' || st.trim() === '')) {
      throw new BootstrapError('configuration', `Migrations[${i}] needs an integer version above the previous one, a name and non-empty statements.`);
    }
    last = r.version as number;
    return { version: r.version as number, name: r.name, statements: r.statements as string[] };
  });
  const rawTables = json('TablePrivileges') ?? {};
  if (typeof rawTables !== 'object' || rawTables === null || Array.isArray(rawTables)) {
    throw new BootstrapError('configuration', 'TablePrivileges is not an object of table names to privilege lists.');
  }
  const tablePrivileges: Record<string, readonly string[]> = Object.create(null);
  for (const [table, privileges] of Object.entries(rawTables as Record<string, unknown>)) {
    if (!Array.isArray(privileges) || privileges.some((p) => typeof p !== 'string')) {
      throw new BootstrapError('configuration', `TablePrivileges.${table} is not a list of privileges.`);
    }
    tablePrivileges[table] = privileges as string[];
  }
  return { migrations, tablePrivileges };
}

/** Validates the custom-resource properties. */
export function parseConfig(props: Record<string, unknown>): BootstrapConfig {
  const text = (key: string): string => {
    const v = props[key];
    if (typeof v !== 'string' || v.length === 0) throw new BootstrapError('configuration', `property ${key} is missing.`);
    return v;
  };
  const host = text('DbHost');
  if (!HOST.test(host)) throw new BootstrapError('configuration', 'DbHost is not a host name.');
  const port = Number(text('DbPort'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BootstrapError('configuration', 'DbPort is not a TCP port.');
  const database = text('DbName');
  if (!IDENTIFIER.test(database)) throw new BootstrapError('configuration', 'DbName is not a safe identifier.');
  const appUser = text('AppUser');
  if (!IDENTIFIER.test(appUser)) throw new BootstrapError('configuration', 'AppUser is not a safe identifier.');
  const masterSecretArn = text('MasterSecretArn');
  if (!SECRET_ARN.test(masterSecretArn)) throw new BootstrapError('configuration', 'MasterSecretArn is not a Secrets Manager secret ARN.');
  return { host, port, database, appUser, masterSecretArn };
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

  let step = 'connect';
  const client = await connectWithRetry(config, credentials, deps, redact, log);
  try {
    const app = quoteIdent(config.appUser);

    step = 'create application role';
    const role = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
      'SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1', [config.appUser]);
    if (role.rows.length === 0) {
      await client.query(`CREATE ROLE ${app} WITH LOGIN NOCREATEDB NOCREATEROLE`);
      log('created application role', { role: config.appUser });
    } else {
      const r = role.rows[0];
      if (r.rolsuper || r.rolreplication || r.rolbypassrls) {
        throw new BootstrapError(step, `role ${config.appUser} exists with SUPERUSER, REPLICATION or BYPASSRLS; remove those attributes by hand, then redeploy.`);
      }
      if (r.rolcreaterole || r.rolcreatedb || !r.rolcanlogin) {
        await client.query(`ALTER ROLE ${app} WITH LOGIN NOCREATEDB NOCREATEROLE`);
        log('reset application role attributes', { role: config.appUser });
      }
    }

    step = 'check application role privileges';
    await refuseExtraPrivileges(client, config, deps.schema);

    step = 'grant rds_iam';
    const member = await client.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
       WHERE g.rolname = 'rds_iam' AND u.rolname = $1`, [config.appUser]);
    if (member.rows.length === 0) {
      await client.query(`GRANT rds_iam TO ${app}`);
      log('granted rds_iam', { role: config.appUser });
    }

    step = 'harden database and schema';
    const db = quoteIdent(config.database);
    const dbAcl = await client.query<{ grantee: string; privilege_type: string }>(
      `SELECT COALESCE(r.rolname, 'PUBLIC') AS grantee, a.privilege_type
       FROM pg_database d, aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a LEFT JOIN pg_roles r ON r.oid = a.grantee
       WHERE d.datname = $1`, [config.database]);
    if (dbAcl.rows.some((a) => a.grantee === 'PUBLIC')) {
      await client.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
      log('revoked database privileges from PUBLIC');
    }
    if (!dbAcl.rows.some((a) => a.grantee === config.appUser && a.privilege_type === 'CONNECT')) {
      await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${app}`);
    }
    const publicCreate = await client.query<{ can: boolean }>("SELECT has_schema_privilege('public', 'public', 'CREATE') AS can");
    if (publicCreate.rows[0]?.can) {
      await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      log('revoked CREATE on schema public from PUBLIC');
    }

    step = 'migrate';
    await deps.migrate(client);
    log('migrations applied');

    step = 'grant table privileges';
    await grantTablePrivileges(client, config.appUser, deps.schema, deps.tablePrivileges, log);
    log('bootstrap complete', { role: config.appUser, tables: Object.keys(deps.tablePrivileges) });
  } catch (err) {
    if (err instanceof BootstrapError) throw err;
    throw new BootstrapError(step, redact(pgMessage(err)));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The only role the application role may belong to: IAM authentication. */
export const APP_ROLE_MEMBERSHIPS: readonly string[] = Object.freeze(['rds_iam']);

/**
 * Refuses an application role that holds more than the API needs, found in the catalogs as they are before the
 * bootstrap grants anything:
 *  - membership in any role but `rds_iam`, directly or through other roles (`pg_auth_members`, walked recursively):
 *    `rds_superuser`, `pg_read_all_data`, `pg_write_all_data`, `pg_monitor`, an application's admin role...;
 *  - any privilege on a schema other than USAGE on the API schema, or owning a schema;
 *  - any database privilege other than CONNECT on the API database, or owning a database;
 *  - owning a table, view or sequence, or any grant on one outside the API schema (inside it, the table-privilege
 *    step revokes what is not in the contract);
 *  - default privileges (`ALTER DEFAULT PRIVILEGES ... TO app_user`), which would grant it every future object.
 * Nothing is revoked automatically: someone granted these on purpose, so a person decides.
 */
async function refuseExtraPrivileges(client: SqlClient, config: BootstrapConfig, schema: string): Promise<void> {
  const user = config.appUser;
  const memberships = await client.query<{ role: string; via: string }>(
    `WITH RECURSIVE up(oid, path) AS (
       SELECT m.roleid, ARRAY[m.roleid] FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1
       UNION ALL
       SELECT m.roleid, up.path || m.roleid FROM pg_auth_members m JOIN up ON m.member = up.oid WHERE NOT m.roleid = ANY(up.path)
     )
     SELECT g.rolname AS role,
       (SELECT string_agg(p.rolname, ' > ' ORDER BY i) FROM unnest(up.path) WITH ORDINALITY AS u(o, i) JOIN pg_roles p ON p.oid = u.o) AS via
     FROM up JOIN pg_roles g ON g.oid = up.oid
     ORDER BY cardinality(up.path), 1`, [user]);
  const extraRoles = new Map<string, string>();
  for (const m of memberships.rows) {
    if (!APP_ROLE_MEMBERSHIPS.includes(m.role) && !extraRoles.has(m.role)) extraRoles.set(m.role, m.via);
  }

  const grants = await client.query<{ kind: string; object: string; privilege: string }>(
    `WITH app AS (SELECT oid FROM pg_roles WHERE rolname = $1)
     SELECT 'schema' AS kind, n.nspname AS object, a.privilege_type AS privilege
       FROM pg_namespace n, aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a, app
       WHERE a.grantee = app.oid AND NOT (n.nspname = $2 AND a.privilege_type = 'USAGE')
     UNION ALL SELECT 'schema', n.nspname, 'OWNER' FROM pg_namespace n, app WHERE n.nspowner = app.oid
     UNION ALL SELECT 'database', d.datname, a.privilege_type
       FROM pg_database d, aclexplode(COALESCE(d.datacl, acldefault('d', d.datdba))) a, app
       WHERE a.grantee = app.oid AND NOT (d.datname = $3 AND a.privilege_type = 'CONNECT')
     UNION ALL SELECT 'database', d.datname, 'OWNER' FROM pg_database d, app WHERE d.datdba = app.oid
     UNION ALL SELECT 'table', n.nspname || '.' || c.relname, 'OWNER'
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, app WHERE c.relowner = app.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     UNION ALL SELECT 'table', n.nspname || '.' || c.relname, a.privilege_type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a, app
       WHERE a.grantee = app.oid AND n.nspname <> $2
     UNION ALL SELECT 'default privileges', COALESCE(n.nspname, 'all schemas'), a.privilege_type
       FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a, app
       WHERE a.grantee = app.oid
     ORDER BY 1, 2, 3`, [user, schema, config.database]);

  if (extraRoles.size === 0 && grants.rows.length === 0) return;
  const problems: string[] = [];
  if (extraRoles.size > 0) {
    problems.push(`it is a member of ${[...extraRoles].map(([role, via]) => (via === role ? role : `${role} (via ${via})`)).join(', ')}; it may belong to ${APP_ROLE_MEMBERSHIPS.join(', ')} only`);
  }
  if (grants.rows.length > 0) {
    problems.push(`it holds ${grants.rows.map((g) => `${g.privilege} on ${g.kind} ${g.object}`).join(', ')}; it needs only CONNECT on database ${config.database}, USAGE on schema ${schema} and the API's table privileges`);
  }
  throw new BootstrapError('check application role privileges',
    `role ${user} has more privileges than the API needs: ${problems.join('; ')}. Fix: revoke those roles and privileges from ${user} (or transfer ownership to the master user) by hand, then redeploy.`);
}

async function grantTablePrivileges(
  client: SqlClient, appUser: string, schema: string, wanted: Readonly<Record<string, readonly string[]>>,
  log: (m: string, f?: Record<string, unknown>) => void,
): Promise<void> {
  const app = quoteIdent(appUser);
  const s = quoteIdent(schema);
  const usage = await client.query<{ can: boolean }>('SELECT has_schema_privilege($1, $2, \'USAGE\') AS can', [appUser, schema]);
  if (!usage.rows[0]?.can) await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${app}`);

  // What the role holds now, directly granted, on every table of the schema.
  const held = await client.query<{ table_name: string; privilege_type: string }>(
    `SELECT c.relname AS table_name, a.privilege_type
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [schema, appUser]);
  const current = new Map<string, Set<string>>();
  for (const row of held.rows) {
    if (!current.has(row.table_name)) current.set(row.table_name, new Set());
    current.get(row.table_name)!.add(row.privilege_type);
  }
  const tables = new Set([...current.keys(), ...Object.keys(wanted)]);
  for (const table of [...tables].sort()) {
    const want = new Set(wanted[table] ?? []);
    const have = current.get(table) ?? new Set<string>();
    const grant = [...want].filter((p) => !have.has(p)).sort();
    const revoke = [...have].filter((p) => !want.has(p)).sort();
    const t = `${s}.${quoteIdent(table)}`;
    if (revoke.length > 0) {
      await client.query(`REVOKE ${revoke.join(', ')} ON ${t} FROM ${app}`);
      log('revoked table privileges', { table, privileges: revoke });
    }
    if (grant.length > 0) {
      await client.query(`GRANT ${grant.join(', ')} ON TABLE ${t} TO ${app}`);
      log('granted table privileges', { table, privileges: grant });
    }
  }
}

async function connectWithRetry(
  config: BootstrapConfig, credentials: { username: string; password: string }, deps: BootstrapDeps,
  redact: (m: string) => string, log: (m: string, f?: Record<string, unknown>) => void,
): Promise<SqlClient> {
  const attempts = deps.connectAttempts ?? 4;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const client = deps.createClient({ host: config.host, port: config.port, database: config.database, user: credentials.username, password: credentials.password });
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      if (isPermanent(err) || attempt === attempts) break;
      log('connection failed, retrying', { attempt, error: errorName(err) });
      await sleep(Math.min(2000 * 2 ** (attempt - 1), 15000));
    }
  }
  throw new BootstrapError('connect', `${redact(pgMessage(last))} (host ${config.host}:${config.port}, database ${config.database}, TLS verified against the Amazon RDS CAs).`);
}

/** Errors that retrying cannot fix: authentication, authorization, TLS verification. */
function isPermanent(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  return code.startsWith('28') || code === '3D000' || /certificate|self[- ]signed|altname|hostname|does not support SSL/i.test(pgMessage(err));
}

function parseCredentials(text: string): { username: string; password: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BootstrapError('read master secret', 'the master secret is not JSON.');
  }
  const p = parsed as { username?: unknown; password?: unknown };
  if (typeof p?.username !== 'string' || typeof p?.password !== 'string' || p.username.length === 0 || p.password.length === 0) {
    throw new BootstrapError('read master secret', 'the master secret has no username/password fields.');
  }
  return { username: p.username, password: p.password };
}

function validatePrivileges(schema: string, tables: Readonly<Record<string, readonly string[]>>): void {
  if (!IDENTIFIER.test(schema)) throw new BootstrapError('configuration', 'the API schema name is not a safe identifier.');
  for (const [table, privileges] of Object.entries(tables)) {
    if (!IDENTIFIER.test(table)) throw new BootstrapError('configuration', `table name ${JSON.stringify(table)} is not a safe identifier.`);
    for (const p of privileges) {
      if (!ALLOWED_PRIVILEGES.has(p)) {
        throw new BootstrapError('configuration', `privilege ${JSON.stringify(p)} on ${table} is not allowed; the application role gets only SELECT, INSERT, UPDATE, DELETE.`);
      }
    }
  }
}

/** Quotes an identifier that already matched {@link IDENTIFIER}. */
function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new BootstrapError('configuration', 'unsafe identifier.');
  return `"${name}"`;
}

function pgMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${err.message} [SQLSTATE ${code}]` : err.message;
  }
  return 'unknown error';
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'UnknownError';
}

/** Removes every occurrence of the given secret values from a message. */
export function redactSecret(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}
