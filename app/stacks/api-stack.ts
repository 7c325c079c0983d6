import { Duration, Size } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  Acknowledgements, ApiGatewayBodyInspectionLimit, HttpMethod, JwtAuthorizer, LogsKey, PublicRoute, RouteCategory, type RoutePermission,
  SecureFunction, SecureRestApi, SecureRouteOptions, TlsLoadBalancer, WebFirewall,
} from '../../lib';
import { createNoteSchema, listNotesQuerySchema, noteIdParamsSchema, updateNoteSchema } from '../lambda/api/schemas';
import { notesRoutes, PUBLIC_ROUTES } from '../lambda/api/routes';
import { tokenRequestSchema } from '../lambda/session/schemas';
import { SECURITY_HEADERS } from '../../lib/http';
import { stageDomain } from '../config';
import { BaselineStack, BaselineStackProps, stageLogRetention, stageRemovalPolicy } from './baseline-stack';
import { APP_DB_USER, DataStack } from './data-stack';
import { referenceHandlerCode } from './handler-code';
import { IdentityStack, TokenIssuerSettings } from './identity-stack';
import { SESSION_CAPACITY, sessionRouteThrottle } from './session-capacity';

export { AUTH_ROUTE_MIN_CLIENTS, SESSION_CAPACITY, sessionRouteThrottle } from './session-capacity';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends BaselineStackProps {
  readonly vpc: ec2.IVpc;
  /** The stage's data stack (database, secrets). */
  readonly data: DataStack;
  /** The stage's identity stack (user directory, issuer). */
  readonly identity: IdentityStack;
}

/**
 * Stateless edge and API: web ACL, REST API and custom domain, authorizer,
 * handlers, ALB (unless the stage sets `loadBalancer: false`), certificates and DNS records. Safe to destroy and recreate.
 *
 * The constructor reads as the list of parts, each built by one private method, in the order they depend on each other:
 * web firewalls → authorizer → handlers → REST API and its routes → load balancer entry (unless the stage turns it off) →
 * web ACL associations.
 */
