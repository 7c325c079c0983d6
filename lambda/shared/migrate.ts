/**
 * Runs numbered schema migrations, each once, recorded in `public.schema_migrations`. Pending migrations run in one
 * transaction (all or nothing) under a transaction-scoped advisory lock, so two concurrent callers (two bootstrap
 * runs) never apply one twice. Append new migrations with the next number; never edit or reorder an applied one.
 * Used by the notes API's schema (lambda/api/migrations.ts) and by the database bootstrap for any app's migrations.
 */
import type { ClientBase } from 'pg';

/** One schema change. `statements` are constant SQL text (no values, no identifiers from input). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Key of the advisory lock that serializes migrators (an arbitrary constant: "notes" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6e6f746573;

/**
 * Creates or upgrades the schema. Idempotent: a second call changes nothing.
 * Takes a connected client (not a pool) so that the lock and the transaction use one session.
 */
export async function runMigrations(client: Pick<ClientBase, 'query'>, migrations: readonly Migration[]): Promise<void> {
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
