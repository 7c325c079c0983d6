/**
 * `aws-security-baseline/http`: answer from your own Lambda handlers the way the baseline's handlers answer.
 *
 * JSON responses that carry the baseline's security headers (the same list the REST API's gateway responses and the
 * TLS load balancer use), and one error shape (an `error` object with a `code` and a `message`) that never carries a
 * stack trace, SQL text or driver message to a client: only a 4xx message reaches it; a 5xx answer carries a fixed
 * message and a request id, and the error's own message goes to the log under that id.
 *
 * This entry has no dependency at all (no aws-cdk-lib, no constructs), so a handler bundled with esbuild pulls in
 * only these few hundred lines. Import the constructs from `aws-security-baseline`, never from a handler.
 *
 * @example
 * ```ts
 * import { errorResponse, HttpError, json } from 'aws-security-baseline/http';
 *
 * export const handler = async (event: { body: string | null }, context: { awsRequestId: string }) => {
 *   try {
 *     if (event.body === null) throw new HttpError(400, 'bad_request', 'A JSON body is required');
 *     return json(200, { ok: true });
 *   } catch (err) {
 *     return errorResponse(err, { requestId: context.awsRequestId }); // a 4xx keeps its message; a 5xx logs it
 *   }
 * };
 * ```
 *
 * @packageDocumentation
 */
export { errorResponse, HttpError, json, RESPONSE_HEADERS } from '../../lambda/shared/http';
export type { ErrorCode, ErrorResponseOptions, HttpResponse, ServerErrorLogEntry } from '../../lambda/shared/http';
export { API_CONTENT_SECURITY_POLICY, HSTS_MAX_AGE_SECONDS, SECURITY_HEADERS } from '../contracts/security-headers';
