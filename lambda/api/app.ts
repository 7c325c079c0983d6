/**
 * The notes API core: a pure function of an API Gateway proxy event and a
 * `pg.Pool`, with no AWS SDK import. `handler.ts` (API Gateway) and `alb.ts`
 * (load balancer) are thin adapters in front of it.
 *
 * Zero trust, in this order, on every request:
 *  1. route and method are known (404 / 405);
 *  2. identity comes only from the authorizer context the gateway (or alb.ts,
 *     after verifying the JWT) put in `requestContext.authorizer`: `principalId`
 *     or `sub`, and `roles` (comma list). None → 401. Neither role `user` nor
 *     `admin` → 403;
 *  3. every input (path id, query string, body) is checked against the shared
 *     draft-04 schemas (compiled once) before any query: 400 / 413 / 415;
 *  4. SQL has parameters only, with ownership in the WHERE clause
 *     (`WHERE id = $1 AND owner = $2`), so another user's note is simply not
 *     found: 404, never 403, so that ids of other users' notes do not leak.
 *
 * Role `admin` may read (`GET /notes/{id}`) and delete (`DELETE /notes/{id}`)
 * any note, for moderation. It may not edit another user's note (nobody can put
 * words in a user's mouth) and `GET /notes` lists only the caller's own notes
 * for everyone (no bulk enumeration).
 *
 * Errors are `{ "error": { "code", "message" } }` via lambda/shared/http.ts: no
 * stack trace, SQL text or driver message ever reaches the client. Database
 * unavailable → 503 with Retry-After; unique or serialization conflicts and
 * stale `If-Match` versions → 409.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import type { Pool } from 'pg';
import { errorResponse, HttpError, json } from '../shared/http';
import { createNoteSchema, listNotesQuerySchema, NOTE_LIMITS, noteIdParamsSchema, TITLE_PATTERN, updateNoteSchema } from './schemas';

/**
 * Optional per-caller throttle; `RateLimiter` from lambda/shared/rate-limit fits.
 * `enforce` resolves with headers to add (`RateLimit`, `RateLimit-Policy`) or
 * rejects with an {@link HttpError} (429, or 503 when it fails closed).
 */
export interface RateLimiter {
  enforce(identity: { readonly id: string; readonly roles?: readonly string[] }, routeClass: 'read' | 'write', cost?: number): Promise<Record<string, string>>;
}

/**
 * Optional check that the caller's token family was not revoked at logout; `RevocationList` from
 * lambda/shared/revocation fits. `check` rejects with an {@link HttpError} (401 revoked, or 503 when the
 * cache cannot answer and the route class fails closed).
 */
export interface RevocationCheck {
  check(family: string, routeClass: 'read' | 'write'): Promise<void>;
}

