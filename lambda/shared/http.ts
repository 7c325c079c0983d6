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
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded?: boolean;
}

/** Error codes clients can rely on. */
export type ErrorCode =
  | 'bad_request' | 'validation_failed' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed'
  | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'rate_limited' | 'internal_error' | 'service_unavailable';

/** An error a handler throws on purpose; mapped to a status code in one place ({@link errorResponse}). */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: ErrorCode,
    message: string,
    public readonly headers: Record<string, string> = {},
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