export class ApiStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;
  /** The configured hosted zone, imported by attributes (never looked up). */
  public readonly zone: route53.IHostedZone;
  /** The stage's DNS name, for example `dev.example.com`. */
  public readonly stageDomainName: string;
  /** Regional web ACL in front of the REST API stage: rate limits, managed rules, 16 KB body limit. */
  public readonly firewall: WebFirewall;
  /**
   * Regional web ACL in front of the load balancer: 8 KB body limit, all an ALB lets WAF inspect; the same object as `firewall`
   * when the stage sets `sharedWebAcl`; undefined when the stage has no load balancer (`loadBalancer: false`).
   */
  public readonly edgeFirewall?: WebFirewall;
  /** JWT authorizer of the REST API: a Lambda REQUEST authorizer on the `Authorization` header, policy cache 5 minutes. */
  public readonly jwtAuthorizer: JwtAuthorizer;
  /** The notes API (`app/lambda/api/handler.ts`): private subnets, database client security group, `rds-db:connect` as `app_user`. */
  public readonly notesFunction: SecureFunction;
  /** Session endpoints `/auth/*` (`app/lambda/session/handler.ts`); undefined when the issuer has no token endpoint (no session routes then). */
  public readonly sessionFunction?: SecureFunction;
  /** The REST API at `api.<stage domain>`: the notes routes behind the JWT authorizer, the public allow-list without it. */
  public readonly restApi: SecureRestApi;
  /** The notes API behind the ALB (`app/lambda/api/alb.ts`), verifying the bearer JWT itself (no gateway in front of it); undefined without the load balancer. */
  public readonly albFunction?: SecureFunction;
  /**
   * Internet-facing TLS 1.3 load balancer at `app.<stage domain>`; targets are added with `addLambdaTarget`/`addTargets`.
   * Undefined when the stage sets `loadBalancer: false`: the REST API is then its one internet-facing entry point.
   */
  public readonly loadBalancer?: TlsLoadBalancer;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
    this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: this.config.hostedZone.id,
      zoneName: this.config.hostedZone.name,
    });
    this.stageDomainName = stageDomain(this.config, this.stage);

    ({ firewall: this.firewall, edgeFirewall: this.edgeFirewall } = this.webFirewalls());
    // Issuer settings for either provider: the stage's Cognito user pool (access tokens, client_id) or the configured OIDC issuer.
    const tokenIssuer = props.identity.tokenIssuer;
    // The notes API's own route table (roles and full scope names of this stage's resource server), passed by prop.
    const noteRoutes = notesRoutes(tokenIssuer.scopePrefix);
    this.jwtAuthorizer = this.authorizer(props, tokenIssuer, noteRoutes);
    this.notesFunction = this.notesFunctionConfiguration(props);
    this.sessionFunction = this.sessionFunctionConfiguration(props);

    // The public allow-list of app/lambda/api/routes.ts: the health probe, and the session endpoints with their CORS preflights.
    const sessionRoutes = this.sessionFunction === undefined ? [] : PUBLIC_ROUTES.filter((r) => r.path.startsWith('/auth/'));
    this.restApi = this.restApiConfiguration(this.publicRoutes(sessionRoutes));
    this.addNotesRoutes(noteRoutes);
    this.addHealthRoute();
    this.addSessionRoutes(sessionRoutes);

    if (this.withLoadBalancer) ({ loadBalancer: this.loadBalancer, albFunction: this.albFunction } = this.loadBalancerEntry(props));

    // Runs last, after every part: one web ACL protects each internet-facing entry point that exists by now.
    this.associateWebFirewalls();
  }

  /**
   * Two web ACLs with the same rules but different body limits: WAF inspects at most 8 KB of an ALB request body and
   * 16 KB on API Gateway. The notes API accepts bodies up to about 10 KB, so the API's ACL allows 16 KB (all of it
   * inspected) while the load balancer's keeps 8 KB; in both, a body larger than WAF can inspect is blocked, never passed.
   * With the stage's `sharedWebAcl`, the API's ACL also protects the ALB: there its body rule blocks every body over the
   * 8 KB WAF inspects (oversize handling MATCH), the same limit, for one ACL's price instead of two.
   * Without the load balancer (`loadBalancer: false`) the REST API is the one entry point: one ACL, nothing to share.
   */
  private webFirewalls(): { firewall: WebFirewall; edgeFirewall?: WebFirewall } {
    const sharedWebAcl = this.sharedWebAcl;
    const firewall = new WebFirewall(this, 'WebFirewall', {
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      bodySizeLimit: { maxSize: Size.kibibytes(16) },
      apiGatewayBodyInspectionLimit: ApiGatewayBodyInspectionLimit.KB_16,
      description: sharedWebAcl
        ? 'REST API and load balancer - rate limits, managed rules, 16 KB body limit, 8 KB on the ALB, all it lets WAF inspect'
        : 'REST API - rate limits, managed rules, 16 KB body limit',
    });
    const edgeFirewall = !this.withLoadBalancer ? undefined : sharedWebAcl ? firewall : new WebFirewall(this, 'EdgeFirewall', {
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      description: 'Load balancer - rate limits, managed rules, 8 KB body limit, all an ALB lets WAF inspect',
    });
    return { firewall, edgeFirewall };
  }

  /** The REST API's JWT authorizer, configured from the stage's issuer, with the notes route table. */
  private authorizer(props: ApiStackProps, tokenIssuer: TokenIssuerSettings, noteRoutes: readonly RoutePermission[]): JwtAuthorizer {
    return new JwtAuthorizer(this, 'JwtAuthorizer', {
      vpc: props.vpc,
      logsKey: this.logsKey.key,
      issuer: tokenIssuer.issuer,
      audience: tokenIssuer.audience,
      jwksUri: tokenIssuer.jwksUri,
      algorithms: tokenIssuer.algorithms,
      maxTokenAge: tokenIssuer.maxTokenAge,
      tokenUse: tokenIssuer.tokenUse,
      requireAccessTokenType: tokenIssuer.requireAccessTokenType,
      rolesClaim: tokenIssuer.rolesClaim,
      routes: [...noteRoutes],
      resultsCacheTtl: Duration.minutes(5),
      logRetention: stageLogRetention(this.stage),
    });
  }

  /** Where the notes handlers find the database: the writer endpoint, and the role they sign in as with an IAM token. */
  private databaseEnvironment(props: ApiStackProps): Record<string, string> {
    const database = props.data.database;
    return {
      DB_HOST: database.endpointAddress,
      DB_PORT: String(database.port),
      DB_NAME: database.databaseName,
      DB_USER: APP_DB_USER,
    };
  }

  /**
   * The notes API behind the REST API: only the database port is reachable (client security group of the DataStack),
   * IAM token as app_user. Per-identity limits: every handler that enforces them joins the cache's client security group.
   */
  private notesFunctionConfiguration(props: ApiStackProps): SecureFunction {
    const { database, rateLimiter } = props.data;
    const fn = new SecureFunction(this, 'NotesFunction', {
      code: referenceHandlerCode('api'),
      description: 'Notes API behind the REST API: schema-validated input, ownership checked in SQL, IAM database token over verified TLS',
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [database.clientSecurityGroup, rateLimiter.clientSecurityGroup],
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      environment: { ...this.databaseEnvironment(props), ...rateLimiter.clientEnvironment(), POWERTOOLS_SERVICE_NAME: 'notes-api' },
    });
    database.grantConnect(fn, APP_DB_USER);
    rateLimiter.grantConnect(fn);
    return fn;
  }

  /** The session endpoints' function, or undefined when the issuer has no token or revocation endpoint. */
  private sessionFunctionConfiguration(props: ApiStackProps): SecureFunction | undefined {
    const sessionEnvironment = props.identity.sessionEnvironment();
    const { ROUTE_PERMISSIONS: _routes, ...sessionVerifierEnvironment } = this.jwtAuthorizer.verifierEnvironment;
    if (sessionEnvironment === undefined) return undefined;
    const rateLimiter = props.data.rateLimiter;
    const sessionEgress = this.httpsEgressGroup(props.vpc, 'SessionFunctionSecurityGroup',
      'session function: HTTPS to the issuer token and revocation endpoints only', 'HTTPS to the issuer token and revocation endpoints');
    const fn = new SecureFunction(this, 'SessionFunction', {
      code: referenceHandlerCode('session'),
      description: 'Session endpoints: code + PKCE exchange, refresh token only in an HttpOnly cookie, revocation on logout',
      vpc: props.vpc,
      securityGroups: [sessionEgress, rateLimiter.clientSecurityGroup],
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      // The verifier settings let logout verify the presented access token before it records the token's family as revoked.
      environment: { ...sessionEnvironment, ...sessionVerifierEnvironment, ...rateLimiter.clientEnvironment(), POWERTOOLS_SERVICE_NAME: 'session' },
      // The auth routes' gateway throttle is derived from this (see SESSION_CAPACITY): it must outlast a botnet, not ration users.
      reservedConcurrentExecutions: SESSION_CAPACITY.concurrency,
    });
    rateLimiter.grantConnect(fn);
    return fn;
  }

  /**
   * The routes without the authorizer, each with the reason a reviewer reads: GET /health, and the session endpoints with
   * their CORS preflights. Fails at synth on a public route of app/lambda/api/routes.ts that has no integration here.
   */
  private publicRoutes(sessionRoutes: readonly RoutePermission[]): PublicRoute[] {
    const publicRoutes: PublicRoute[] = [];
    for (const route of PUBLIC_ROUTES) {
      if (route.method === HttpMethod.GET && route.path === '/health') {
        publicRoutes.push({ method: HttpMethod.GET, path: '/health',
          reason: 'GET /health is a static mock response (no backend, no data) so uptime checks can probe the API without a token.' });
      } else if (!route.path.startsWith('/auth/')) {
        throw new Error(`${this.node.path}: public route ${route.method} ${route.path} of app/lambda/api/routes.ts has no integration here. ` +
          'Fix: give it an integration and a reason in ApiStack.publicRoutes (app/stacks/api-stack.ts), or remove it from PUBLIC_ROUTES.');
      }
    }
    for (const route of sessionRoutes) {
      publicRoutes.push({ method: route.method, path: route.path,
        reason: `${route.method} ${route.path} is a session endpoint: the browser exchanges an authorization code or its HttpOnly refresh cookie ` +
          'for an access token, so it cannot present a bearer token yet; the handler checks Origin and the CSRF header, and the AUTH throttle applies.' });
      publicRoutes.push({ method: HttpMethod.OPTIONS, path: route.path,
        reason: `OPTIONS ${route.path} is the CORS preflight of a session endpoint: browsers send it without credentials, and the handler answers only allowed origins.` });
    }
    return publicRoutes;
  }

  /** The REST API at `api.<stage domain>`, behind the JWT authorizer except for the public routes. */
  private restApiConfiguration(publicRoutes: PublicRoute[]): SecureRestApi {
    return new SecureRestApi(this, 'RestApi', {
      restApiName: `${this.config.projectName}-${this.stage.name}-api`,
      description: `${this.config.projectName} ${this.stage.name}: notes API and session endpoints`,
      domain: { domainName: `api.${this.stageDomainName}`, hostedZone: this.zone },
      authorizer: this.jwtAuthorizer.authorizer,
      publicRoutes,
      // A capacity limit shared by all clients, sized so that no small set of clients under the WAF per-IP limit can
      // exhaust it; per-client abuse control is WAF's per-IP auth rule and the session handler's limiter.
      authThrottle: sessionRouteThrottle(this.firewall),
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      // The account-wide API Gateway logging role: this stack is the one per account and region that sets it.
      cloudWatchRole: true,
    });
  }

  /** Protected routes: every route of the authorizer's route map, with the schemas the handler validates with again. */
  private addNotesRoutes(noteRoutes: readonly RoutePermission[]): void {
    const notes = new apigateway.LambdaIntegration(this.notesFunction.function, { allowTestInvoke: false });
    const noteInputs: Record<string, Partial<SecureRouteOptions>> = {
      'GET /notes': { querySchema: listNotesQuerySchema, operationName: 'ListNotes' },
      'POST /notes': { bodySchema: createNoteSchema, operationName: 'CreateNote' },
      'GET /notes/{id}': { pathSchema: noteIdParamsSchema, operationName: 'GetNote' },
      'PUT /notes/{id}': { pathSchema: noteIdParamsSchema, bodySchema: updateNoteSchema, operationName: 'UpdateNote' },
      'DELETE /notes/{id}': { pathSchema: noteIdParamsSchema, operationName: 'DeleteNote' },
    };
    for (const route of noteRoutes) {
      const input = noteInputs[`${route.method} ${route.path}`];
      if (input === undefined) {
        throw new Error(`${this.node.path}: route ${route.method} ${route.path} of app/lambda/api/routes.ts has no input schema here. ` +
          'Fix: add its schemas (app/lambda/api/schemas) to noteInputs in ApiStack.addNotesRoutes (app/stacks/api-stack.ts).');
      }
      this.restApi.addRoute({ method: route.method, path: route.path, integration: notes, ...input });
    }
  }

  /**
   * GET /health: answered by API Gateway itself (mock integration), JSON with the API's security headers
   * (lib/contracts/security-headers.ts; static values, so each is single-quoted).
   */
  private addHealthRoute(): void {
    const securityHeaders = Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([k, v]) => [k, `'${v}'`]));
    this.restApi.addRoute({
      method: HttpMethod.GET,
      path: '/health',
      operationName: 'Health',
      integration: new apigateway.MockIntegration({
        passthroughBehavior: apigateway.PassthroughBehavior.NEVER,
        requestTemplates: { 'application/json': '{"statusCode": 200}' },
        integrationResponses: [{
          statusCode: '200',
          responseTemplates: { 'application/json': '{"status":"ok"}' },
          responseParameters: Object.fromEntries(Object.entries(securityHeaders).map(([k, v]) => [`method.response.header.${k}`, v])),
        }],
      }),
      methodResponses: [{
        statusCode: '200',
        responseParameters: Object.fromEntries(Object.keys(securityHeaders).map((k) => [`method.response.header.${k}`, true])),
      }],
    });
  }

  /**
   * Session endpoints: the CSRF header is required at the edge too; the token request body is checked against the
   * session handler's own schema (app/lambda/session/schemas.ts), the other two take no body.
   */
  private addSessionRoutes(sessionRoutes: readonly RoutePermission[]): void {
    if (this.sessionFunction === undefined) return;
    const session = new apigateway.LambdaIntegration(this.sessionFunction.function, { allowTestInvoke: false });
    for (const route of sessionRoutes) {
      this.restApi.addRoute({
        method: route.method,
        path: route.path,
        integration: session,
        category: RouteCategory.AUTH,
        requiredHeaders: ['X-Requested-With'],
        ...(route.path === '/auth/token' ? { bodySchema: tokenRequestSchema } : { noRequestBody: true }),
      });
      this.restApi.addRoute({ method: HttpMethod.OPTIONS, path: route.path, integration: session, category: RouteCategory.AUTH });
    }
  }

  /**
   * The second entry point: the TLS 1.3 load balancer at `app.<stage domain>` and the notes function behind it. No gateway
   * stands in front of that function, so it verifies the bearer JWT and checks the route table itself, with the
   * authorizer's settings and table (`JwtAuthorizer.verifierEnvironment`).
   */
  private loadBalancerEntry(props: ApiStackProps): { loadBalancer: TlsLoadBalancer; albFunction: SecureFunction } {
    const appDomainName = `app.${this.stageDomainName}`;
    const loadBalancer = new TlsLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      hostedZone: this.zone,
      domainName: appDomainName,
      recordName: appDomainName,
      deletionProtection: this.stage.deletionProtection,
    });
    if (!this.stage.deletionProtection) {
      const reason = `Stage ${this.stage.name} sets deletionProtection: false in its configuration so the stateless edge stack can be torn down and rebuilt; ` +
        'stages with deletionProtection: true (prod) keep the load balancer protected.';
      for (const pack of ['NIST.800.53.R5', 'HIPAA.Security']) {
        Acknowledgements.of(loadBalancer.loadBalancer).add(`${pack}-ELBDeletionProtectionEnabled`, reason);
      }
      Acknowledgements.of(loadBalancer).add('Annotation::aws-security-baseline/tls-load-balancer:deletion-protection-off',
        `Stage ${this.stage.name} turns deletion protection off on purpose (stage config deletionProtection: false), so the opt-out warning is expected here and nowhere else.`);
      Acknowledgements.of(loadBalancer.loadBalancer).add('cdk-validator-cfnguard::elbv2_deletion_protection_enabled_check', reason);
      Acknowledgements.of(loadBalancer.loadBalancer).add('SecurityBaseline-ALB7', reason);
    }

    const { database, rateLimiter } = props.data;
    const albEnvironment = {
      ...this.databaseEnvironment(props),
      ...this.jwtAuthorizer.verifierEnvironment,
      ...rateLimiter.clientEnvironment(),
      POWERTOOLS_SERVICE_NAME: 'notes-alb',
    };
    const albEgress = this.httpsEgressGroup(props.vpc, 'AlbFunctionSecurityGroup', 'ALB notes function: HTTPS to the issuer JWKS only', 'HTTPS to the issuer JWKS');
    const albFunction = new SecureFunction(this, 'AlbFunction', {
      code: referenceHandlerCode('api-alb'),
      description: 'Notes API behind the ALB: verifies the bearer JWT (issuer JWKS) itself, then the same app as the REST API',
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [database.clientSecurityGroup, rateLimiter.clientSecurityGroup, albEgress],
      logsKey: this.logsKey.key,
      logRetention: stageLogRetention(this.stage),
      logRemovalPolicy: stageRemovalPolicy(this.stage),
      environment: albEnvironment,
    });
    database.grantConnect(albFunction, APP_DB_USER);
    rateLimiter.grantConnect(albFunction);
    loadBalancer.addLambdaTarget('NotesApi', albFunction.function);
    return { loadBalancer, albFunction };
  }

  /** One web ACL on each internet-facing entry point of this stack: the load balancer (when present) and every REST API stage. */
  private associateWebFirewalls(): void {
    if (this.loadBalancer && this.edgeFirewall) {
      this.edgeFirewall.associateLoadBalancer(this.loadBalancer.loadBalancer, { albBodyLimitIsInspectionLimit: this.sharedWebAcl });
    }
    for (const restApi of this.node.findAll().filter((c): c is SecureRestApi => c instanceof SecureRestApi)) {
      this.firewall.associateStage(restApi.stage);
    }
  }

  /** Whether the stage has the load balancer entry (`loadBalancer`, default true). */
  private get withLoadBalancer(): boolean {
    return this.stage.loadBalancer !== false;
  }

  /** Whether the REST API's web ACL also protects the load balancer (`sharedWebAcl`; only meaningful with a load balancer). */
  private get sharedWebAcl(): boolean {
    return this.stage.sharedWebAcl === true && this.withLoadBalancer;
  }

  /** A security group that allows only outbound HTTPS (for handlers that call the issuer). */
  private httpsEgressGroup(vpc: ec2.IVpc, id: string, description: string, ruleDescription: string): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, id, { vpc, description: `${this.stackName} ${description}`, allowAllOutbound: false });
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), ruleDescription);
    return group;
  }
}
