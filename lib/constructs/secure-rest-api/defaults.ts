import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SECURITY_HEADERS } from '../../contracts/security-headers';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/**
 * Every secure default of {@link SecureRestApi} that is data rather than wiring, in one place: the prop defaults, the
 * JSON access-log line, the gateway responses (error shape and headers) and the TLS policies the custom domain accepts.
 */

/** Policies that accept TLS 1.3 only: the default, no opt-in needed. */
export const TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set([
  apigateway.SecurityPolicy.TLS13_1_3_2025_09,
  apigateway.SecurityPolicy.TLS13_1_3_FIPS_2025_09,
]);
/** Regional policies that still accept TLS 1.2: only with `allowTls12: true` (and a synth warning). */
export const REGIONAL_TLS12_POLICIES: ReadonlySet<string> = new Set([
  apigateway.SecurityPolicy.TLS_1_2,
  apigateway.SecurityPolicy.TLS13_1_2_PQ_2025_09,
  apigateway.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09,
]);

/** The secure defaults in one place. */
export const SECURE_REST_API_DEFAULTS = Object.freeze({
  stageName: 'v1',
  securityPolicy: apigateway.SecurityPolicy.TLS13_1_3_2025_09,
  endpointAccessMode: apigateway.EndpointAccessMode.STRICT,
  throttle: Object.freeze({ rateLimit: 100, burstLimit: 200 }),
  writeThrottle: Object.freeze({ rateLimit: 20, burstLimit: 40 }),
  authThrottle: Object.freeze({ rateLimit: 100, burstLimit: 50 }),
  logRetention: logs.RetentionDays.ONE_YEAR,
  /** Headers on every gateway response (the values, unquoted): the API's one list, shared with the handlers and the load balancer. */
  securityHeaders: SECURITY_HEADERS,
});

/**
 * The JSON access log line: request, caller, authorizer, WAF and TLS fields. Never a header value or body.
 *
 * API Gateway writes `$context` values into this template as they are, without JSON escaping. A value the client
 * chooses (the User-Agent header, the raw path, the validation error text that echoes the request) could close the
 * string with a quote and add or overwrite fields of the line, for example a second `sourceIp` (log forging). So
 * every variable here is one API Gateway generates in a fixed alphabet or a fixed text, each listed with its reason in
 * {@link ACCESS_LOG_VARIABLES}. The error's type is logged, not its message (`$context.error.message` may quote request
 * parts on some errors; `messageString` would quote it, but a bare variable makes the format invalid JSON for the
 * structured-logging rules). The WAF logs, which AWS WAF JSON-encodes, keep the URI and the user agent of every request.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  sourceIp: '$context.identity.sourceIp',
  domainName: '$context.domainName',
  stage: '$context.stage',
  principalId: '$context.authorizer.principalId',
  authorizeStatus: '$context.authorize.status',
  authorizeError: '$context.authorize.error',
  authorizerError: '$context.authorizer.error',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  wafResponseCode: '$context.wafResponseCode',
  wafStatus: '$context.waf.status',
  wafError: '$context.waf.error',
  webaclArn: '$context.webaclArn',
  errorResponseType: '$context.error.responseType',
  tlsVersion: '$context.tlsVersion',
  cipherSuite: '$context.cipherSuite',
  xrayTraceId: '$context.xrayTraceId',
});

/** How a `$context` variable may appear in the access log line, and why its value cannot break the JSON. */
export type AccessLogVariableKind =
  /** API Gateway generates it from a fixed alphabet (ids, numbers, times, status codes, enum names, IPs, ARNs, the resource template). */
  | 'generated'
  /** A fixed text of API Gateway, AWS WAF or this library's own authorizer (which only throws `Unauthorized`). */
  | 'fixed-text'
  /** The authorizer's principalId: the subject only when every character is JSON-safe, else a hash (lambda/authorizer). */
  | 'log-safe-principal';

