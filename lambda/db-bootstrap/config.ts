/**
 * The bootstrap's configuration, read from the custom-resource properties and refused before the database is
 * touched when anything is malformed: where the database is (`parseConfig`), the consumer's migrations and the
 * application role's table privileges (`parseSchemaSpec`, `validatePrivileges`), and the identifier rule every
 * name must pass before it is quoted into DDL (`quoteIdent`).
 */
import { HISTORY_NAME } from '../shared/migrate';
import { BootstrapError } from './errors';

/** The bootstrap's configuration (custom-resource properties; no secret values). */
export interface BootstrapConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly masterSecretArn: string;
  readonly appUser: string;
  /**
   * The name the migrations' history is kept under (`MigrationHistory`), so that applications sharing a database keep
   * separate histories. Default: the application role's name.
   */
  readonly migrationHistory?: string;
}

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

/** A PostgreSQL identifier that needs no escaping: lower case, digits and underscores, at most 63 characters. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const ALLOWED_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
const HOST = /^[A-Za-z0-9.-]{1,253}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;

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
  return { migrations: parseMigrations(json('Migrations') ?? []), tablePrivileges: parseTablePrivileges(json('TablePrivileges') ?? {}) };
}

function parseMigrations(rawMigrations: unknown): SchemaMigration[] {
  if (!Array.isArray(rawMigrations)) throw new BootstrapError('configuration', 'Migrations is not a list.');
  let last = 0;
  return rawMigrations.map((m: unknown, i): SchemaMigration => {
    const r = m as { version?: unknown; name?: unknown; statements?: unknown };
    if (typeof r !== 'object' || r === null || !Number.isInteger(r.version) || (r.version as number) <= last ||
      typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 200 ||
      !Array.isArray(r.statements) || r.statements.length === 0 || r.statements.some((st) => typeof st !== 'string' || st.trim() === '')) {
      throw new BootstrapError('configuration', `Migrations[${i}] needs an integer version above the previous one, a name and non-empty statements.`);
    }
    last = r.version as number;
    return { version: r.version as number, name: r.name, statements: r.statements as string[] };
  });
}

function parseTablePrivileges(rawTables: unknown): Record<string, readonly string[]> {
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
  return tablePrivileges;
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
  const history = props.MigrationHistory;
  if (history !== undefined && (typeof history !== 'string' || !HISTORY_NAME.test(history))) {
    throw new BootstrapError('configuration', 'MigrationHistory is not 1-63 lower-case letters, digits, _ or -.');
  }
  return { host, port, database, appUser, masterSecretArn, ...(history !== undefined ? { migrationHistory: history } : {}) };
}

/** Refuses an unsafe schema or table name, or a table privilege beyond SELECT, INSERT, UPDATE and DELETE. */
export function validatePrivileges(schema: string, tables: Readonly<Record<string, readonly string[]>>): void {
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
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new BootstrapError('configuration', 'unsafe identifier.');
  return `"${name}"`;
}
