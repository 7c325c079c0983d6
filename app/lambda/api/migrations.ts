/**
 * Schema of the notes API, created or upgraded idempotently by {@link migrate}.
 *
 * Migrations are numbered and run by lambda/shared/migrate.ts (each once, in one
 * transaction under an advisory lock). To upgrade the schema, append a migration
 * with the next number; never edit or reorder an applied one.
 *
 * Run by a privileged database user (the bootstrap function), not by the API's
 * `app_user`, which only gets {@link API_TABLE_PRIVILEGES} on {@link API_SCHEMA}.
 */
import type { ClientBase } from 'pg';
import { type Migration, type MigrationRun, runMigrations } from '../../../lambda/shared/migrate';

/** The schema that holds the API's tables. */
export const API_SCHEMA = 'public';

/**
 * Table privileges the API's database user (`app_user`) needs, and no more:
 * no DDL, no TRUNCATE, no REFERENCES/TRIGGER, and nothing on the migration history.
 */
export const API_TABLE_PRIVILEGES: Record<string, string[]> = Object.freeze({
  notes: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
}) as Record<string, string[]>;

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

/** The API's database role, whose name is also the notes schema's migration history (as the bootstrap records it). */
export const API_DB_USER = 'app_user';

/**
 * Creates or upgrades the notes schema (see {@link runMigrations}), recorded under the history of {@link API_DB_USER}
 * unless `run` says otherwise. `migrations` is for tests; callers use the default.
 */
export async function migrate(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS, run: MigrationRun = { history: API_DB_USER }): Promise<void> {
  await runMigrations(client, migrations, run);
}
