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
 *     draft-04 schemas (compiled ahead of time by ajv) before any query: 400 / 413 / 415;
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
 *
 * This file holds the routing and the error mapping; the statements and row
 * mapping are in notes-repository.ts, the identity and input checks in request.ts.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Pool } from 'pg';
import { LeasedClients } from '../../../lambda/shared/db';
import { errorResponse, HttpError, json } from '../../../lambda/shared/http';
import { NoteDto, NotesRepository } from './notes-repository';
import { Caller, callerFrom, createInput, encodeCursor, expectedVersion, listInput, NOTE_ROLES, noteId, updateInput } from './request';

// The pieces other modules and tests use, re-exported by name so `./app` stays the notes API's entry.
export { SQL, NotesRepository } from './notes-repository';
export type { NoteDto } from './notes-repository';
export { ADMIN_ROLE, callerFrom, decodeCursor, encodeCursor, NOTE_ROLES } from './request';
export type { Caller } from './request';

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


// ---------------------------------------------------------------------------
// Routing.
// ---------------------------------------------------------------------------

type RouteName = 'health' | 'notes' | 'note';
const ALLOWED_METHODS: Record<RouteName, string[]> = { health: ['GET'], notes: ['GET', 'POST'], note: ['GET', 'PUT', 'DELETE'] };
const RESOURCES: ReadonlyMap<string, RouteName> = new Map([['/health', 'health'], ['/notes', 'notes'], ['/notes/{id}', 'note']]);

/** Uses the API Gateway resource template when there is one, otherwise matches the raw path (ALB). */
function resolveRoute(event: APIGatewayProxyEvent): { route: RouteName; id?: string } | undefined {
  const byResource = event.resource !== undefined ? RESOURCES.get(event.resource) : undefined;
  if (byResource) return { route: byResource, id: event.pathParameters?.id ?? undefined };
  const path = event.path ?? '';
  if (path === '/health') return { route: 'health' };
  if (path === '/notes') return { route: 'notes' };
  const m = /^\/notes\/([^/]{0,64})$/.exec(path);
  if (m) return { route: 'note', id: m[1] };
  return undefined;
}

function etag(note: NoteDto): Record<string, string> {
  return { ETag: `"${note.version}"` };
}

