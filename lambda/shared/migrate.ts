/**
 * Runs numbered schema migrations, each once per application, recorded in `public.schema_migration_history` under
 * the application's name. Pending migrations run in one transaction (all or nothing) under a transaction-scoped
 * advisory lock keyed by that name, so two concurrent runs for one application never apply a migration twice, and two
 * applications sharing a database neither block nor skip each other's migrations. Append new migrations with the next
 * number; never edit or reorder an applied one. Used by the notes API's schema (app/lambda/api/migrations.ts) and by the
 * database bootstrap for any app's migrations.
 *
 * Upgrade from the shared history (`public.schema_migrations`, one list for every application): each application
 * claims the rows of that table that match one of its own migrations by version and name, when it first runs; a
 * claimed row leaves the old table, which is dropped once empty. A row no application's migrations match stays there
 * (and is not treated as applied by anyone).
 */
import type { ClientBase } from 'pg';

/** One schema change. `statements` are constant SQL text (no values, no identifiers from input). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** How one application's migrations run. */
export interface MigrationRun {
  /** The application whose history this is (the bootstrap uses the application role's name unless told another). */
  readonly history: string;
  /**
   * Runs inside the migrations' transaction after the last pending migration, before COMMIT (the bootstrap's
   * privilege check); when it throws, the whole transaction, migrations and history rows included, is rolled back.
   */
  readonly beforeCommit?: () => Promise<void>;
}

/** Key of the advisory lock of the shared setup: creating the history table and claiming rows of the old shared one. */
export const MIGRATION_LOCK_KEY = 0x6e6f746573;
/** First key of the per-application advisory lock (`pg_advisory_xact_lock(MIGRATION_LOCK_CLASS, hashtext(history))`). */
export const MIGRATION_LOCK_CLASS = 0x6d696772;
// The history table is public.schema_migration_history, one row per application and applied version;
// public.schema_migrations is the previous version's, one history shared by every application. Both names are written
// into the SQL text below, since identifiers cannot be bind parameters and no value is ever interpolated into SQL.
/** An application's history name: 1-63 characters, lower-case letters, digits, `_` and `-`. */
export const HISTORY_NAME = /^[a-z0-9_][a-z0-9_-]{0,62}$/;

/**
 * Creates or upgrades one application's schema. Idempotent: a second call changes nothing.
 * Takes a connected client (not a pool) so that the lock and the transaction use one session.
 */
export async function runMigrations(client: Pick<ClientBase, 'query'>, migrations: readonly Migration[], run: MigrationRun): Promise<void> {
  if (!HISTORY_NAME.test(run.history)) throw new Error(`migration history name ${JSON.stringify(run.history)} is not 1-63 lower-case letters, digits, _ or -`);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, run.history]);
    const { rows: [tables] } = await client.query<{ history: string | null; legacy: string | null }>(
      `SELECT to_regclass('public.schema_migration_history')::text AS history, to_regclass('public.schema_migrations')::text AS legacy`);
    if (tables.history === null || tables.legacy !== null) {
      // The shared setup takes the key the previous version locked with, so it also waits for a run of that version.
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS public.schema_migration_history (
        app text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app, version)
      )`);
      await claimLegacyRows(client, migrations, run.history);
    }
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM public.schema_migration_history WHERE app = $1`, [run.history]);
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query(`INSERT INTO public.schema_migration_history (app, version, name) VALUES ($1, $2, $3)`, [run.history, migration.version, migration.name]);
    }
    if (run.beforeCommit) await run.beforeCommit();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Moves the rows of the old shared table that match this application's migrations (version and name) into its history. */
async function claimLegacyRows(client: Pick<ClientBase, 'query'>, migrations: readonly Migration[], history: string): Promise<void> {
  const { rows: [legacy] } = await client.query<{ exists: boolean }>(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS exists`);
  if (!legacy.exists) return;
  await client.query(
    `WITH mine AS (SELECT * FROM unnest($2::integer[], $3::text[]) AS m(version, name)),
     claimed AS (
       DELETE FROM public.schema_migrations l USING mine WHERE l.version = mine.version AND l.name = mine.name
       RETURNING l.version, l.name, l.applied_at
     )
     INSERT INTO public.schema_migration_history (app, version, name, applied_at) SELECT $1, version, name, applied_at FROM claimed
     ON CONFLICT (app, version) DO NOTHING`,
    [history, migrations.map((m) => m.version), migrations.map((m) => m.name)]);
  const { rows: [left] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.schema_migrations`);
  if (left.n === 0) await client.query(`DROP TABLE public.schema_migrations`);
}
