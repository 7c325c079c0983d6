/**
 * The application role: created without a password and able to sign in only with an IAM token (`rds_iam`), and
 * refused, with nothing changed, when an existing role of that name holds more than the API needs.
 */
import { BootstrapConfig, quoteIdent } from './config';
import type { BootstrapLog, SqlClient } from './connection';
import { BootstrapError } from './errors';

/** The only role the application role may belong to: IAM authentication. */
export const APP_ROLE_MEMBERSHIPS: readonly string[] = Object.freeze(['rds_iam']);

/**
 * Creates the role (LOGIN, no password, no CREATEDB/CREATEROLE) when it is missing; resets those attributes when
 * they drifted; refuses SUPERUSER, REPLICATION or BYPASSRLS, which a person must remove.
 */
export async function ensureAppRole(client: SqlClient, appUser: string, log: BootstrapLog): Promise<void> {
  const app = quoteIdent(appUser);
  const role = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolreplication: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
    'SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1', [appUser]);
  if (role.rows.length === 0) {
    await client.query(`CREATE ROLE ${app} WITH LOGIN NOCREATEDB NOCREATEROLE`);
    log('created application role', { role: appUser });
    return;
  }
  const r = role.rows[0];
  if (r.rolsuper || r.rolreplication || r.rolbypassrls) {
    throw new BootstrapError('create application role', `role ${appUser} exists with SUPERUSER, REPLICATION or BYPASSRLS; remove those attributes by hand, then redeploy.`);
  }
  if (r.rolcreaterole || r.rolcreatedb || !r.rolcanlogin) {
    await client.query(`ALTER ROLE ${app} WITH LOGIN NOCREATEDB NOCREATEROLE`);
    log('reset application role attributes', { role: appUser });
  }
}

/** Grants `rds_iam` when the role is not a member yet, so it can sign in only with an IAM authentication token. */
export async function grantRdsIam(client: SqlClient, appUser: string, log: BootstrapLog): Promise<void> {
  const app = quoteIdent(appUser);
  const member = await client.query(
    `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
     WHERE g.rolname = 'rds_iam' AND u.rolname = $1`, [appUser]);
  if (member.rows.length === 0) {
    await client.query(`GRANT rds_iam TO ${app}`);
    log('granted rds_iam', { role: appUser });
  }
}

/**
 * Refuses an application role that holds more than the API needs, found in the catalogs as they are before the
 * bootstrap grants anything, and again after the migrations, inside their transaction (`after`):
 *  - membership in any role but `rds_iam`, directly or through other roles (`pg_auth_members`, walked recursively):
 *    `rds_superuser`, `pg_read_all_data`, `pg_write_all_data`, `pg_monitor`, an application's admin role...;
 *  - any privilege on a schema other than USAGE on the API schema, or owning a schema;
 *  - any database privilege other than CONNECT on the API database, or owning a database;
 *  - owning a table, view or sequence, or any grant on one outside the API schema (inside it, the table-privilege
 *    step revokes what is not in the contract);
 *  - default privileges (`ALTER DEFAULT PRIVILEGES ... TO app_user`), which would grant it every future object.
 * Nothing is revoked automatically: someone granted these on purpose, so a person decides.
 */
export async function refuseExtraPrivileges(client: SqlClient, config: BootstrapConfig, schema: string, after?: 'migrations'): Promise<void> {
  const user = config.appUser;
  const extraRoles = await extraMemberships(client, user);
  const grants = await extraGrants(client, user, schema, config.database);
  if (extraRoles.size === 0 && grants.length === 0) return;
  const problems: string[] = [];
  if (extraRoles.size > 0) {
    problems.push(`it is a member of ${[...extraRoles].map(([role, via]) => (via === role ? role : `${role} (via ${via})`)).join(', ')}; it may belong to ${APP_ROLE_MEMBERSHIPS.join(', ')} only`);
  }
  if (grants.length > 0) {
    problems.push(`it holds ${grants.map((g) => `${g.privilege} on ${g.kind} ${g.object}`).join(', ')}; it needs only CONNECT on database ${config.database}, USAGE on schema ${schema} and the API's table privileges`);
  }
  if (after === 'migrations') {
    throw new BootstrapError('check application role privileges after migrations',
      `the migrations give role ${user} more privileges than the API needs: ${problems.join('; ')}. Nothing of this run's migrations was kept (their transaction was rolled back). Fix: remove the statements that give those privileges (GRANT, ALTER ... OWNER TO, ALTER DEFAULT PRIVILEGES) from the migrations; grant table privileges through tablePrivileges instead, then redeploy.`);
  }
  throw new BootstrapError('check application role privileges',
    `role ${user} has more privileges than the API needs: ${problems.join('; ')}. Fix: revoke those roles and privileges from ${user} (or transfer ownership to the master user) by hand, then redeploy.`);
}

/** Roles the user belongs to, directly or through others, besides the allowed ones: role → the chain that grants it. */
async function extraMemberships(client: SqlClient, user: string): Promise<Map<string, string>> {
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
  return extraRoles;
}

/** Ownerships and privileges of the user beyond CONNECT on the API database, USAGE on the API schema and table grants inside it. */
async function extraGrants(client: SqlClient, user: string, schema: string, database: string): Promise<{ kind: string; object: string; privilege: string }[]> {
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
     ORDER BY 1, 2, 3`, [user, schema, database]);
  return grants.rows;
}
