/**
 * HTTP responses shared by every handler: JSON bodies, security headers, and
 * one error shape `{ "error": { "code", "message" } }`. No stack trace, SQL
 * text or driver message ever reaches a client.
 */
import { SECURITY_HEADERS } from './security-headers';

/**
 * Headers on every handler response: the JSON content type and the API's security headers
 * (one list for handlers, API Gateway and the load balancer: ./security-headers.ts).
 */
export const RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'application/json; charset=utf-8',
  ...SECURITY_HEADERS,
});

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
   * @param message - a short message for people; it reaches the client, so it must hold nothing internal
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

/** A JSON response with the security headers. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...RESPONSE_HEADERS, ...headers }, body: body === undefined ? '' : JSON.stringify(body) };
}

/**
 * Maps anything thrown to a safe response: an {@link HttpError} keeps its status,
 * code and message; anything else becomes a generic 500 with no detail.
 */
export function errorResponse(err: unknown): HttpResponse {
  if (err instanceof HttpError) {
    const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return json(err.statusCode, body, err.headers);
  }
  return json(500, { error: { code: 'internal_error', message: 'Internal server error' } });
}