/** What the app logs through; the Powertools logger fits. Only codes and names are logged, never bodies or tokens. */
export interface AppLogger {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Dependencies of {@link createApp}. */
export interface AppDeps {
  /** The database pool (one small pool per container). */
  readonly pool: Pool;
  /** Per-caller throttle, keyed by principal; GET is class `read`, writes class `write`. @default - none (API Gateway stage throttling and WAF still apply) */
  readonly rateLimiter?: RateLimiter;
  /**
   * Refuses tokens whose family was revoked at logout (the `tokenFamily` of the authorizer context). Runs here, on
   * every request, because API Gateway skips the authorizer while its answer is cached.
   * @default - none (a token stays valid until it expires)
   */
  readonly revocations?: RevocationCheck;
  /** @default - silent */
  readonly logger?: AppLogger;
  /** Seconds a client should wait after a 503. @default 5 */
  readonly retryAfterSeconds?: number;
}

/** The app: an API Gateway proxy event in, a proxy result out. Never throws. */
export type App = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Roles that may use the notes routes at all (the route-permissions map grants them to `user` and `admin`). */
export const NOTE_ROLES: readonly string[] = Object.freeze(['user', 'admin']);
/** The role with moderation rights (read and delete any note). */
export const ADMIN_ROLE = 'admin';

// ---------------------------------------------------------------------------
// Validation: compiled once per container.
// ---------------------------------------------------------------------------

const ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
const validateCreate = ajv.compile(createNoteSchema);
const validateUpdate = ajv.compile(updateNoteSchema);
const validateListQuery = ajv.compile(listNotesQuerySchema);
const validateIdParams = ajv.compile(noteIdParamsSchema);

const JSON_CONTENT_TYPE = /^application\/json[ \t]*(;[ \t]*charset=("?)utf-8\2[ \t]*)?$/i;
const CURSOR_PAYLOAD = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** A principal: 1–256 characters, no control characters (same character rule as a title). */
const PRINCIPAL_CHARS = new RegExp(TITLE_PATTERN);
const PRINCIPAL_MAX_LENGTH = 256;
/** Role names accepted from the authorizer context (the same set the authorizer emits). */
const ROLE = /^[A-Za-z0-9_.:@+-]{1,128}$/;
const MAX_ROLES = 50;

interface CreateNote { title: string; body: string; tags?: string[] }
interface UpdateNote { title?: string; body?: string; tags?: string[] }
interface ListQuery { limit?: string; cursor?: string }

/** Turns ajv's first error into a safe 400: the field and the rule, never the value or an attacker-chosen key. */
function validationError(where: 'body' | 'query' | 'path', errors: ErrorObject[] | null | undefined): HttpError {
  const e = errors?.[0];
  let field = e?.instancePath ?? '';
  if (e?.keyword === 'required') field = `${field}/${String((e.params as { missingProperty: string }).missingProperty)}`;
  return new HttpError(400, 'validation_failed', `Invalid request ${where}`, {}, { field: field === '' ? '/' : field, rule: e?.keyword ?? 'schema' });
}

function check<T>(validate: ValidateFunction, value: unknown, where: 'body' | 'query' | 'path'): T {
  if (!validate(value)) throw validationError(where, validate.errors);
  return value as T;
}

// ---------------------------------------------------------------------------
// SQL: constant text, parameters only, named (prepared once per connection).
// ---------------------------------------------------------------------------

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

interface NoteRow { id: string; title: string; body: string; tags: string[]; version: number; created_at: string; updated_at: string }

/** A note as the API returns it (the owner is not echoed). */
export interface NoteDto { id: string; title: string; body: string; tags: string[]; createdAt: string; updatedAt: string; version: number }

function toDto(row: NoteRow): NoteDto {
  return { id: row.id, title: row.title, body: row.body, tags: row.tags, createdAt: row.created_at, updatedAt: row.updated_at, version: Number(row.version) };
}

function etag(row: NoteRow): Record<string, string> {
  return { ETag: `"${Number(row.version)}"` };
}

// ---------------------------------------------------------------------------
// Cursor: base64url("<created_at>|<id>"), decoded and re-validated strictly.
// ---------------------------------------------------------------------------

/** Encodes a keyset position. Opaque to clients; not a secret (it only ever pages through the caller's own notes). */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor; anything but a well-formed position is a 400. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const m = CURSOR_PAYLOAD.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || encodeCursor(m[1], m[2]) !== cursor) throw new HttpError(400, 'validation_failed', 'Invalid request query', {}, { field: '/cursor', rule: 'cursor' });
  return { createdAt: m[1], id: m[2] };
}

// ---------------------------------------------------------------------------
// Request parsing.
// ---------------------------------------------------------------------------

/** The caller, as the authorizer established it. */
export interface Caller {
  readonly principal: string;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
  /** The token family (for the revocation check); undefined when the token has none. */
  readonly family?: string;
}

/** Reads the caller from the authorizer context only (never from headers or the body). */
export function callerFrom(event: APIGatewayProxyEvent): Caller {
  const ctx = (event.requestContext?.authorizer ?? undefined) as Record<string, unknown> | null | undefined;
  // Built only on the failure paths: an Error captures a stack trace, which costs microseconds on every request otherwise.
  const unauthorized = (): HttpError => new HttpError(401, 'unauthorized', 'Authentication required');
  if (!ctx || typeof ctx !== 'object') throw unauthorized();
  const principalId = typeof ctx.principalId === 'string' && ctx.principalId !== '' ? ctx.principalId : undefined;
  const sub = typeof ctx.sub === 'string' && ctx.sub !== '' ? ctx.sub : undefined;
  // Two sources that disagree are an inconsistent identity, not a choice.
  if (principalId !== undefined && sub !== undefined && principalId !== sub) throw unauthorized();
  const principal = principalId ?? sub;
  if (principal === undefined || principal.length > PRINCIPAL_MAX_LENGTH || !PRINCIPAL_CHARS.test(principal)) throw unauthorized();
  const rawRoles = typeof ctx.roles === 'string' ? ctx.roles : '';
  const roles = rawRoles.split(',').map((r) => r.trim()).filter((r) => r !== '' && ROLE.test(r)).slice(0, MAX_ROLES);
  const family = typeof ctx.tokenFamily === 'string' && ctx.tokenFamily !== '' && ctx.tokenFamily.length <= 300 ? ctx.tokenFamily : undefined;
  return { principal, roles, isAdmin: roles.includes(ADMIN_ROLE), family };
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  const multi = event.multiValueHeaders ?? {};
  for (const [k, v] of Object.entries(multi)) {
    if (k.toLowerCase() === lower && Array.isArray(v) && v.length > 1) throw new HttpError(400, 'bad_request', `Repeated ${name} header`);
  }
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === lower && typeof v === 'string') return v;
  }
  return undefined;
}