/** Every variable the access log may use, with why it is safe unescaped; a variable not listed here is refused by the tests. */
export const ACCESS_LOG_VARIABLES: Readonly<Record<string, AccessLogVariableKind>> = Object.freeze({
  '$context.requestId': 'generated', // a client's x-amzn-RequestId that is not a UUID is replaced by API Gateway
  '$context.extendedRequestId': 'generated',
  '$context.requestTime': 'generated',
  '$context.requestTimeEpoch': 'generated',
  '$context.httpMethod': 'generated', // an HTTP token: the grammar excludes quotes and backslashes
  '$context.resourcePath': 'generated', // the API's resource template, never the request's path
  '$context.status': 'generated',
  '$context.protocol': 'generated',
  '$context.responseLength': 'generated',
  '$context.responseLatency': 'generated',
  '$context.integration.status': 'generated',
  '$context.integration.latency': 'generated',
  '$context.integration.error': 'fixed-text',
  '$context.identity.sourceIp': 'generated', // the connection's address, not a header
  '$context.domainName': 'generated', // the custom domain the request matched
  '$context.stage': 'generated',
  '$context.authorizer.principalId': 'log-safe-principal',
  '$context.authorize.status': 'generated',
  '$context.authorize.error': 'fixed-text',
  '$context.authorizer.error': 'fixed-text',
  '$context.authorizer.status': 'generated',
  '$context.authorizer.latency': 'generated',
  '$context.wafResponseCode': 'generated',
  '$context.waf.status': 'generated',
  '$context.waf.error': 'fixed-text',
  '$context.webaclArn': 'generated',
  '$context.error.responseType': 'generated',
  '$context.tlsVersion': 'generated',
  '$context.cipherSuite': 'generated',
  '$context.xrayTraceId': 'generated',
});

/**
 * The access log format: `fields` as one JSON object. Throws for a variable {@link ACCESS_LOG_VARIABLES} does not list
 * (a client-chosen value would be written unescaped).
 */
export function accessLogFormat(fields: Readonly<Record<string, string>>): string {
  for (const [name, variable] of Object.entries(fields)) {
    if (ACCESS_LOG_VARIABLES[variable] === undefined) {
      throw new BaselineError(BaselineErrorCode.ASSUMPTION_FAILED, `Access log field ${name}: ${variable} is not known to be safe unescaped in a JSON string. ` +
        'Fix: use a variable API Gateway generates in a fixed alphabet, and list it with its reason in ACCESS_LOG_VARIABLES.');
    }
  }
  return JSON.stringify(fields);
}

/**
 * One gateway response: type, status, stable error code and message: a JSON string literal, or
 * `$context.error.messageString`, which API Gateway renders as a quoted JSON string. Never a raw `$context`
 * variable inside quotes: its value is not escaped, so a quote in it breaks the JSON (a test renders every template).
 */
export interface GatewayResponseSpec {
  readonly id: string;
  readonly type: apigateway.ResponseType;
  readonly statusCode?: string;
  readonly code: string;
  /** A JSON string literal, or `$context.error.messageString` (rendered by API Gateway as one). */
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** The gateway responses every API answers with, in the order they are added. */
export const GATEWAY_RESPONSES: readonly GatewayResponseSpec[] = [
  { id: 'Default4xx', type: apigateway.ResponseType.DEFAULT_4XX, code: 'bad_request', message: '$context.error.messageString' },
  { id: 'Default5xx', type: apigateway.ResponseType.DEFAULT_5XX, code: 'internal_error', message: '"Internal server error"' },
  { id: 'Unauthorized', type: apigateway.ResponseType.UNAUTHORIZED, statusCode: '401', code: 'unauthorized', message: '"Unauthorized"',
    headers: { 'WWW-Authenticate': 'Bearer' } },
  { id: 'AccessDenied', type: apigateway.ResponseType.ACCESS_DENIED, statusCode: '403', code: 'forbidden', message: '"Forbidden"' },
  { id: 'MissingAuthenticationToken', type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, statusCode: '404', code: 'not_found', message: '"Not found"' },
  { id: 'Throttled', type: apigateway.ResponseType.THROTTLED, statusCode: '429', code: 'rate_limited', message: '"Too many requests"',
    headers: { 'Retry-After': '1' } },
  { id: 'QuotaExceeded', type: apigateway.ResponseType.QUOTA_EXCEEDED, statusCode: '429', code: 'rate_limited', message: '"Quota exceeded"' },
  // A fixed message: `$context.error.validationErrorString` is raw text that can echo the request (quotes included),
  // and gateway-response templates are not VTL, so it cannot be escaped there. The handler's own 400 names the field.
  { id: 'BadRequestBody', type: apigateway.ResponseType.BAD_REQUEST_BODY, statusCode: '400', code: 'validation_failed',
    message: '"Invalid request body"' },
  { id: 'BadRequestParameters', type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS, statusCode: '400', code: 'validation_failed',
    message: '$context.error.messageString' },
  { id: 'RequestTooLarge', type: apigateway.ResponseType.REQUEST_TOO_LARGE, statusCode: '413', code: 'payload_too_large', message: '"Request too large"' },
  { id: 'WafFiltered', type: apigateway.ResponseType.WAF_FILTERED, statusCode: '403', code: 'forbidden', message: '"Forbidden"' },
];

/** Header values as a gateway response or method response declares them: each value in single quotes. */
export function quotedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, `'${v}'`]));
}
