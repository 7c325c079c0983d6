/**
 * The notes table: every statement the notes API runs and the mapping from a row to the note the API returns.
 * Nothing here knows HTTP; `app.ts` decides which statement a caller may run (its own notes, or any note for
 * the moderation role) and turns an empty result into a 404.
 *
 * Ownership lives in the SQL (`WHERE id = $1 AND owner = $2`), so another user's note is simply not found.
 */
import type { Queryable } from '../../../lambda/shared/db';

/**
 * Every statement the API runs: constant text (no interpolation, no
 * concatenation; a test scans for that), parameters only, each with a name so
 * pg prepares it once per connection. Timestamps are rendered by PostgreSQL
 * with microseconds so that a cursor round-trips exactly. ORDER BY names the
 * table's columns (`notes.created_at`), not the rendered output columns of the
 * same name, so the keyset index is walked without a sort.
 */
export const SQL = Object.freeze({
  insert: {
    name: 'notes_insert',
    text: `INSERT INTO notes (owner, title, body, tags) VALUES ($1, $2, $3, $4::text[])
      RETURNING id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`,
  },
  getOwn: {
    name: 'notes_get_own',
    text: `SELECT id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
      FROM notes WHERE id = $1 AND owner = $2`,
  },
  getAny: {
    name: 'notes_get_any',
    text: `SELECT id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
      FROM notes WHERE id = $1`,
  },
  listFirst: {
    name: 'notes_list_first',
    text: `SELECT id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
      FROM notes WHERE owner = $1 ORDER BY notes.created_at DESC, notes.id DESC LIMIT $2`,
  },
  listAfter: {
    name: 'notes_list_after',
    text: `SELECT id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at
      FROM notes WHERE owner = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)
      ORDER BY notes.created_at DESC, notes.id DESC LIMIT $4`,
  },
  update: {
    name: 'notes_update_own',
    text: `UPDATE notes SET title = COALESCE($3, title), body = COALESCE($4, body), tags = COALESCE($5::text[], tags),
        version = version + 1, updated_at = clock_timestamp()
      WHERE id = $1 AND owner = $2 AND ($6::integer IS NULL OR version = $6::integer)
      RETURNING id, title, body, tags, version,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
        to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`,
  },
  deleteOwn: { name: 'notes_delete_own', text: 'DELETE FROM notes WHERE id = $1 AND owner = $2 RETURNING id' },
  deleteAny: { name: 'notes_delete_any', text: 'DELETE FROM notes WHERE id = $1 RETURNING id' },
});

/** A row as the statements above return it. */
interface NoteRow { id: string; title: string; body: string; tags: string[]; version: number; created_at: string; updated_at: string }

/** A note as the API returns it (the owner is not echoed). */
export interface NoteDto { id: string; title: string; body: string; tags: string[]; createdAt: string; updatedAt: string; version: number }

/** What a new note holds (already validated against the create schema). */
export interface NewNote { readonly title: string; readonly body: string; readonly tags?: readonly string[] }

/** A partial update (already validated against the update schema): absent fields keep their value. */
export interface NoteChanges { readonly title?: string; readonly body?: string; readonly tags?: readonly string[] }

/** A keyset position: the newest-first list continues strictly after it. */
export interface KeysetPosition { readonly createdAt: string; readonly id: string }

/** One page of the owner's notes, newest first; `next` is set when more notes follow. */
export interface NotesPage { readonly items: NoteDto[]; readonly next?: KeysetPosition }

/** The outcome of an update: the new note, the current note when the expected version is stale, or nothing to update. */
export type UpdateOutcome =
  | { readonly kind: 'updated'; readonly note: NoteDto }
  | { readonly kind: 'stale'; readonly current: NoteDto }
  | { readonly kind: 'missing' };

function toDto(row: NoteRow): NoteDto {
  return { id: row.id, title: row.title, body: row.body, tags: row.tags, createdAt: row.created_at, updatedAt: row.updated_at, version: Number(row.version) };
}

/** The notes table behind one pool (or the pool's leased clients). Every method runs named, parameterized statements only. */
export class NotesRepository {
  constructor(private readonly pool: Queryable) {}

  /** Inserts a note owned by `owner`. */
  async create(owner: string, note: NewNote): Promise<NoteDto> {
    const { rows } = await this.pool.query<NoteRow>({ ...SQL.insert, values: [owner, note.title, note.body, note.tags ?? []] });
    return toDto(rows[0]);
  }

  /** The note `id` if `owner` owns it. */
  async findOwn(id: string, owner: string): Promise<NoteDto | undefined> {
    const { rows } = await this.pool.query<NoteRow>({ ...SQL.getOwn, values: [id, owner] });
    return rows.length === 0 ? undefined : toDto(rows[0]);
  }

  /** The note `id` whoever owns it (moderation only). */
  async findAny(id: string): Promise<NoteDto | undefined> {
    const { rows } = await this.pool.query<NoteRow>({ ...SQL.getAny, values: [id] });
    return rows.length === 0 ? undefined : toDto(rows[0]);
  }

  /** Up to `limit` of the owner's notes, newest first, after `after` when given. Reads one row more to know whether a next page exists. */
  async list(owner: string, limit: number, after?: KeysetPosition): Promise<NotesPage> {
    const { rows } = after
      ? await this.pool.query<NoteRow>({ ...SQL.listAfter, values: [owner, after.createdAt, after.id, limit + 1] })
      : await this.pool.query<NoteRow>({ ...SQL.listFirst, values: [owner, limit + 1] });
    const items = rows.slice(0, limit).map(toDto);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, next: { createdAt: last.createdAt, id: last.id } } : { items };
  }

  /**
   * Applies `changes` to the owner's note, only at `expectedVersion` when it is not null. When nothing was
   * updated and a version was expected, reads the owner's note once more to tell a stale version from a
   * missing note.
   */
  async updateOwn(id: string, owner: string, changes: NoteChanges, expectedVersion: number | null): Promise<UpdateOutcome> {
    const { rows } = await this.pool.query<NoteRow>({
      ...SQL.update,
      values: [id, owner, changes.title ?? null, changes.body ?? null, changes.tags ?? null, expectedVersion],
    });
    if (rows.length > 0) return { kind: 'updated', note: toDto(rows[0]) };
    if (expectedVersion !== null) {
      const current = await this.findOwn(id, owner);
      if (current) return { kind: 'stale', current };
    }
    return { kind: 'missing' };
  }

  /** Deletes the owner's note; false when there was none. */
  async deleteOwn(id: string, owner: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ id: string }>({ ...SQL.deleteOwn, values: [id, owner] });
    return rows.length > 0;
  }

  /** Deletes the note whoever owns it (moderation only); false when there was none. */
  async deleteAny(id: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ id: string }>({ ...SQL.deleteAny, values: [id] });
    return rows.length > 0;
  }
}
