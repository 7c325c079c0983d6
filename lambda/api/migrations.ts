/**
 * Schema of the notes API, created or upgraded idempotently by {@link migrate}.
 *
 * Migrations are numbered and recorded in `schema_migrations`; each runs once.
 * Pending migrations run in one transaction (all or nothing) under a
 * transaction-scoped advisory lock, so two concurrent callers (two bootstrap
 * runs) never apply one twice.
 * To upgrade the schema, append a migration with the next number; never edit or
 * reorder an applied one.
 *
 * Run by a privileged database user (the bootstrap function), not by the API's
 * `app_user`, which only gets {@link API_TABLE_PRIVILEGES} on {@link API_SCHEMA}.
 */
import type { ClientBase } from 'pg';

/** The schema that holds the API's tables. */
export const API_SCHEMA = 'public';

/**
 * Table privileges the API's database user (`app_user`) needs, and no more:
 * no DDL, no TRUNCATE, no REFERENCES/TRIGGER, and nothing on `schema_migrations`.
 */
export const API_TABLE_PRIVILEGES: Record<string, string[]> = Object.freeze({
  notes: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
}) as Record<string, string[]>;

/** One schema change. `statements` are constant SQL text (no values, no identifiers from input). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Key of the advisory lock that serializes migrators (an arbitrary constant: "notes" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6e6f746573;

/** Every migration, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'create notes',
    statements: [
      `CREATE TABLE IF NOT EXISTS public.notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner text NOT NULL CHECK (char_length(owner) BETWEEN 1 AND 256),
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
        body text NOT NULL DEFAULT '' CHECK (char_length(body) <= 10000),
        tags text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1)
      )`,
      // Keyset pagination of one owner's notes, newest first: (owner, created_at, id).
      'CREATE INDEX IF NOT EXISTS notes_owner_created_id_idx ON public.notes (owner, created_at DESC, id DESC)',
    ],
  },
]);

/**
 * Creates or upgrades the schema. Idempotent: a second call changes nothing.
 * Takes a connected client (not a pool) so that the lock and the transaction
 * use one session. `migrations` is for tests; callers use the default.
 */
export async function migrate(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS public.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM public.schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
