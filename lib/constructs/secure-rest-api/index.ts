import { Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { HttpMethod } from '../../contracts/route-permissions';
import { acknowledge, acknowledgeIfVerified, packRuleIds } from '../../internal/acknowledge';
import { useAuthorizerRoutes } from '../../internal/authorizer-routes';
import { invalidProp } from '../../internal/errors';
import { acknowledgeScopedInvokePermissions } from '../../internal/invoke-permissions';
import { JwtAuthorizer } from '../jwt-authorizer';
import { SecureLogGroup } from '../logging';
import { ApiGatewayCloudWatchRole } from './cloudwatch-role';
import { ACCESS_LOG_FIELDS, accessLogFormat, GATEWAY_RESPONSES, quotedHeaders, SECURE_REST_API_DEFAULTS } from './defaults';
import { checkDomainOptions, type DomainTls, domainTls, type SecureRestApiDomainOptions } from './domain';
import { type JsonSchemaObject, toApiGatewaySchema } from './json-schema';
import {
  checkRouteBody, checkRouteSchema, defaultRouteCategory, isCorsPreflight, isRouteMethod, type PublicRoute, RouteCategory, routeKey,
  routePathParameters, routeRequestParameters, routeTableCoverageErrors, type SecureRouteOptions, stageResourcePath,
} from './routes';
import { type AuthCapacityOptions, type AuthCapacityThrottle, authCapacityThrottle, checkThrottleLimits, type ThrottleLimits } from './throttle';

// The folder's entry, holding the construct as every construct folder of this library does; each other concept is in
// its own file, and what callers use is re-exported by name below: routes.ts (route options, methods, paths, request
// parameters), json-schema.ts (schema checks, pure), domain.ts (custom domain options, name and TLS checks), defaults.ts
// (prop defaults, access-log fields, gateway responses, TLS policy sets), throttle.ts (limits, auth capacity) and
// cloudwatch-role.ts (the account-wide logging role).
// Why this file is long: the props interface is about 110 lines of per-prop documentation, and the construct is a list
// of steps of under 45 lines each (the constructor and addRoute call them in order); splitting the construct's own
// steps across files would only scatter what one reader reads together.
export { ACCESS_LOG_FIELDS, SECURE_REST_API_DEFAULTS } from './defaults';
export { type SecureRestApiDomainOptions } from './domain';
export { boundedSchemaProblems, JSON_SCHEMA_DRAFT_04 } from './json-schema';
export { type PublicRoute, RouteCategory, type RouteKey, type SecureRouteOptions } from './routes';
export {
  type AuthCapacityOptions, type AuthCapacityThrottle, authCapacityThrottle, clientsToExhaust, DEFAULT_MIN_CLIENTS_TO_EXHAUST,
  type ThrottleLimits,
} from './throttle';

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
  readonly publicRoutes?: PublicRoute[];
  /**
   * Routes to add now (more with `addRoute()`).
   * @default - none
   */
  readonly routes?: SecureRouteOptions[];
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

/** Integration types API Gateway never presents a stage client certificate to (AWS service calls are SigV4-signed; MOCK stays inside). */
const NO_CLIENT_CERTIFICATE_INTEGRATIONS = ['AWS', 'AWS_PROXY', 'MOCK'];

/** Stage names API Gateway accepts. */
const STAGE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A regional REST API that is reachable only through a TLS 1.3 custom domain, validates every input
 * against draft-04 JSON schemas, authorizes every method except an explicit public allow-list,
 * throttles per method, and logs JSON access logs (with WAF, authorizer and TLS fields) to a KMS-encrypted
 * log group, with X-Ray tracing, ERROR execution logs and JSON gateway responses with security headers.
 */
export class SecureRestApi extends Construct {
  /**
   * The per-method throttle of authentication routes as a capacity limit: the rate the backend serves
   * (`backendConcurrency / backendLatency`) and a burst of `backendConcurrency`. Throws when fewer than
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
  private readonly models = new Map<JsonSchemaObject, apigateway.Model>();

  // The steps run in the order resources join the API: the deployment's logical id hashes them in that order, so
  // reordering the steps would change the template.
  constructor(scope: Construct, id: string, props: SecureRestApiProps) {
    super(scope, id);
    const stageName = this.stageNameConfiguration(props);
    checkDomainOptions(this, props.domain);
    const tls = domainTls(this, props);
    this.throttle = checkThrottleLimits(this, 'throttle', props.throttle ?? SECURE_REST_API_DEFAULTS.throttle);
    this.categoryThrottles = this.categoryThrottleConfiguration(props);
    this.authorizer = props.authorizer;
    this.publicRoutes = this.publicRouteConfiguration(props.publicRoutes ?? []);

    this.accessLogGroup = this.logGroup('AccessLogs', props);
    this.restApi = this.restApiConfiguration(props, stageName);
    this.node.defaultChild = this.restApi.node.defaultChild;
    this.stage = this.restApi.deploymentStage;
    this.routeMethodSettingsConfiguration();
    this.executionLogGroup = this.logGroup('ExecutionLogs', props, `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${stageName}`);
    this.stage.node.addDependency(this.executionLogGroup);
    const cloudWatch = this.cloudWatchRoleConfiguration(props);
    this.cloudWatchRole = cloudWatch?.role;
    this.cloudWatchAccount = cloudWatch?.account;

    const validators = this.requestValidatorConfiguration();
    this.bodyValidator = validators.body;
    this.parameterValidator = validators.parameters;
    this.gatewayResponseConfiguration();
    this.stageAcknowledgements(props);

    const domain = this.domainConfiguration(props.domain, tls);
    this.certificate = domain.certificate;
    this.domain = domain.domain;
    this.aliasRecord = domain.aliasRecord;
    this.url = `https://${props.domain.domainName}/${props.domain.basePath ? `${props.domain.basePath}/` : ''}`;

    for (const route of props.routes ?? []) this.addRoute(route);
    const routeTable = useAuthorizerRoutes(this.authorizer, this.restApi);
    this.node.addValidation({ validate: () => this.validateMethods() });
    // At synth end, so routes added later count: the authorizer's table and the protected methods must list the same routes.
    if (routeTable !== undefined) this.node.addValidation({ validate: () => routeTableCoverageErrors(this, this.restApi, this.authorizer, routeTable) });
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
    const pathParams = routePathParameters(this, `${where}: path`, route.path);
    const key = routeKey(method, route.path);
    const resource = route.path === '/' ? this.restApi.root : this.restApi.root.resourceForPath(route.path);
    if (resource.node.tryFindChild(method) !== undefined) {
      invalidProp(this, `${where}`, key, 'Fix: declare each method and path once.');
    }
    checkRouteBody(this, where, method, route);

    const requestParameters = routeRequestParameters(this, where, route, pathParams);
    let requestModels: Record<string, apigateway.IModel> | undefined;
    if (route.bodySchema !== undefined) {
      checkRouteSchema(this, `${where}: bodySchema`, route.bodySchema);
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
    this.acknowledgeAuthorization(created, key, method, route);
    this.methodThrottleConfiguration(where, method, route);
    return created;
  }

  /** The per-method settings added for routes (per-method throttles), as rendered into the stage: a copy, changing it changes nothing. */
  public get routeMethodSettings(): apigateway.CfnStage.MethodSettingProperty[] {
    return this.methodSettings.map((setting) => ({ ...setting }));
  }

  private stageNameConfiguration(props: SecureRestApiProps): string {
    const stageName = props.stageName ?? SECURE_REST_API_DEFAULTS.stageName;
    if (!Token.isUnresolved(stageName) && !STAGE_NAME.test(stageName)) {
      invalidProp(this, 'stageName', stageName, 'Fix: use 1-64 letters, digits, hyphens or underscores, for example "v1".');
    }
    return stageName;
  }

  /** Per-method limits of each route category: READ uses the stage's limits, WRITE and AUTH their own (at most the stage's). */
  private categoryThrottleConfiguration(props: SecureRestApiProps): Record<RouteCategory, ThrottleLimits | undefined> {
    return {
      [RouteCategory.READ]: undefined,
      [RouteCategory.WRITE]: checkThrottleLimits(this, 'writeThrottle', props.writeThrottle ?? SECURE_REST_API_DEFAULTS.writeThrottle, this.throttle),
      [RouteCategory.AUTH]: checkThrottleLimits(this, 'authThrottle', props.authThrottle ?? SECURE_REST_API_DEFAULTS.authThrottle, this.throttle),
    };
  }

  /** The public allow-list by route key, each entry checked (method, path, and a reason long enough to explain itself). */
  private publicRouteConfiguration(publicRoutes: PublicRoute[]): Map<string, PublicRoute> {
    const byKey = new Map<string, PublicRoute>();
    for (const [i, route] of publicRoutes.entries()) {
      const key = routeKey(route.method, route.path);
      if (!isRouteMethod(route.method.toUpperCase())) {
        invalidProp(this, `publicRoutes[${i}].method`, route.method, 'Fix: use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.');
      }
      routePathParameters(this, `publicRoutes[${i}].path`, route.path);
      if (route.reason !== undefined && route.reason.trim().length < 40) {
        invalidProp(this, `publicRoutes[${i}].reason`, route.reason, 'Fix: explain in at least 40 characters why this route needs no authorization.');
      }
      byKey.set(key, route);
    }
    return byKey;
  }

  /** A log group of the API: encrypted with `logsKey`, with the API's retention and removal policy. */
  private logGroup(id: string, props: SecureRestApiProps, logGroupName?: string): SecureLogGroup {
    return new SecureLogGroup(this, id, {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? SECURE_REST_API_DEFAULTS.logRetention,
      removalPolicy: props.logRemovalPolicy,
      logGroupName,
    });
  }

  /** The regional API without its execute-api endpoint, and its stage: X-Ray, ERROR logs without data, no cache, JSON access logs. */
  private restApiConfiguration(props: SecureRestApiProps, stageName: string): apigateway.RestApi {
    return new apigateway.RestApi(this, 'Resource', {
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
        accessLogFormat: apigateway.AccessLogFormat.custom(accessLogFormat(ACCESS_LOG_FIELDS)),
      },
    });
  }

  /** Appends the per-method settings of routes (added later by addRoute()) to the stage's own settings, at synth. */
  private routeMethodSettingsConfiguration(): void {
    const cfnStage = this.stage.node.defaultChild as apigateway.CfnStage;
    const stageSettings = (cfnStage.methodSettings ?? []) as apigateway.CfnStage.MethodSettingProperty[];
    cfnStage.methodSettings = Lazy.any({ produce: () => [...stageSettings, ...this.methodSettings] });
  }

  /** With `cloudWatchRole: true`: the account-wide logging role and the `AWS::ApiGateway::Account` setting, both before the stage. */
  private cloudWatchRoleConfiguration(props: SecureRestApiProps): { role: iam.IRole; account: apigateway.CfnAccount } | undefined {
    if (!(props.cloudWatchRole ?? false)) {
      if (props.cloudWatchRoleRemovalPolicy !== undefined) {
        invalidProp(this, 'cloudWatchRoleRemovalPolicy', props.cloudWatchRoleRemovalPolicy,
          'Fix: it applies only to the account-wide role created with cloudWatchRole: true; set that too, or remove cloudWatchRoleRemovalPolicy.');
      }
      return undefined;
    }
    const role = new ApiGatewayCloudWatchRole(this, 'CloudWatchRole', { removalPolicy: props.cloudWatchRoleRemovalPolicy ?? RemovalPolicy.RETAIN });
    const account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.node.addDependency(role.managedPolicy);
    this.stage.node.addDependency(account);
    return { role, account };
  }

  private requestValidatorConfiguration(): { body: apigateway.RequestValidator; parameters: apigateway.RequestValidator } {
    return {
      body: this.restApi.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true }),
      parameters: this.restApi.addRequestValidator('ParameterValidator', { validateRequestBody: false, validateRequestParameters: true }),
    };
  }

  /** JSON error bodies with the security headers for every response API Gateway answers itself. */
  private gatewayResponseConfiguration(): void {
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

  /**
   * The optional backend client certificate; the stage's rule-pack findings for the client certificate and the cache,
   * acknowledged at synth end only when every method's integration and every cache setting show the reason holds.
   */
  private stageAcknowledgements(props: SecureRestApiProps): void {
    const cfnStage = this.stage.node.defaultChild as apigateway.CfnStage;
    if (props.backendClientCertificate) {
      const cert = new apigateway.CfnClientCertificate(this, 'BackendClientCertificate', {
        description: `Presented by ${this.node.path} to its HTTP backends`,
      });
      cfnStage.clientCertificateId = cert.ref;
    } else {
      acknowledgeIfVerified(cfnStage, packRuleIds('APIGWSSLEnabled', ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']),
        () => this.clientCertificateReason());
    }
    acknowledgeIfVerified(cfnStage, packRuleIds('APIGWCacheEnabledAndEncrypted', ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']),
      () => this.cacheOffReason(cfnStage));
  }

  /**
   * Why the stage needs no client certificate, when every method's integration (read at synth end, whoever added it)
   * is one API Gateway never presents a client certificate to; undefined when any is HTTP, HTTP_PROXY or unreadable.
   */
  private clientCertificateReason(): string | undefined {
    const types = new Set<string>();
    for (const method of this.restApi.methods) {
      const cfn = method.node.defaultChild as apigateway.CfnMethod;
      const type = (Stack.of(this).resolve(cfn.integration) as { type?: unknown } | undefined)?.type;
      if (typeof type !== 'string' || !NO_CLIENT_CERTIFICATE_INTEGRATIONS.includes(type)) return undefined;
      types.add(type);
    }
    if (types.size === 0) return undefined;
    return `Every method of this API has an integration of type ${[...types].sort().join(' or ')} (checked at synth; none is HTTP or HTTP_PROXY): ` +
      'API Gateway calls AWS services, Lambda included, through the AWS API with SigV4 over TLS and answers MOCK itself, and it presents a ' +
      'stage client certificate only to HTTP backends, so a certificate would protect nothing.';
  }

  /** Why the stage has no encrypted cache, when no cache cluster and no cached method is configured (read at synth end). */
  private cacheOffReason(cfnStage: apigateway.CfnStage): string | undefined {
    const stack = Stack.of(this);
    const settings = (stack.resolve(cfnStage.methodSettings) ?? []) as { cachingEnabled?: unknown }[];
    if (stack.resolve(cfnStage.cacheClusterEnabled) === true || settings.some((m) => m.cachingEnabled === true)) return undefined;
    return 'The stage cache is off, checked at synth (no cache cluster, no method setting turns caching on), so no response is stored at rest ' +
      'to encrypt. It stays off on purpose: a stage cache keys entries by path and declared parameters, not by caller, so on a method behind ' +
      'the authorizer it could serve one caller\'s response to another.';
  }

  /** The custom domain, the only entry point: its certificate, the TLS policy, the base path mapping and the alias record. */
  private domainConfiguration(options: SecureRestApiDomainOptions, tls: DomainTls):
  { certificate: acm.ICertificate; domain: apigateway.DomainName; aliasRecord: route53.ARecord } {
    const certificate = options.certificate ?? new acm.Certificate(this, 'Certificate', {
      domainName: options.domainName,
      validation: acm.CertificateValidation.fromDns(options.hostedZone),
    });
    const domain = new apigateway.DomainName(this, 'Domain', {
      domainName: options.domainName,
      certificate,
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: tls.securityPolicy,
      endpointAccessMode: tls.endpointAccessMode,
    });
    if (tls.securityPolicy.startsWith('SecurityPolicy_TLS13')) {
      const versions = tls.securityPolicy.startsWith('SecurityPolicy_TLS13_1_3') ? '(TLS 1.3 only), stricter than' : '(TLS 1.3 and 1.2), no weaker than';
      acknowledge(domain, 'cdk-validator-cfnguard::api_gw_domain_tls_check',
        `The domain requires ${tls.securityPolicy} ${versions} the TLS 1.2 minimum CT.APIGATEWAY.PR.6 asks for; the control's rule predates the enhanced security policies and accepts only the literal value TLS_1_2.`);
    }
    domain.addBasePathMapping(this.restApi, { basePath: options.basePath, stage: this.stage });
    const aliasRecord = new route53.ARecord(this, 'AliasRecord', {
      zone: options.hostedZone,
      recordName: options.domainName,
      target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(domain)),
    });
    return { certificate, domain, aliasRecord };
  }

  /** One model per schema object, shared by the routes that use it. */
  private modelFor(schema: JsonSchemaObject, method: string, path: string): apigateway.Model {
    const existing = this.models.get(schema);
    if (existing) return existing;
    const title = typeof schema.title === 'string' && /^[A-Za-z0-9]+$/.test(schema.title) ? schema.title : undefined;
    const id = title ?? `${method}${path.replace(/[^A-Za-z0-9]/g, '')}Body`;
    // Models are keyed by schema object, but named from the title: two schemas with one title (or one route-derived
    // name) get the name once as is (so the ids of an API without such a pair never change) and numbered after that.
    let constructId = `${id}Model`;
    for (let n = 2; this.restApi.node.tryFindChild(constructId) !== undefined; n++) constructId = `${id}Model${n}`;
    const model = this.restApi.addModel(constructId, {
      contentType: 'application/json',
      modelName: `${id}${this.models.size}`.slice(0, 60),
      description: `Request body of ${method} ${path}`,
      schema: toApiGatewaySchema(schema),
    });
    this.models.set(schema, model);
    return model;
  }

  /**
   * Acknowledges exactly the rule-pack findings the method's authorization raises: on a public route, APIG4 and COG4
   * with the allow-list reason (AwsSolutions skips OPTIONS for COG4 and CORS preflights for APIG4); behind this library's
   * `JwtAuthorizer`, COG4 with what that authorizer verifies. Behind any other Lambda authorizer COG4 reaches the user, who
   * knows what it checks.
   */
  private acknowledgeAuthorization(created: apigateway.Method, key: string, method: HttpMethod, route: SecureRouteOptions): void {
    const publicRoute = this.publicRoutes.get(key);
    if (publicRoute !== undefined) {
      const reason = publicRoute.reason
        ?? `${key} is on the explicit public allow-list of ${this.node.path}: it must answer before the caller holds a token, so no authorizer can apply.`;
      if (!isCorsPreflight(method, route.methodResponses)) acknowledge(created, 'AwsSolutions-APIG4', reason);
      if (method !== 'OPTIONS') acknowledge(created, 'AwsSolutions-COG4', reason);
    } else if (this.authorizer.authorizationType === apigateway.AuthorizationType.CUSTOM && method !== 'OPTIONS' && isJwtAuthorizer(this.authorizer)) {
      acknowledge(created, 'AwsSolutions-COG4',
        'Authorized by a Lambda authorizer that verifies the bearer JWT (signature against the issuer JWKS, iss, aud, exp, token age) and ' +
        'returns a policy for the caller\'s roles; it verifies Cognito user pool tokens too, which a Cognito authorizer could not scope per role.');
    }
  }

  /** The route's per-method stage settings: its own throttle or its category's (none for READ, which uses the stage's). */
  private methodThrottleConfiguration(where: string, method: HttpMethod, route: SecureRouteOptions): void {
    const category = route.category ?? defaultRouteCategory(method);
    const limits = route.throttle !== undefined
      ? checkThrottleLimits(this, `${where}: throttle`, route.throttle, this.throttle)
      : this.categoryThrottles[category];
    if (limits === undefined) return;
    this.methodSettings.push({
      httpMethod: method,
      resourcePath: stageResourcePath(route.path),
      throttlingRateLimit: limits.rateLimit,
      throttlingBurstLimit: limits.burstLimit,
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: true,
      cachingEnabled: false,
    });
  }

  /** Synth-end checks (methods can be added after construction): authorization, validators, and the allow-list. */
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

/** True when the authorizer is the API Gateway authorizer of a `JwtAuthorizer` (whose verification the COG4 reason describes). */
function isJwtAuthorizer(authorizer: apigateway.IAuthorizer): boolean {
  if (!Construct.isConstruct(authorizer)) return false;
  const owner = authorizer.node.scope;
  return owner instanceof JwtAuthorizer && owner.authorizer === authorizer;
}
