import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';

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
  /** Headers on every gateway response (the values, unquoted). */
  securityHeaders: Object.freeze({
    'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  }),
});

/**
 * The JSON access log line: request, caller, authorizer, WAF and TLS fields. Never a header value or body.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
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
  errorMessage: '$context.error.message',
  errorResponseType: '$context.error.responseType',
  validationError: '$context.error.validationErrorString',
  tlsVersion: '$context.tlsVersion',
  cipherSuite: '$context.cipherSuite',
  xrayTraceId: '$context.xrayTraceId',
});

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
