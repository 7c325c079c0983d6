/**
 * What the application role may reach: the database hardened against PUBLIC (no database privileges, no CREATE
 * on schema public), CONNECT for the role, and exactly the configured table privileges in the API schema, with
 * any other privilege it holds on that schema's tables revoked. Each step changes only what differs.
 */
import { BootstrapConfig, quoteIdent } from './config';
import type { BootstrapLog, SqlClient } from './connection';

/** Revokes TEMP/CONNECT on the database and CREATE on schema public from PUBLIC, and grants CONNECT to the role. */
export async function hardenDatabase(client: SqlClient, config: BootstrapConfig, log: BootstrapLog): Promise<void> {
  const app = quoteIdent(config.appUser);
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
}

/** Grants USAGE on the schema and exactly `wanted` on its tables; revokes every other privilege the role holds there. */
export async function grantTablePrivileges(
  client: SqlClient, appUser: string, schema: string, wanted: Readonly<Record<string, readonly string[]>>, log: BootstrapLog,
): Promise<void> {
  const app = quoteIdent(appUser);
  const s = quoteIdent(schema);
  const usage = await client.query<{ can: boolean }>('SELECT has_schema_privilege($1, $2, \'USAGE\') AS can', [appUser, schema]);
  if (!usage.rows[0]?.can) await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${app}`);

  const current = await heldTablePrivileges(client, appUser, schema);
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

/** What the role holds now, directly granted, on every table of the schema: table → privileges. */
async function heldTablePrivileges(client: SqlClient, appUser: string, schema: string): Promise<Map<string, Set<string>>> {
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
  return current;
}
