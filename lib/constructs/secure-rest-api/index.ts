import { Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { HttpMethod } from '../../../lambda/shared/route-permissions';
import { acknowledge } from '../../internal/acknowledge';
import { invalidProp } from '../../internal/errors';
import { acknowledgeScopedInvokePermissions } from '../../internal/invoke-permissions';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { nagText } from '../../internal/nag-reference';
import { warn } from '../../internal/warnings';
import { SecureLogGroup } from '../logging';

import { authCapacityThrottle } from './throttle';
export { authCapacityThrottle, clientsToExhaust, DEFAULT_MIN_CLIENTS_TO_EXHAUST } from './throttle';
import type { AuthCapacityOptions, AuthCapacityThrottle } from './throttle';
export type { AuthCapacityOptions, AuthCapacityThrottle } from './throttle';

/** A JSON schema (draft-04) as a plain object, for example `createNoteSchema` from `lambda/api/schemas`. */
export type JsonSchemaDocument = { readonly [keyword: string]: unknown };

/** The draft-04 meta-schema URI, the only JSON-schema version API Gateway models support. */
export const JSON_SCHEMA_DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/** Which throttling class a route belongs to. */
export enum RouteCategory {
  /** Reads: the stage's limits. */
  READ = 'READ',
  /** Writes (POST/PUT/PATCH/DELETE by default): the tighter `writeThrottle`. */
  WRITE = 'WRITE',
  /** Authentication and session endpoints: `authThrottle`, a capacity limit shared by every client (see {@link SecureRestApi.authCapacityThrottle}). */
  AUTH = 'AUTH',
}

/** Steady-state rate (requests per second) and burst (concurrent requests) of a throttle. */
export interface ThrottleLimits {
  /** Requests per second. */
  readonly rateLimit: number;
  /** Burst capacity (token bucket size), a whole number. */
  readonly burstLimit: number;
}

/** A method and path, for example `{ method: 'GET', path: '/health' }`. */
export interface RouteKey {
  /** HTTP method. */
  readonly method: string;
  /** Resource path as declared, for example `/notes/{id}`. */
  readonly path: string;
}

/** An entry of the public allow-list: a route that needs no authorizer. */
export interface PublicRoute extends RouteKey {
  /**
   * Why the route is public (recorded as the reason of the rule-pack acknowledgements on its method).
   * @default - a generic reason: reachable before the caller holds a token
   */
  readonly reason?: string;
}

/** A route of a {@link SecureRestApi}: method, path, integration and the schemas of its input. */
export interface SecureRouteOptions {
  /** HTTP method (`ANY` is not allowed: every method is declared, validated and throttled on its own). */
  readonly method: HttpMethod;
  /** Resource path, for example `/notes/{id}`; segments are literals or `{name}` parameters (no greedy `{proxy+}`). */
  readonly path: string;
  /** The backend, for example `new apigateway.LambdaIntegration(fn)`. */
  readonly integration: apigateway.Integration;
  /**
   * Draft-04 JSON schema of the JSON request body; validated at the edge by a model and a validator.
   * Required for POST, PUT and PATCH unless `noRequestBody` is true.
   * @default - no body model
   */
  readonly bodySchema?: JsonSchemaDocument;
  /**
   * Declares that a POST, PUT or PATCH route takes no body (so a missing `bodySchema` is intended).
   * @default false
   */
  readonly noRequestBody?: boolean;
  /**
   * Draft-04 schema of the query string (an object of string properties). Its `required`
   * parameters are declared required in `requestParameters` and checked at the edge;
   * values are validated again by the handler with the same schema.
   * @default - no query parameters
   */
  readonly querySchema?: JsonSchemaDocument;
  /**
   * Draft-04 schema of the path parameters; must declare exactly the `{name}` parameters of `path`.
   * @default - path parameters are declared required without a value schema
   */
  readonly pathSchema?: JsonSchemaDocument;
  /**
   * Request headers that must be present (checked at the edge), for example a CSRF header.
   * @default - none
   */
  readonly requiredHeaders?: readonly string[];
  /**
   * Throttling class.
   * @default - RouteCategory.READ for GET, HEAD and OPTIONS; RouteCategory.WRITE otherwise
   */
  readonly category?: RouteCategory;
  /**
   * Per-method throttle, overriding the category's limits (must not exceed the stage's).
   * @default - the category's limits
   */
  readonly throttle?: ThrottleLimits;
  /**
   * Method responses (needed by non-proxy integrations such as a MockIntegration).
   * @default - none
   */
  readonly methodResponses?: apigateway.MethodResponse[];
  /**
   * Operation name (SDK generation, documentation).
   * @default - none
   */
  readonly operationName?: string;
}

/** The custom domain of a {@link SecureRestApi}. */
export interface SecureRestApiDomainOptions {
  /** Fully qualified lower-case domain name, for example `api.dev.example.com`. */
  readonly domainName: string;
  /** Hosted zone that holds the alias record (and the certificate's validation records). */
  readonly zone: route53.IHostedZone;
  /**
   * Certificate for the domain (in the API's region).
   * @default - a new ACM certificate validated through DNS records in `zone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Base path the API is mapped under.
   * @default - the domain root
   */
  readonly basePath?: string;
}

/** Props of {@link SecureRestApi}. */
export interface SecureRestApiProps {
  /**
   * Name of the REST API.
   * @default - the construct path
   */
  readonly restApiName?: string;
  /**
   * Description of the REST API.
   * @default - none
   */
  readonly description?: string;
  /** Custom domain: the only way in, since the `execute-api` endpoint is disabled. */
  readonly domain: SecureRestApiDomainOptions;
  /**
   * TLS policy of the custom domain. A policy that accepts TLS 1.2 also needs `allowTls12: true`.
   * @default apigateway.SecurityPolicy.TLS13_1_3_2025_09 (TLS 1.3 only)
   */
  readonly securityPolicy?: apigateway.SecurityPolicy;
  /**
   * Opt-in to a `securityPolicy` that still accepts TLS 1.2 (adds a synth warning).
   * @default false
   */
  readonly allowTls12?: boolean;
  /**
   * Endpoint access mode of an enhanced (`SecurityPolicy_*`) policy. STRICT requires the SNI host to match
   * the domain and the endpoint type to match; BASIC only eases migrations (adds a synth warning).
   * @default apigateway.EndpointAccessMode.STRICT
   */
  readonly endpointAccessMode?: apigateway.EndpointAccessMode;
  /** The authorizer of every method not on `publicRoutes` (for example `JwtAuthorizer.authorizer`). */
  readonly authorizer: apigateway.IAuthorizer;
  /**
   * The explicit public allow-list: routes without authorizer. A method without authorization that is
   * not on this list, or an entry that matches no method, fails synth.
   * @default - none: every method is authorized
   */
  readonly publicRoutes?: readonly PublicRoute[];
  /**
   * Routes to add now (more with `addRoute()`).
   * @default - none
   */
  readonly routes?: readonly SecureRouteOptions[];
  /** KMS key of the access and execution log groups (a `LogsKey`). */
  readonly logsKey: kms.IKey;
  /**
   * Retention of the access and execution logs (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log groups.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Stage name.
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Stage throttle (every method, the READ category).
   * @default - rateLimit 100, burstLimit 200
   */
  readonly throttle?: ThrottleLimits;
  /**
   * Per-method throttle of WRITE routes.
   * @default - rateLimit 20, burstLimit 40
   */
  readonly writeThrottle?: ThrottleLimits;
  /**
   * Per-method throttle of AUTH routes. API Gateway keeps one bucket per method for all clients, so this is a
   * capacity limit (what the backend serves), not abuse control: a tight value lets a few dozen clients under
   * the per-client limits lock every user out. Derive it from the backend with {@link SecureRestApi.authCapacityThrottle};
   * limit each client with WAF (per IP) and in the handler.
   * @default - rateLimit 100, burstLimit 50
   */
  readonly authThrottle?: ThrottleLimits;
  /**
   * Also set the account-wide API Gateway CloudWatch Logs role: a role with a customer-managed policy and the
   * `AWS::ApiGateway::Account` resource that points API Gateway at it.
   *
   * Execution and access logging need that role, but it is one setting per account and region shared by every
   * REST API there, so this construct does not create it unless asked: turn it on in exactly one stack per account
   * and region (or leave it to whoever manages the account baseline). Without the role in place, deploying the
   * stage fails with "CloudWatch Logs role ARN must be set in account settings to enable logging".
   * @default false - the account's existing setting is used
   */
  readonly cloudWatchRole?: boolean;
  /**
   * Removal policy of the account-wide CloudWatch role (other APIs in the account log through it).
   * Only used with `cloudWatchRole: true`.
   * @default RemovalPolicy.RETAIN
   */
  readonly cloudWatchRoleRemovalPolicy?: RemovalPolicy;
  /**
   * Resource policy of the API (for example a source-IP or VPC-endpoint condition).
   * @default - none
   */
  readonly policy?: iam.PolicyDocument;
  /**
   * Generate a client certificate that the stage presents to HTTP backends (they can then verify that calls
   * come from API Gateway). Lambda integrations never see it.
   * @default false
   */
  readonly backendClientCertificate?: boolean;
}

const TLS13_ONLY_POLICIES: ReadonlySet<string> = new Set([
  apigateway.SecurityPolicy.TLS13_1_3_2025_09,
  apigateway.SecurityPolicy.TLS13_1_3_FIPS_2025_09,
]);
const REGIONAL_TLS12_POLICIES: ReadonlySet<string> = new Set([
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
interface GatewayResponseSpec {
  readonly id: string;
  readonly type: apigateway.ResponseType;
  readonly statusCode?: string;
  readonly code: string;
  /** A JSON string literal, or `$context.error.messageString` (rendered by API Gateway as one). */
  readonly message: string;
  readonly headers?: Record<string, string>;
}

const GATEWAY_RESPONSES: readonly GatewayResponseSpec[] = [
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

const PATH_SEGMENT = /^(?:[A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const BASE_PATH = /^[A-Za-z0-9._-]+$/;
/** Keywords API Gateway (draft-04) does not know: a schema using them would validate less at the edge than it says. */
const NON_DRAFT4_KEYWORDS = ['const', 'if', 'then', 'else', '$defs', 'contains', 'propertyNames', 'dependentRequired', 'dependentSchemas',
  'unevaluatedProperties', 'unevaluatedItems', 'prefixItems', 'examples'];

/**
 * A regional REST API that is reachable only through a TLS 1.3 custom domain, validates every input
 * against draft-04 JSON schemas, authorizes every method except an explicit public allow-list,
 * throttles per method, and logs JSON access logs (with WAF, authorizer and TLS fields) to a KMS-encrypted
 * log group, with X-Ray tracing, ERROR execution logs and JSON gateway responses with security headers.
 */
export class SecureRestApi extends Construct {
  /**
   * The per-method throttle of authentication routes as a capacity limit: the rate the backend serves
   * (`backendConcurrency / backendSecondsPerRequest`) and a burst of `backendConcurrency`. Throws when fewer than
   * `minClientsToExhaust` clients, each at the per-client (WAF per-IP) limit, could exhaust it. Pass the result as
   * `authThrottle`.
   */
  public static authCapacityThrottle(options: AuthCapacityOptions): AuthCapacityThrottle {
    return authCapacityThrottle(options);
  }

  /** The REST API (its `CfnRestApi` is this construct's `node.defaultChild`). */
  public readonly restApi: apigateway.RestApi;
  /** The deployed stage. */
  public readonly stage: apigateway.Stage;
  /** The custom domain. */
  public readonly domain: apigateway.DomainName;
  /** The domain's certificate. */
  public readonly certificate: acm.ICertificate;
  /** The alias record of the domain. */
  public readonly aliasRecord: route53.ARecord;
  /** JSON access logs (KMS-encrypted, with retention). */
  public readonly accessLogGroup: SecureLogGroup;
  /** The execution log group API Gateway writes ERROR logs to, created ahead so it is encrypted and has retention. */
  public readonly executionLogGroup: SecureLogGroup;
  /** Validates body and parameters (methods with a body model). */
  public readonly bodyValidator: apigateway.RequestValidator;
  /** Validates parameters only (methods with required parameters but no body). */
  public readonly parameterValidator: apigateway.RequestValidator;
  /** The account-wide API Gateway CloudWatch Logs role, when `cloudWatchRole` is true. */
  public readonly cloudWatchRole?: iam.IRole;
  /** The `AWS::ApiGateway::Account` resource that points API Gateway at {@link SecureRestApi.cloudWatchRole}, when `cloudWatchRole` is true. */
  public readonly cloudWatchAccount?: apigateway.CfnAccount;
  /** The HTTPS URL of the API on its custom domain. */
  public readonly url: string;

  private readonly authorizer: apigateway.IAuthorizer;
  private readonly publicRoutes: Map<string, PublicRoute>;
  private readonly throttle: ThrottleLimits;
  private readonly categoryThrottles: Record<RouteCategory, ThrottleLimits | undefined>;
  private readonly methodSettings: apigateway.CfnStage.MethodSettingProperty[] = [];
  private readonly models = new Map<JsonSchemaDocument, apigateway.Model>();

  constructor(scope: Construct, id: string, props: SecureRestApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? SECURE_REST_API_DEFAULTS.stageName;
    if (!Token.isUnresolved(stageName) && !/^[A-Za-z0-9_-]{1,64}$/.test(stageName)) {
      invalidProp(this, 'stageName', stageName, 'Fix: use 1-64 letters, digits, hyphens or underscores, for example "v1".');
    }
    this.checkDomain(props.domain);
    const { securityPolicy, endpointAccessMode } = this.tlsSettings(props);

    this.throttle = this.checkThrottle('throttle', props.throttle ?? SECURE_REST_API_DEFAULTS.throttle);
    this.categoryThrottles = {
      [RouteCategory.READ]: undefined,
      [RouteCategory.WRITE]: this.checkThrottle('writeThrottle', props.writeThrottle ?? SECURE_REST_API_DEFAULTS.writeThrottle),
      [RouteCategory.AUTH]: this.checkThrottle('authThrottle', props.authThrottle ?? SECURE_REST_API_DEFAULTS.authThrottle),
    };

    this.authorizer = props.authorizer;
    this.publicRoutes = new Map();
    for (const [i, route] of (props.publicRoutes ?? []).entries()) {
      const key = routeKey(route.method, route.path);
      if (!isRouteMethod(route.method.toUpperCase())) {
        invalidProp(this, `publicRoutes[${i}].method`, route.method, 'Fix: use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.');
      }
      this.checkPath(`publicRoutes[${i}].path`, route.path);
      if (route.reason !== undefined && route.reason.trim().length < 40) {
        invalidProp(this, `publicRoutes[${i}].reason`, route.reason, 'Fix: explain in at least 40 characters why this route needs no authorization.');
      }
      this.publicRoutes.set(key, route);
    }

    const logRetention = props.logRetention ?? SECURE_REST_API_DEFAULTS.logRetention;
    this.accessLogGroup = new SecureLogGroup(this, 'AccessLogs', {
      encryptionKey: props.logsKey,
      retention: logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    this.restApi = new apigateway.RestApi(this, 'Resource', {
      restApiName: props.restApiName,
      description: props.description,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      disableExecuteApiEndpoint: true,
      cloudWatchRole: false,
      policy: props.policy,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        cachingEnabled: false,
        throttlingRateLimit: this.throttle.rateLimit,
        throttlingBurstLimit: this.throttle.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.node.defaultChild = this.restApi.node.defaultChild;
    this.stage = this.restApi.deploymentStage;
    const cfnStage = this.stage.node.defaultChild as apigateway.CfnStage;
    const stageSettings = (cfnStage.methodSettings ?? []) as apigateway.CfnStage.MethodSettingProperty[];
    cfnStage.methodSettings = Lazy.any({ produce: () => [...stageSettings, ...this.methodSettings] });

    // Execution logs: API Gateway would create this group itself, unencrypted and kept forever.
    this.executionLogGroup = new SecureLogGroup(this, 'ExecutionLogs', {
      encryptionKey: props.logsKey,
      retention: logRetention,
      removalPolicy: props.logRemovalPolicy,
      logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${stageName}`,
    });
    this.stage.node.addDependency(this.executionLogGroup);

    if (props.cloudWatchRole ?? false) {
      const { role, account } = this.createCloudWatchRole(props.cloudWatchRoleRemovalPolicy ?? RemovalPolicy.RETAIN);
      this.cloudWatchRole = role;
      this.cloudWatchAccount = account;
    } else if (props.cloudWatchRoleRemovalPolicy !== undefined) {
      invalidProp(this, 'cloudWatchRoleRemovalPolicy', props.cloudWatchRoleRemovalPolicy,
        'Fix: it applies only to the account-wide role created with cloudWatchRole: true; set that too, or remove cloudWatchRoleRemovalPolicy.');
    }

    this.bodyValidator = this.restApi.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.parameterValidator = this.restApi.addRequestValidator('ParameterValidator', {
      validateRequestBody: false,
      validateRequestParameters: true,
    });

    this.addGatewayResponses();

    if (props.backendClientCertificate) {
      const cert = new apigateway.CfnClientCertificate(this, 'BackendClientCertificate', {
        description: `Presented by ${this.node.path} to its HTTP backends`,
      });
      cfnStage.clientCertificateId = cert.ref;
    } else {
      const reason = 'Every integration of this API is a Lambda proxy or mock integration: API Gateway invokes Lambda through the AWS API ' +
        'with SigV4 over TLS, and a stage client certificate is only ever presented to HTTP backends, so it would protect nothing.';
      for (const rule of ['NIST.800.53.R5-APIGWSSLEnabled', 'HIPAA.Security-APIGWSSLEnabled', 'PCI.DSS.321-APIGWSSLEnabled']) {
        acknowledge(cfnStage, rule, reason);
      }
    }
    const cacheReason = 'The stage cache is off on purpose: responses are per caller (notes of the authenticated user) and a stage cache ' +
      'keys entries by path and declared parameters only, so it could serve one user\'s data to another; no data is cached at rest.';
    for (const rule of ['NIST.800.53.R5-APIGWCacheEnabledAndEncrypted', 'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
      'PCI.DSS.321-APIGWCacheEnabledAndEncrypted']) {
      acknowledge(cfnStage, rule, cacheReason);
    }

    // Custom domain: TLS 1.3, STRICT, the only entry point.
    this.certificate = props.domain.certificate ?? new acm.Certificate(this, 'Certificate', {
      domainName: props.domain.domainName,
      validation: acm.CertificateValidation.fromDns(props.domain.zone),
    });
    this.domain = new apigateway.DomainName(this, 'Domain', {
      domainName: props.domain.domainName,
      certificate: this.certificate,
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy,
      endpointAccessMode,
    });
    if (securityPolicy.startsWith('SecurityPolicy_TLS13')) {
      acknowledge(this.domain, 'cdk-validator-cfnguard::api_gw_domain_tls_check',
        `The domain requires ${securityPolicy} (TLS 1.3 only), stricter than the TLS 1.2 minimum CT.APIGATEWAY.PR.6 asks for; the control's rule predates the enhanced security policies and accepts only the literal value TLS_1_2.`);
    }
    this.domain.addBasePathMapping(this.restApi, { basePath: props.domain.basePath, stage: this.stage });
    this.aliasRecord = new route53.ARecord(this, 'AliasRecord', {
      zone: props.domain.zone,
      recordName: props.domain.domainName,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(this.domain)),
    });
    this.url = `https://${props.domain.domainName}/${props.domain.basePath ? `${props.domain.basePath}/` : ''}`;

    for (const route of props.routes ?? []) this.addRoute(route);
    this.node.addValidation({ validate: () => this.validateMethods() });
  }

  /**
   * Adds a route: its resource, method, models, validator, authorization (the authorizer, or none if the
   * route is on the public allow-list) and per-method throttle.
   */
  public addRoute(route: SecureRouteOptions): apigateway.Method {
    const method = route.method?.toUpperCase();
    const where = `route ${route.method} ${route.path}`;
    if (!isRouteMethod(method)) {
      invalidProp(this, `${where}: method`, route.method, 'Fix: use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS (ANY is not allowed).');
    }
    const pathParams = this.checkPath(`${where}: path`, route.path);
    const key = routeKey(method, route.path);
    const resource = route.path === '/' ? this.restApi.root : this.restApi.root.resourceForPath(route.path);
    if (resource.node.tryFindChild(method) !== undefined) {
      invalidProp(this, `${where}`, key, 'Fix: declare each method and path once.');
    }

    const takesBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    if (route.bodySchema !== undefined && !takesBody && method !== 'DELETE') {
      invalidProp(this, `${where}: bodySchema`, '(schema)', `Fix: ${method} requests carry no body; remove bodySchema or use POST, PUT or PATCH.`);
    }
    if (takesBody && route.bodySchema === undefined && !route.noRequestBody) {
      invalidProp(this, `${where}: bodySchema`, undefined,
        'Fix: give the JSON schema (draft-04) of the body, or set noRequestBody: true if this route takes none.');
    }
    if (route.bodySchema !== undefined && route.noRequestBody) {
      invalidProp(this, `${where}: noRequestBody`, true, 'Fix: set either bodySchema or noRequestBody, not both.');
    }

    const requestParameters: Record<string, boolean> = {};
    for (const p of pathParams) requestParameters[`method.request.path.${p}`] = true;
    if (route.pathSchema !== undefined) {
      this.checkSchema(`${where}: pathSchema`, route.pathSchema);
      const declared = Object.keys(schemaProperties(route.pathSchema)).sort();
      if (JSON.stringify(declared) !== JSON.stringify([...pathParams].sort())) {
        invalidProp(this, `${where}: pathSchema.properties`, declared,
          `Fix: declare exactly the path parameters of ${route.path}: ${JSON.stringify(pathParams)}.`);
      }
    }
    if (route.querySchema !== undefined) {
      this.checkSchema(`${where}: querySchema`, route.querySchema);
      const properties = schemaProperties(route.querySchema);
      const required = new Set(Array.isArray(route.querySchema.required) ? route.querySchema.required as string[] : []);
      for (const [name, schema] of Object.entries(properties)) {
        if ((schema as JsonSchemaDocument).type !== 'string') {
          invalidProp(this, `${where}: querySchema.properties.${name}.type`, (schema as JsonSchemaDocument).type,
            'Fix: query-string values arrive as strings; declare them "type": "string" with a pattern.');
        }
        requestParameters[`method.request.querystring.${name}`] = required.has(name);
      }
    }
    for (const header of route.requiredHeaders ?? []) {
      if (!HEADER_NAME.test(header)) {
        invalidProp(this, `${where}: requiredHeaders`, header, 'Fix: use a header name of letters, digits and hyphens.');
      }
      requestParameters[`method.request.header.${header}`] = true;
    }

    let requestModels: Record<string, apigateway.IModel> | undefined;
    if (route.bodySchema !== undefined) {
      this.checkSchema(`${where}: bodySchema`, route.bodySchema);
      requestModels = { 'application/json': this.modelFor(route.bodySchema, method, route.path) };
    }
    const hasParameters = Object.keys(requestParameters).length > 0;
    const requestValidator = requestModels ? this.bodyValidator : hasParameters ? this.parameterValidator : undefined;

    const isPublic = this.publicRoutes.has(key);
    const created = resource.addMethod(method, route.integration, {
      ...(isPublic
        ? { authorizationType: apigateway.AuthorizationType.NONE }
        : { authorizer: this.authorizer }),
      requestModels,
      requestValidator,
      requestParameters: hasParameters ? requestParameters : undefined,
      methodResponses: route.methodResponses,
      operationName: route.operationName,
    });
    // The integration's invoke permissions (API Gateway, scoped to this method's execute-api ARN).
    acknowledgeScopedInvokePermissions(created);
    if (isPublic) {
      const reason = this.publicRoutes.get(key)!.reason
        ?? `${key} is on the explicit public allow-list of ${this.node.path}: it must answer before the caller holds a token, so no authorizer can apply.`;
      // Acknowledge exactly the findings this method raises: AwsSolutions checks skip OPTIONS (COG4) and CORS preflights (APIG4).
      if (!isCorsPreflight(method, route.methodResponses)) acknowledge(created, 'AwsSolutions-APIG4', reason);
      if (method !== 'OPTIONS') acknowledge(created, 'AwsSolutions-COG4', reason);
    } else if (this.authorizer.authorizationType === apigateway.AuthorizationType.CUSTOM && method !== 'OPTIONS') {
      acknowledge(created, 'AwsSolutions-COG4',
        'Authorized by a Lambda authorizer that verifies the bearer JWT (signature against the issuer JWKS, iss, aud, exp, token age) and ' +
        'returns a policy for the caller\'s roles; it verifies Cognito user pool tokens too, which a Cognito authorizer could not scope per role.');
    }

    const category = route.category ?? (takesBody || method === 'DELETE' ? RouteCategory.WRITE : RouteCategory.READ);
    const limits = route.throttle !== undefined
      ? this.checkThrottle(`${where}: throttle`, route.throttle)
      : this.categoryThrottles[category];
    if (limits !== undefined) {
      this.methodSettings.push({
        httpMethod: method,
        resourcePath: route.path === '/' ? '/' : `/~1${route.path.slice(1).split('/').join('~1')}`,
        throttlingRateLimit: limits.rateLimit,
        throttlingBurstLimit: limits.burstLimit,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        cachingEnabled: false,
      });
    }
    return created;
  }

  /** The per-method settings added for routes (per-method throttles), as rendered into the stage. */
  public get routeMethodSettings(): readonly apigateway.CfnStage.MethodSettingProperty[] {
    return this.methodSettings;
  }

  private tlsSettings(props: SecureRestApiProps): { securityPolicy: apigateway.SecurityPolicy; endpointAccessMode?: apigateway.EndpointAccessMode } {
    const securityPolicy = props.securityPolicy ?? SECURE_REST_API_DEFAULTS.securityPolicy;
    const enhanced = securityPolicy.startsWith('SecurityPolicy_');
    if (!TLS13_ONLY_POLICIES.has(securityPolicy)) {
      if (!REGIONAL_TLS12_POLICIES.has(securityPolicy)) {
        invalidProp(this, 'securityPolicy', securityPolicy,
          'Fix: use SecurityPolicy.TLS13_1_3_2025_09 (TLS 1.3 only) or, with allowTls12: true, a regional TLS 1.2 policy ' +
          '(TLS13_1_2_PFS_PQ_2025_09, TLS13_1_2_PQ_2025_09, TLS_1_2). TLS 1.0 and edge policies are not accepted.');
      }
      if (!props.allowTls12) {
        invalidProp(this, 'securityPolicy', securityPolicy,
          'Fix: this policy accepts TLS 1.2; keep the default SecurityPolicy.TLS13_1_3_2025_09, or opt in explicitly with allowTls12: true.');
      }
      warn(this, 'secure-rest-api:tls12',
        `The custom domain accepts TLS 1.2 (${securityPolicy}, allowTls12: true). Remove the opt-in once clients support TLS 1.3.`);
    }
    if (!enhanced) {
      if (props.endpointAccessMode !== undefined) {
        invalidProp(this, 'endpointAccessMode', props.endpointAccessMode,
          `Fix: ${securityPolicy} is not an enhanced (SecurityPolicy_*) policy; remove endpointAccessMode.`);
      }
      return { securityPolicy };
    }
    const endpointAccessMode = props.endpointAccessMode ?? SECURE_REST_API_DEFAULTS.endpointAccessMode;
    if (endpointAccessMode !== apigateway.EndpointAccessMode.STRICT) {
      warn(this, 'secure-rest-api:basic-access-mode',
        'endpointAccessMode is BASIC: the domain does not require the SNI host and endpoint type to match. Use STRICT once migration is done.');
    }
    return { securityPolicy, endpointAccessMode };
  }

  private checkDomain(domain: SecureRestApiDomainOptions): void {
    if (domain === undefined) invalidProp(this, 'domain', domain, 'Fix: give the custom domain; the execute-api endpoint is disabled.');
    const name = domain.domainName;
    if (!Token.isUnresolved(name)) {
      if (!DOMAIN_NAME.test(name)) {
        invalidProp(this, 'domain.domainName', name, 'Fix: use a fully qualified lower-case DNS name, for example "api.example.com".');
      }
      const zoneName = domain.zone.zoneName;
      if (!Token.isUnresolved(zoneName)) {
        const zone = zoneName.replace(/\.$/, '').toLowerCase();
        if (name !== zone && !name.endsWith(`.${zone}`)) {
          invalidProp(this, 'domain.domainName', name, `Fix: use a name inside the hosted zone ${zone}.`);
        }
      }
    }
    if (domain.basePath !== undefined && !Token.isUnresolved(domain.basePath) && !BASE_PATH.test(domain.basePath)) {
      invalidProp(this, 'domain.basePath', domain.basePath, 'Fix: use one path segment of letters, digits, ".", "_" or "-" (no slashes), or leave it unset.');
    }
  }

  private checkThrottle(prop: string, limits: ThrottleLimits): ThrottleLimits {
    const { rateLimit, burstLimit } = limits;
    if (!Token.isUnresolved(rateLimit) && (!Number.isFinite(rateLimit) || rateLimit <= 0 || rateLimit > 10_000)) {
      invalidProp(this, `${prop}.rateLimit`, rateLimit, 'Fix: use a positive number of requests per second, at most 10000.');
    }
    if (!Token.isUnresolved(burstLimit) && (!Number.isInteger(burstLimit) || burstLimit < 1 || burstLimit > 5_000)) {
      invalidProp(this, `${prop}.burstLimit`, burstLimit, 'Fix: use a whole number from 1 to 5000.');
    }
    if (this.throttle !== undefined && prop !== 'throttle') {
      if (rateLimit > this.throttle.rateLimit || burstLimit > this.throttle.burstLimit) {
        invalidProp(this, prop, limits,
          `Fix: per-method limits must be at most the stage's ${JSON.stringify(this.throttle)}; they exist to be tighter.`);
      }
    }
    return limits;
  }

  /** Validates a path and returns its parameter names. */
  private checkPath(prop: string, path: string): string[] {
    if (typeof path !== 'string' || !path.startsWith('/') || (path !== '/' && path.endsWith('/'))) {
      invalidProp(this, prop, path, 'Fix: start the path with "/" and do not end it with "/", for example "/notes/{id}".');
    }
    if (path === '/') return [];
    const params: string[] = [];
    for (const segment of path.slice(1).split('/')) {
      if (!PATH_SEGMENT.test(segment)) {
        invalidProp(this, prop, path,
          `Fix: segment "${segment}" must be a literal of letters, digits, ".", "_" or "-", or a parameter {name} (greedy {proxy+} is not allowed).`);
      }
      if (segment.startsWith('{')) {
        const name = segment.slice(1, -1);
        if (params.includes(name)) invalidProp(this, prop, path, `Fix: parameter {${name}} appears twice.`);
        params.push(name);
      }
    }
    return params;
  }

  /** Refuses schemas that API Gateway would not enforce as written, or that leave sizes unbounded. */
  private checkSchema(prop: string, schema: JsonSchemaDocument): void {
    const problems = boundedSchemaProblems(schema, '#');
    if (schema.$schema !== undefined && schema.$schema !== JSON_SCHEMA_DRAFT_04) {
      problems.unshift(`#/$schema is ${JSON.stringify(schema.$schema)}, not draft-04`);
    }
    if (problems.length > 0) {
      invalidProp(this, prop, problems.join('; '),
        'Fix: use draft-04 keywords only, "additionalProperties": false on every object, maxLength (or enum) on every string and maxItems on every array.');
    }
  }

  private modelFor(schema: JsonSchemaDocument, method: string, path: string): apigateway.Model {
    const existing = this.models.get(schema);
    if (existing) return existing;
    const title = typeof schema.title === 'string' && /^[A-Za-z0-9]+$/.test(schema.title) ? schema.title : undefined;
    const id = title ?? `${method}${path.replace(/[^A-Za-z0-9]/g, '')}Body`;
    const model = this.restApi.addModel(`${id}Model`, {
      contentType: 'application/json',
      modelName: `${id}${this.models.size}`.slice(0, 60),
      description: `Request body of ${method} ${path}`,
      schema: toApiGatewaySchema(schema),
    });
    this.models.set(schema, model);
    return model;
  }

  private addGatewayResponses(): void {
    const base = quotedHeaders(SECURE_REST_API_DEFAULTS.securityHeaders);
    for (const spec of GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(spec.id, {
        type: spec.type,
        statusCode: spec.statusCode,
        responseHeaders: { ...base, ...quotedHeaders(spec.headers ?? {}) },
        templates: { 'application/json': `{"error":{"code":"${spec.code}","message":${spec.message}}}` },
      });
    }
  }

  private createCloudWatchRole(removalPolicy: RemovalPolicy): { role: iam.IRole; account: apigateway.CfnAccount } {
    const stack = Stack.of(this);
    const role = new ManagedPolicyRole(this, 'CloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Account-level role API Gateway uses to write execution and access logs to CloudWatch Logs',
    });
    const logGroups = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`;
    role.addToPolicy(new iam.PolicyStatement({
      sid: 'WriteApiGatewayLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams',
        'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      resources: [logGroups],
    }));
    acknowledge(role, `AwsSolutions-IAM5[Resource::${nagText(role, logGroups)}]`,
      'This is the single account-level role API Gateway uses for every REST API in the account and region: it must write to the ' +
      'execution log groups (API-Gateway-Execution-Logs_<apiId>/<stage>) and the access log groups of any API, so it is scoped to log ' +
      'groups of this account and region but not to one group. Equivalent to the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy.');
    role.applyRemovalPolicy(removalPolicy);
    role.managedPolicy.applyRemovalPolicy(removalPolicy);
    const account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.node.addDependency(role.managedPolicy);
    this.stage.node.addDependency(account);
    return { role, account };
  }

  private validateMethods(): string[] {
    const errors: string[] = [];
    const methods = this.restApi.methods;
    if (methods.length === 0) errors.push(`${this.node.path}: the API has no methods. Fix: add routes with addRoute().`);
    const seen = new Set<string>();
    for (const method of methods) {
      const key = routeKey(method.httpMethod, method.resource.path);
      seen.add(key);
      const cfn = method.node.defaultChild as apigateway.CfnMethod;
      const authorization = cfn.authorizationType ?? apigateway.AuthorizationType.NONE;
      if (authorization === apigateway.AuthorizationType.NONE && !this.publicRoutes.has(key)) {
        errors.push(`${this.node.path}: method ${key} has no authorization and is not on the public allow-list. ` +
          'Fix: add it with addRoute() (it then uses the authorizer), or add it to publicRoutes if it must be public.');
      }
      const takesInput = cfn.requestModels !== undefined || (cfn.requestParameters !== undefined
        && Object.keys(Stack.of(this).resolve(cfn.requestParameters) as object).length > 0);
      if (takesInput && cfn.requestValidatorId === undefined) {
        errors.push(`${this.node.path}: method ${key} takes input but has no request validator. Fix: add it with addRoute().`);
      }
    }
    for (const key of this.publicRoutes.keys()) {
      if (!seen.has(key)) {
        errors.push(`${this.node.path}: public allow-list entry ${key} matches no method. ` +
          'Fix: remove it, so a route added later under that name is not public by accident.');
      }
    }
    return errors;
  }
}

function isRouteMethod(method: string | undefined): method is HttpMethod {
  return method !== undefined && ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(method);
}

/** A CORS preflight as AwsSolutions-APIG4 recognises it: OPTIONS answering 204 with Access-Control-Allow-* headers. */
function isCorsPreflight(method: string, responses: apigateway.MethodResponse[] | undefined): boolean {
  return method === 'OPTIONS' && responses !== undefined && responses.length > 0 && responses.every((r) => r.statusCode === '204'
    && Object.entries(r.responseParameters ?? {}).some(([k, v]) => k.startsWith('method.response.header.Access-Control-Allow-') && v === true));
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

function quotedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, `'${v}'`]));
}

function schemaProperties(schema: JsonSchemaDocument): Record<string, unknown> {
  const properties = schema.properties;
  return properties !== null && typeof properties === 'object' ? properties as Record<string, unknown> : {};
}

/** Lists, with JSON pointers, what makes a schema unbounded or not enforceable by API Gateway. */
export function boundedSchemaProblems(schema: unknown, pointer: string): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [`${pointer} is not a schema object`];
  const s = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const keyword of NON_DRAFT4_KEYWORDS) {
    if (keyword in s) problems.push(`${pointer}/${keyword} is not a draft-04 keyword`);
  }
  if ('$ref' in s) problems.push(`${pointer}/$ref is not allowed (inline the schema)`);
  const types = Array.isArray(s.type) ? s.type as unknown[] : [s.type];
  const bounded = Array.isArray(s.enum);
  if ((types.includes('object') || 'properties' in s) && s.additionalProperties !== false) {
    problems.push(`${pointer} allows additional properties`);
  }
  if (types.includes('string') && !bounded && typeof s.maxLength !== 'number') {
    problems.push(`${pointer} is a string without maxLength`);
  }
  if (types.includes('array') && typeof s.maxItems !== 'number') {
    problems.push(`${pointer} is an array without maxItems`);
  }
  if (s.type === undefined && !bounded && !('anyOf' in s || 'oneOf' in s || 'allOf' in s)) {
    problems.push(`${pointer} has no type`);
  }
  for (const [name, child] of Object.entries(schemaProperties(s as JsonSchemaDocument))) {
    problems.push(...boundedSchemaProblems(child, `${pointer}/properties/${name}`));
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) s.items.forEach((child, i) => problems.push(...boundedSchemaProblems(child, `${pointer}/items/${i}`)));
    else problems.push(...boundedSchemaProblems(s.items, `${pointer}/items`));
  }
  for (const combinator of ['anyOf', 'oneOf', 'allOf']) {
    const list = s[combinator];
    if (Array.isArray(list)) list.forEach((child, i) => problems.push(...boundedSchemaProblems(child, `${pointer}/${combinator}/${i}`)));
  }
  return problems;
}

/** A deep, mutable copy of a plain draft-04 schema in the shape `apigateway.JsonSchema` renders (`$schema` kept as is). */
function toApiGatewaySchema(schema: JsonSchemaDocument): apigateway.JsonSchema {
  return JSON.parse(JSON.stringify({ $schema: JSON_SCHEMA_DRAFT_04, ...schema })) as apigateway.JsonSchema;
}
