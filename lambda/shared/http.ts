/**
 * HTTP responses shared by every handler: JSON bodies, security headers, and
 * one error shape `{ "error": { "code", "message" } }` (5xx answers add `requestId`).
 * No stack trace, SQL text, driver message or 5xx error message ever reaches a
 * client: only the messages of 4xx errors, which are written for it.
 */
import { SECURITY_HEADERS } from '../../lib/contracts/security-headers';

/**
 * Headers on every handler response: the JSON content type and the API's security headers
 * (one list for handlers, API Gateway and the load balancer: ./security-headers.ts).
 */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'application/json; charset=utf-8',
  ...SECURITY_HEADERS,
});

/** {@link RESPONSE_HEADERS} as [name, lower-case name, value], for {@link json}. */
const DEFAULT_HEADERS: readonly (readonly [string, string, string])[] = Object.entries(RESPONSE_HEADERS).map(([name, value]) => [name, name.toLowerCase(), value]);

/** A response in the API Gateway / ALB proxy shape. */
export interface HttpResponse {
  /** The HTTP status code. */
  statusCode: number;
  /** Response headers: the JSON content type and the security headers, plus any the handler adds. */
  headers: Record<string, string>;
  /** Headers with several values (ALB targets with multi-value headers on, API Gateway). */
  multiValueHeaders?: Record<string, string[]>;
  /** The body: JSON text, or empty. */
  body: string;
  /** True when `body` is base64 (binary responses); JSON responses leave it unset. */
  isBase64Encoded?: boolean;
}

/** Error codes clients can rely on. */
export type ErrorCode =
  | 'bad_request' | 'validation_failed' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed'
  | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'rate_limited' | 'internal_error' | 'service_unavailable';

/** An error a handler throws on purpose; mapped to a status code in one place ({@link errorResponse}). */
export class HttpError extends Error {
  /**
   * @param statusCode - the status to answer with (use 4xx: a 5xx is the platform's failure, not the client's)
   * @param code - the machine-readable error code clients branch on
   * @param message - a short message for people; a 4xx message reaches the client, so it must hold nothing internal
   *   (a 5xx message only goes to the log: the client gets a fixed text and the request id)
   * @param headers - headers to add to the error response (for example `Retry-After`)
   * @param details - extra JSON for the client (for example which fields failed validation)
   */
  constructor(
    /** The status the error answers with. */
    public readonly statusCode: number,
    /** The machine-readable error code. */
    public readonly code: ErrorCode,
    message: string,
    /** Headers added to the error response. */
    public readonly headers: Record<string, string> = {},
    /** Extra JSON for the client, under `error.details`. */
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * A JSON response with the security headers. A header passed in `headers` replaces the default of the same name in any
 * letter case (`content-security-policy` replaces `Content-Security-Policy`), so a response never carries two.
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const names = Object.keys(headers);
  let merged: Record<string, string>;
  if (names.length === 0) {
    merged = { ...RESPONSE_HEADERS };
  } else {
    // A handler passes one or two headers (ETag, Retry-After): a short array beats a Set, and the defaults' lower-case names are computed once.
    const passed = names.map((n) => n.toLowerCase());
    merged = {};
    for (const [name, lower, value] of DEFAULT_HEADERS) if (!passed.includes(lower)) merged[name] = value;
    Object.assign(merged, headers);
  }
  return { statusCode, headers: merged, body: body === undefined ? '' : JSON.stringify(body) };
}

/** What {@link errorResponse} logs about a server-side failure (the client gets only the status, code and request id). */
export interface ServerErrorLogEntry {
  /** Always `ERROR`. */
  readonly level: 'ERROR';
  /** Always `request failed`. */
  readonly message: string;
  /** The request id the response carries, to find this line from a client's report. */
  readonly requestId: string;
  /** The status answered. */
  readonly status: number;
  /** The error code answered. */
  readonly code: string;
  /** The error's name (`HttpError`, `TypeError`, ...). */
  readonly name: string;
  /** The error's own message: the detail no client sees. */
  readonly detail: string;
}

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions {
  /**
   * The request id a 5xx answer carries and its log line names (Lambda's `context.awsRequestId`, or API Gateway's
   * `requestContext.requestId`).
   * @default - a random UUID
   */
  readonly requestId?: string;
  /**
   * Where the detail of a 5xx goes.
   * @default - one JSON line on `console.error`
   */
  readonly log?: (entry: ServerErrorLogEntry) => void;
}

/** The fixed message of each server-side status: the only text a 5xx answer carries. */
const SERVER_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service temporarily unavailable; retry later',
  504: 'Gateway timeout',
});
const SERVER_CODES: ReadonlySet<string> = new Set(['internal_error', 'service_unavailable']);

const consoleErrorLog = (entry: ServerErrorLogEntry): void => { console.error(JSON.stringify(entry)); };

/**
 * Maps anything thrown to a safe response. A 4xx {@link HttpError} keeps its status, code, message, details and headers:
 * those are written for the client. Anything else is a server-side failure: a 5xx `HttpError` keeps its status, code
 * and headers (`Retry-After`), anything else becomes a 500; either way the body holds only a fixed message per status and
 * the request id, and the error's own message goes to the log under that id.
 */
export function errorResponse(err: unknown, options: ErrorResponseOptions = {}): HttpResponse {
  if (err instanceof HttpError && err.statusCode >= 400 && err.statusCode <= 499) {
    const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return json(err.statusCode, body, err.headers);
  }
  const http = err instanceof HttpError ? err : undefined;
  const status = http !== undefined && http.statusCode >= 500 && http.statusCode <= 599 ? http.statusCode : 500;
  const code = http !== undefined && SERVER_CODES.has(http.code) ? http.code : 'internal_error';
  const requestId = options.requestId !== undefined && options.requestId !== '' ? options.requestId : globalThis.crypto.randomUUID();
  const name = err instanceof Error ? err.name : typeof err;
  const detail = err instanceof Error ? err.message : String(err);
  (options.log ?? consoleErrorLog)({ level: 'ERROR', message: 'request failed', requestId, status, code, name, detail });
  return json(status, { error: { code, message: SERVER_MESSAGES[status] ?? SERVER_MESSAGES[500], requestId } }, http?.headers ?? {});
}