function notFound(): HttpError {
  return new HttpError(404, 'not_found', 'Note not found');
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

const SILENT: AppLogger = { warn: () => undefined, error: () => undefined };

/** One app per container: the steps of a request, each a method, in the order the header comment lists them. */
class NotesApp {
  private readonly notes: NotesRepository;
  private readonly logger: AppLogger;
  private readonly retryAfter: number;

  constructor(private readonly deps: AppDeps) {
    this.notes = new NotesRepository(new LeasedClients(deps.pool, { onIdleError: (err) => this.logger.warn('idle database connection lost', { code: err.code ?? err.name }) }));
    this.logger = deps.logger ?? SILENT;
    this.retryAfter = deps.retryAfterSeconds ?? 5;
    // An idle client that loses its connection emits 'error' on the pool; unhandled, that would crash the container.
    if (deps.pool.listenerCount('error') === 0) {
      deps.pool.on('error', (err: Error & { code?: string }) => this.logger.warn('idle database connection lost', { code: err.code ?? err.name }));
    }
  }

  /** Serves one request; every failure becomes a safe error response. Headers from the rate limiter go on both. */
  async serve(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const extraHeaders: Record<string, string> = {};
    // Most requests get no extra header (no rate limiter, or it added none): the response is then returned as built.
    const withExtra = (res: APIGatewayProxyResult): APIGatewayProxyResult =>
      (Object.keys(extraHeaders).length === 0 ? res : { ...res, headers: { ...extraHeaders, ...res.headers } });
    try {
      return withExtra(await this.route(event, extraHeaders));
    } catch (err) {
      // A 5xx answer carries a fixed message and the request id; its detail goes to the log under that id.
      const requestId = event.requestContext?.requestId || undefined;
      return withExtra(errorResponse(this.toSafeError(err), { requestId, log: ({ level: _level, message, ...fields }) => this.logger.error(message, fields) }));
    }
  }

  private async route(event: APIGatewayProxyEvent, extraHeaders: Record<string, string>): Promise<APIGatewayProxyResult> {
    const resolved = resolveRoute(event);
    if (!resolved) throw new HttpError(404, 'not_found', 'Not found');
    const method = (event.httpMethod ?? '').toUpperCase();
    const allowed = ALLOWED_METHODS[resolved.route];
    if (!allowed.includes(method)) throw new HttpError(405, 'method_not_allowed', 'Method not allowed', { Allow: allowed.join(', ') });

    if (resolved.route === 'health') return json(200, { status: 'ok' });

    const caller = callerFrom(event);
    if (!caller.roles.some((r) => NOTE_ROLES.includes(r))) throw new HttpError(403, 'forbidden', 'Not allowed');
    await this.admit(caller, method === 'GET' ? 'read' : 'write', extraHeaders);

    if (resolved.route === 'notes') return method === 'POST' ? this.createNote(event, caller) : this.listNotes(event, caller);
    const id = noteId(resolved.id);
    if (method === 'GET') return this.getNote(id, caller);
    if (method === 'PUT') return this.updateNote(event, id, caller);
    return this.deleteNote(id, caller);
  }

  /**
   * The revocation check and the per-caller rate limit. Both go to the cache side by side (one round trip of
   * latency, not two). The limiter's headers go into `extraHeaders` as soon as it answers, so a revoked
   * token's 401 carries them too.
   */
  private async admit(caller: Caller, routeClass: 'read' | 'write', extraHeaders: Record<string, string>): Promise<void> {
    const { rateLimiter, revocations } = this.deps;
    const revocation = revocations && caller.family !== undefined ? revocations.check(caller.family, routeClass) : undefined;
    revocation?.catch(() => undefined); // awaited below; no unhandled rejection if the limiter throws first
    if (rateLimiter) {
      try {
        Object.assign(extraHeaders, await rateLimiter.enforce({ id: caller.principal, roles: caller.roles }, routeClass));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        // An unexpected limiter failure must not take the API down: stage throttling and WAF still apply.
        this.logger.warn('rate limiter failed, request allowed', { name: (err as Error)?.name });
      }
    }
    if (revocation) await revocation;
  }

  private async createNote(event: APIGatewayProxyEvent, caller: Caller): Promise<APIGatewayProxyResult> {
    const note = await this.notes.create(caller.principal, createInput(event));
    return json(201, note, etag(note));
  }

  /** The caller's own notes only, for every role: no bulk enumeration. */
  private async listNotes(event: APIGatewayProxyEvent, caller: Caller): Promise<APIGatewayProxyResult> {
    const { limit, after } = listInput(event);
    const page = await this.notes.list(caller.principal, limit, after);
    return json(200, { items: page.items, nextCursor: page.next ? encodeCursor(page.next.createdAt, page.next.id) : null });
  }

  /** Owner, or the moderation role for any note. Another user's note is not found (404), never forbidden. */
  private async getNote(id: string, caller: Caller): Promise<APIGatewayProxyResult> {
    const note = caller.isAdmin ? await this.notes.findAny(id) : await this.notes.findOwn(id, caller.principal);
    if (!note) throw notFound();
    return json(200, note, etag(note));
  }

  /** Owner only, even for the moderation role; a stale `If-Match` version is a 409 with the current ETag. */
  private async updateNote(event: APIGatewayProxyEvent, id: string, caller: Caller): Promise<APIGatewayProxyResult> {
    const version = expectedVersion(event);
    const outcome = await this.notes.updateOwn(id, caller.principal, updateInput(event), version);
    if (outcome.kind === 'stale') throw new HttpError(409, 'conflict', 'The note was changed by another request; fetch it and retry', etag(outcome.current));
    if (outcome.kind === 'missing') throw notFound();
    return json(200, outcome.note, etag(outcome.note));
  }

  /** Owner, or the moderation role for any note. */
  private async deleteNote(id: string, caller: Caller): Promise<APIGatewayProxyResult> {
    const deleted = caller.isAdmin ? await this.notes.deleteAny(id) : await this.notes.deleteOwn(id, caller.principal);
    if (!deleted) throw notFound();
    return json(204, undefined);
  }

  /** Maps any failure to a safe error; logs codes and names only for the unexpected ones (driver messages can carry data). */
  private toSafeError(err: unknown): HttpError {
    const httpError = toHttpError(err, this.retryAfter);
    if (!(err instanceof HttpError)) {
      const code = (err as { code?: unknown })?.code;
      this.logger.error('request failed', { status: httpError.statusCode, code: typeof code === 'string' ? code : undefined, name: (err as Error)?.name });
    }
    return httpError;
  }
}

/** Builds the app around a pool. Call once per container; the returned function serves every request. */
export function createApp(deps: AppDeps): App {
  const app = new NotesApp(deps);
  return (event) => app.serve(event);
}