/** Checks content type, size and JSON syntax of a request body, in that order. */
function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') throw new HttpError(400, 'bad_request', 'Request body required');
  const contentType = header(event, 'content-type');
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType.trim())) {
    throw new HttpError(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  // Measure before decoding (base64 is longer than its content, so this is conservative).
  if (Buffer.byteLength(event.body, 'utf8') > (event.isBase64Encoded ? Math.ceil((NOTE_LIMITS.maxBodyBytes * 4) / 3) + 4 : NOTE_LIMITS.maxBodyBytes)) {
    throw new HttpError(413, 'payload_too_large', `Request body larger than ${NOTE_LIMITS.maxBodyBytes} bytes`);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > NOTE_LIMITS.maxBodyBytes) {
    throw new HttpError(413, 'payload_too_large', `Request body larger than ${NOTE_LIMITS.maxBodyBytes} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', 'Request body is not valid JSON');
  }
}

function listQuery(event: APIGatewayProxyEvent): ListQuery {
  for (const values of Object.values(event.multiValueQueryStringParameters ?? {})) {
    if (Array.isArray(values) && values.length > 1) throw new HttpError(400, 'validation_failed', 'Invalid request query', {}, { field: '/', rule: 'repeated' });
  }
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (typeof v === 'string') query[k] = v;
  return check<ListQuery>(validateListQuery, query, 'query');
}

function noteId(raw: string | undefined): string {
  const { id } = check<{ id: string }>(validateIdParams, { id: raw }, 'path');
  return id.toLowerCase();
}

/** `If-Match: "<version>"` → the expected version; absent or `*` → unconditional. */
function expectedVersion(event: APIGatewayProxyEvent): number | null {
  const value = header(event, 'if-match');
  if (value === undefined || value.trim() === '*') return null;
  const m = /^(?:W\/)?"?([1-9][0-9]{0,8})"?$/.exec(value.trim());
  if (!m) throw new HttpError(400, 'bad_request', 'If-Match must be a quoted note version, for example "3"');
  return Number(m[1]);
}

// ---------------------------------------------------------------------------
// Routing.
// ---------------------------------------------------------------------------

type RouteName = 'health' | 'notes' | 'note';
const ALLOWED_METHODS: Record<RouteName, string[]> = { health: ['GET'], notes: ['GET', 'POST'], note: ['GET', 'PUT', 'DELETE'] };
const RESOURCES: Record<string, RouteName> = { '/health': 'health', '/notes': 'notes', '/notes/{id}': 'note' };

/** Uses the API Gateway resource template when there is one, otherwise matches the raw path (ALB). */
function resolveRoute(event: APIGatewayProxyEvent): { route: RouteName; id?: string } | undefined {
  const byResource = event.resource !== undefined ? RESOURCES[event.resource] : undefined;
  if (byResource) return { route: byResource, id: event.pathParameters?.id ?? undefined };
  const path = event.path ?? '';
  if (path === '/health') return { route: 'health' };
  if (path === '/notes') return { route: 'notes' };
  const m = /^\/notes\/([^/]{0,64})$/.exec(path);
  if (m) return { route: 'note', id: m[1] };
  return undefined;
}

// ---------------------------------------------------------------------------
// Errors: one place maps database failures to safe responses.
// ---------------------------------------------------------------------------

const CONNECTION_ERROR_CODES = new Set(['EAUTHTOKEN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const CONNECTION_ERROR_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection terminated|Client has encountered a connection error|Client was closed|Connection ended/;

/** Classifies anything thrown while talking to the database. */
export function toHttpError(err: unknown, retryAfterSeconds = 5): HttpError {
  if (err instanceof HttpError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const message = err instanceof Error ? err.message : '';
  const unavailable = () => new HttpError(503, 'service_unavailable', 'Service temporarily unavailable, retry later', { 'Retry-After': String(retryAfterSeconds) });
  if (CONNECTION_ERROR_CODES.has(code) || CONNECTION_ERROR_MESSAGES.test(message)) return unavailable();
  if (/^(08|53|57P0[123])/.test(code) || code === '28000' || code === '28P01') return unavailable(); // connection, resources, shutdown, auth (expired token)
  if (code === '23505' || code === '40001' || code === '40P01') return new HttpError(409, 'conflict', 'The request conflicts with the current state, retry');
  if (/^22/.test(code) || code === '23514') return new HttpError(400, 'bad_request', 'Invalid request');
  return new HttpError(500, 'internal_error', 'Internal server error');
}

// ---------------------------------------------------------------------------
// The app.
// ---------------------------------------------------------------------------

/** Builds the app around a pool. Call once per container; the returned function serves every request. */
export function createApp(deps: AppDeps): App {
  const { pool, rateLimiter, revocations } = deps;
  const logger: AppLogger = deps.logger ?? { warn: () => undefined, error: () => undefined };
  const retryAfter = deps.retryAfterSeconds ?? 5;
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that would crash the container.
  if (pool.listenerCount('error') === 0) {
    pool.on('error', (err: Error & { code?: string }) => logger.warn('idle database connection lost', { code: err.code ?? err.name }));
  }

  async function handle(event: APIGatewayProxyEvent, extraHeaders: Record<string, string>): Promise<APIGatewayProxyResult> {
    const resolved = resolveRoute(event);
    if (!resolved) throw new HttpError(404, 'not_found', 'Not found');
    const method = (event.httpMethod ?? '').toUpperCase();
    const allowed = ALLOWED_METHODS[resolved.route];
    if (!allowed.includes(method)) throw new HttpError(405, 'method_not_allowed', 'Method not allowed', { Allow: allowed.join(', ') });

    if (resolved.route === 'health') return json(200, { status: 'ok' });

    const caller = callerFrom(event);
    if (!caller.roles.some((r) => NOTE_ROLES.includes(r))) throw new HttpError(403, 'forbidden', 'Not allowed');
    // The revocation check and the rate limit go to the cache side by side (one round trip of latency, not two).
    const revocation = revocations && caller.family !== undefined ? revocations.check(caller.family, method === 'GET' ? 'read' : 'write') : undefined;
    revocation?.catch(() => undefined); // awaited below; no unhandled rejection if the limiter throws first
    if (rateLimiter) {
      try {
        Object.assign(extraHeaders, await rateLimiter.enforce({ id: caller.principal, roles: caller.roles }, method === 'GET' ? 'read' : 'write'));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        // An unexpected limiter failure must not take the API down: stage throttling and WAF still apply.
        logger.warn('rate limiter failed, request allowed', { name: (err as Error)?.name });
      }
    }
    if (revocation) await revocation;

    if (resolved.route === 'notes' && method === 'POST') {
      const input = check<CreateNote>(validateCreate, parseJsonBody(event), 'body');
      const { rows } = await pool.query<NoteRow>({ ...SQL.insert, values: [caller.principal, input.title, input.body, input.tags ?? []] });
      return json(201, toDto(rows[0]), etag(rows[0]));
    }

    if (resolved.route === 'notes') {
      const query = listQuery(event);
      const limit = query.limit !== undefined ? Number(query.limit) : NOTE_LIMITS.listDefaultLimit;
      const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
      const { rows } = after
        ? await pool.query<NoteRow>({ ...SQL.listAfter, values: [caller.principal, after.createdAt, after.id, limit + 1] })
        : await pool.query<NoteRow>({ ...SQL.listFirst, values: [caller.principal, limit + 1] });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null;
      return json(200, { items: page.map(toDto), nextCursor });
    }

    // /notes/{id}
    const id = noteId(resolved.id);
    if (method === 'GET') {
      const { rows } = caller.isAdmin
        ? await pool.query<NoteRow>({ ...SQL.getAny, values: [id] })
        : await pool.query<NoteRow>({ ...SQL.getOwn, values: [id, caller.principal] });
      if (rows.length === 0) throw new HttpError(404, 'not_found', 'Note not found');
      return json(200, toDto(rows[0]), etag(rows[0]));
    }
    if (method === 'PUT') {
      const version = expectedVersion(event);
      const input = check<UpdateNote>(validateUpdate, parseJsonBody(event), 'body');
      const { rows } = await pool.query<NoteRow>({
        ...SQL.update,
        values: [id, caller.principal, input.title ?? null, input.body ?? null, input.tags ?? null, version],
      });
      if (rows.length === 0) {
        if (version !== null) {
          const current = await pool.query<NoteRow>({ ...SQL.getOwn, values: [id, caller.principal] });
          if (current.rows.length > 0) throw new HttpError(409, 'conflict', 'The note was changed by another request; fetch it and retry', etag(current.rows[0]));
        }
        throw new HttpError(404, 'not_found', 'Note not found');
      }
      return json(200, toDto(rows[0]), etag(rows[0]));
    }
    // DELETE
    const { rows } = caller.isAdmin
      ? await pool.query<{ id: string }>({ ...SQL.deleteAny, values: [id] })
      : await pool.query<{ id: string }>({ ...SQL.deleteOwn, values: [id, caller.principal] });
    if (rows.length === 0) throw new HttpError(404, 'not_found', 'Note not found');
    return json(204, undefined);
  }

  return async (event) => {
    const extraHeaders: Record<string, string> = {};
    const withExtra = (res: APIGatewayProxyResult): APIGatewayProxyResult => ({ ...res, headers: { ...extraHeaders, ...res.headers } });
    try {
      return withExtra(await handle(event, extraHeaders));
    } catch (err) {
      const httpError = toHttpError(err, retryAfter);
      if (!(err instanceof HttpError)) {
        // Codes and names only: driver messages can carry data.
        const code = (err as { code?: unknown })?.code;
        logger.error('request failed', { status: httpError.statusCode, code: typeof code === 'string' ? code : undefined, name: (err as Error)?.name });
      }
      return withExtra(errorResponse(httpError));
    }
  };
}
