import { Duration, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_TOKEN_AGE_SECONDS, DEFAULT_ROLES_CLAIM, isRolesClaimName, JwtAlgorithm, MAX_CLOCK_SKEW_SECONDS,
  MAX_MAX_TOKEN_AGE_SECONDS, SUPPORTED_ALGORITHMS, TokenUse, verifierEnvironment,
} from '../../contracts/jwt-config';
import { encodeRoutes, HTTP_METHODS, MAX_PATH_LENGTH, MAX_ROUTES, RoutePermission, RouteTableRule, routeTableProblem, ROUTES_ENV } from '../../contracts/route-permissions';
import { registerAuthorizerRoutes } from '../../internal/authorizer-routes';
import { checkLambdaEnvironmentSize } from '../../internal/environment';
import { invalidProp } from '../../internal/errors';
import { handlerCode } from '../../internal/handler-assets';
import { acknowledgeScopedInvokePermissions } from '../../internal/invoke-permissions';
import { SecureFunction } from '../secure-function';
import { warn } from '../../internal/warnings';

/** API Gateway caches a policy per token for this long at most: longer would outlive revocation and role changes. */
const MAX_RESULTS_CACHE_TTL_SECONDS = 300;

export { HttpMethod, type RoutePermission } from '../../contracts/route-permissions';
export { JwtAlgorithm, TokenUse } from '../../contracts/jwt-config';

/** The fix for each route-table rule (kept here, out of the handler bundle). */
const ROUTE_FIXES: Record<RouteTableRule, string> = {
  empty: 'Fix: list the protected routes, for example [{ method: HttpMethod.GET, path: "/orders", roles: ["clerk"], scopes: ["https://api.example.com/orders.read"] }].',
  too_many: `Fix: use at most ${MAX_ROUTES} routes (path parameters cover many paths with one route).`,
  not_a_route: 'Fix: give { method, path, roles, scopes }.',
  method: `Fix: use an HttpMethod (${HTTP_METHODS.join(', ')}, upper case).`,
  path: `Fix: use an absolute resource path of at most ${MAX_PATH_LENGTH} characters (the policy's ARN of a route is limited to 512) of literal segments (A-Z a-z 0-9 . _ ~ -) and {param} segments, without a trailing slash, for example "/orders/{id}".`,
  roles: 'Fix: list the roles allowed on the route (at least one, for example ["user"]); public routes do not belong in this table.',
  role_name: 'Fix: use role names of 1-128 characters of A-Z a-z 0-9 _ . : @ + - (the names in the roles claim).',
  scopes: 'Fix: list the OAuth scopes that satisfy the route (at least one, in full as tokens carry them, for example ["https://api.example.com/orders.read"]).',
  scope_name: 'Fix: use non-blank scopes of 1-256 printable characters without spaces, quotes, commas or backslashes, in full (for example "https://api.example.com/orders.read").',
  duplicate: 'Fix: list each method and path once (merge the roles and scopes of the duplicates into one route).',
  overlap: 'Fix: IAM\'s "*" in a policy crosses "/", so no policy can deny the first route and still allow the other: give the first route ' +
    'every role and scope of the routes named with it, or move it (or them) under a path the other pattern cannot match, for example ' +
    '/orgs/{org}/billing to /billing/{org}.',
};

/** Props of {@link JwtAuthorizer}. */
export interface JwtAuthorizerProps {
  /** VPC the authorizer function runs in (it fetches the JWKS over HTTPS through the VPC's egress). */
  readonly vpc: ec2.IVpc;
  /** KMS key of the function's log group. */
  readonly logsKey: kms.IKey;
  /** Expected `iss`, compared exactly (for Cognito `https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  readonly issuer: string;
  /**
   * Accepted audiences: the API's own identifier as the issuer puts it in `aud` of access tokens (an OIDC
   * resource indicator or API audience, never the OAuth client id: an ID token's `aud` is the client id),
   * or, with `tokenUse: TokenUse.ACCESS`, the Cognito app client ids matched against `client_id`.
   */
  readonly audience: string[];
  /**
   * The protected routes: method, resource path (`/orders/{id}`), the roles allowed and the OAuth scopes
   * that satisfy each (any one role and any one scope; full scope names as tokens carry them). The policy
   * allows exactly the routes a caller's roles and scopes satisfy; a token without a matching scope gets
   * no route. Validated at synth and passed to the function in `ROUTE_PERMISSIONS` (compact JSON).
   */
  readonly routes: RoutePermission[];
  /** The issuer's JWKS URL (https). */
  readonly jwksUri: string;
  /**
   * Accepted signature algorithms (asymmetric only: RS256/384/512, PS256/384/512, ES256/384, EdDSA).
   * @default [JwtAlgorithm.RS256] - what Cognito signs with
   */
  readonly algorithms?: JwtAlgorithm[];
  /**
   * Largest accepted token age (`now - iat`), even when `exp` is later: whole seconds, from 1 second to 1 day.
   * @default Duration.minutes(15) - the access-token lifetime of the user directory
   */
  readonly maxTokenAge?: Duration;
  /**
   * Clock skew tolerated on `exp`, `nbf` and `iat`: whole seconds, at most 1 minute.
   * @default Duration.seconds(30)
   */
  readonly clockSkew?: Duration;
  /**
   * Cognito access tokens: `TokenUse.ACCESS` requires `token_use: access` and checks `client_id` instead of `aud`
   * (Cognito access tokens carry no `typ`). ID tokens are never accepted, so `ACCESS` is the only value.
   * @default - not Cognito: access tokens are recognised by the RFC 9068 header `typ: at+jwt`
   */
  readonly tokenUse?: TokenUse;
  /**
   * Require the RFC 9068 access-token header `typ: at+jwt`, which refuses ID tokens (`typ: JWT`) whatever
   * their audience. Set false only for an issuer that does not type its access tokens: the audience (the
   * API's own identifier, never the client id) is then all that keeps ID tokens out, and synth warns.
   * @default true, except with `tokenUse: TokenUse.ACCESS` (Cognito's `token_use` claim does the same job)
   */
  readonly requireAccessTokenType?: boolean;
  /**
   * Claim that holds the caller's roles (an array of strings).
   * @default 'cognito:groups'
   */
  readonly rolesClaim?: string;
  /**
   * How long API Gateway caches the policy per token (at most 5 minutes; 0 disables the cache).
   * @default Duration.minutes(5)
   */
  readonly resultsCacheTtl?: Duration;
  /**
   * Retention of the function's logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Reserved concurrency of the authorizer function.
   * @default 10 (the SecureFunction default)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Memory of the authorizer function in MiB (CPU grows with it), as `lambda.Function`'s `memorySize`.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Name of the authorizer in API Gateway.
   * @default - the construct's unique id
   */
  readonly authorizerName?: string;
}

/**
 * A Lambda REQUEST authorizer for REST APIs that verifies bearer JWTs against
 * the issuer's JWKS (signature, alg allow-list, iss, aud / client_id, exp, nbf,
 * iat, token age, access-token type, crit) and returns an IAM policy allowing
 * exactly the routes of the `routes` prop that the caller's roles and scopes satisfy.
 *
 * Secure defaults: RS256 only, 15-minute maximum token age, 30 s clock skew,
 * identity source the `Authorization` header (a request without it gets 401
 * without invoking the function), policy cache of at most 5 minutes, and the
 * function runs as a {@link SecureFunction} (VPC, HTTPS-only egress, KMS logs).
 */
export class JwtAuthorizer extends Construct implements ec2.IConnectable {
  /** The API Gateway authorizer, to pass to methods (or `SecureRestApi`'s `authorizer`). */
  public readonly authorizer: apigateway.IAuthorizer;
  /** The authorizer function. */
  public readonly handler: SecureFunction;
  /**
   * Network access of the authorizer function (outbound HTTPS only by default). Use it to let the function
   * reach an issuer's JWKS endpoint inside the VPC, for example `issuerEndpoint.connections.allowDefaultPortFrom(authorizer)`.
   */
  public readonly connections: ec2.Connections;
  /**
   * The verifier settings and the route table as environment variables (`JWT_*`, `JWKS_URI`,
   * `ROUTE_PERMISSIONS`), for a handler that verifies the same tokens itself, such as a load balancer target.
   * The settings are written by `verifierEnvironment()` of lambda/shared/jwt, which `verifierConfigFromEnv()` reads back.
   * The record is frozen: copy it (`{ ...authorizer.verifierEnvironment }`) to add variables.
   */
  public readonly verifierEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: JwtAuthorizerProps) {
    super(scope, id);
    const settings = this.checkProps(props);
    const environment = this.handlerEnvironment(props, settings);
    this.verifierEnvironment = Object.freeze({ ...environment });

    this.handler = new SecureFunction(this, 'Function', {
      // The pre-built bundle of lambda/authorizer/handler.ts (pure verifier core on node:crypto behind a thin adapter).
      code: handlerCode('authorizer'),
      description: 'JWT authorizer: verifies bearer tokens against the issuer JWKS and returns the route policy of the caller\'s roles',
      vpc: props.vpc,
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      environment,
      memorySize: props.memorySize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // The JWKS fetch times out after 3 s; API Gateway waits 10 s at most for an authorizer.
      timeout: Duration.seconds(5),
    });

    const authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: this.handler.function,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: settings.resultsCacheTtl,
      authorizerName: props.authorizerName,
    });
    this.authorizer = authorizer;
    // A SecureRestApi using this authorizer compares its protected methods with this table at synth.
    registerAuthorizerRoutes(authorizer, this, props.routes);
    this.node.defaultChild = authorizer.node.defaultChild;
    this.connections = this.handler.connections;
    // API Gateway's permission to invoke the function, scoped to this authorizer's execute-api ARN (created with the authorizer).
    acknowledgeScopedInvokePermissions(this.handler);
  }

  /**
   * Throws at synth on props the verifier would refuse or that weaken it, and warns when the access-token type check is
   * off; returns the settings with their defaults.
   */
  private checkProps(props: JwtAuthorizerProps): VerifierSettings {
    checkUrl(this, 'issuer', props.issuer);
    checkUrl(this, 'jwksUri', props.jwksUri);
    if (!Array.isArray(props.audience) || props.audience.length === 0) {
      invalidProp(this, 'audience', props.audience, 'Fix: list the accepted audiences (for Cognito, the app client id).');
    }
    props.audience.forEach((aud, i) => {
      if (Token.isUnresolved(aud)) return;
      if (typeof aud !== 'string' || aud.trim() === '' || aud.includes(',')) {
        invalidProp(this, `audience[${i}]`, aud, 'Fix: use a non-empty value without commas (for Cognito, the app client id).');
      }
    });
    const algorithms = props.algorithms ?? [JwtAlgorithm.RS256];
    if (!Array.isArray(algorithms) || algorithms.length === 0) invalidProp(this, 'algorithms', algorithms, 'Fix: allow at least one algorithm, for example JwtAlgorithm.RS256.');
    for (const alg of algorithms) {
      if (!SUPPORTED_ALGORITHMS.includes(alg)) {
        invalidProp(this, 'algorithms', algorithms, `Fix: use only JwtAlgorithm values, the asymmetric algorithms (${SUPPORTED_ALGORITHMS.join(', ')}); never none or HS*.`);
      }
    }
    const maxTokenAgeSeconds = wholeSeconds(this, 'maxTokenAge', props.maxTokenAge, DEFAULT_MAX_TOKEN_AGE_SECONDS, 1, MAX_MAX_TOKEN_AGE_SECONDS);
    const clockSkewSeconds = wholeSeconds(this, 'clockSkew', props.clockSkew, DEFAULT_CLOCK_SKEW_SECONDS, 0, MAX_CLOCK_SKEW_SECONDS);
    if (props.tokenUse !== undefined && props.tokenUse !== TokenUse.ACCESS) {
      invalidProp(this, 'tokenUse', props.tokenUse, 'Fix: use TokenUse.ACCESS for Cognito access tokens, or leave it unset for an issuer of RFC 9068 (typ at+jwt) access tokens; ID tokens are never API credentials.');
    }
    if (props.requireAccessTokenType !== undefined && typeof props.requireAccessTokenType !== 'boolean') {
      invalidProp(this, 'requireAccessTokenType', props.requireAccessTokenType, 'Fix: use true (the default) or false.');
    }
    const requireAccessTokenType = props.requireAccessTokenType ?? props.tokenUse !== TokenUse.ACCESS;
    if (!requireAccessTokenType && props.tokenUse !== TokenUse.ACCESS) {
      warn(this, 'jwt-authorizer:access-token-type-off',
        'requireAccessTokenType is false: access tokens are not told from ID tokens by their type, only by the audience. ' +
        'Make sure audience is the API identifier and never the OAuth client id (an ID token\'s aud).');
    }
    const routeProblem = routeTableProblem(props.routes);
    if (routeProblem !== undefined) invalidProp(this, routeProblem.field, routeProblem.value, ROUTE_FIXES[routeProblem.rule]);
    if (props.rolesClaim !== undefined && !isRolesClaimName(props.rolesClaim)) {
      invalidProp(this, 'rolesClaim', props.rolesClaim, "Fix: name the claim holding the roles, for example 'cognito:groups'.");
    }
    const resultsCacheTtl = props.resultsCacheTtl ?? Duration.minutes(5);
    if (!Token.isUnresolved(resultsCacheTtl.toSeconds()) && resultsCacheTtl.toSeconds() > MAX_RESULTS_CACHE_TTL_SECONDS) {
      invalidProp(this, 'resultsCacheTtl', `${resultsCacheTtl.toSeconds()} seconds`,
        `Fix: use at most ${MAX_RESULTS_CACHE_TTL_SECONDS} seconds: API Gateway keeps serving a cached policy after a role change or a revocation.`);
    }
    return { algorithms, maxTokenAgeSeconds, clockSkewSeconds, requireAccessTokenType, resultsCacheTtl };
  }

  /** The function's environment: the verifier settings, then the route table, within Lambda's 4 KB limit. */
  private handlerEnvironment(props: JwtAuthorizerProps, settings: VerifierSettings): Record<string, string> {
    // The handler reads these back with verifierConfigFromEnv (the same module writes and reads them), then the route table.
    const environment: Record<string, string> = {
      ...verifierEnvironment({
        issuer: props.issuer,
        audience: props.audience,
        jwksUri: props.jwksUri,
        algorithms: settings.algorithms,
        maxTokenAgeSeconds: settings.maxTokenAgeSeconds,
        clockSkewSeconds: settings.clockSkewSeconds,
        tokenUse: props.tokenUse,
        requireAccessTokenType: settings.requireAccessTokenType,
        rolesClaim: props.rolesClaim ?? DEFAULT_ROLES_CLAIM,
      }),
      [ROUTES_ENV]: encodeRoutes(props.routes),
    };
    // Lambda refuses a deployment whose variables exceed 4 KB together: say so at synth, naming the table.
    checkLambdaEnvironmentSize(this, 'routes', environment, ROUTES_ENV);
    return environment;
  }
}

/** The checked settings of the verifier, with their defaults. */
interface VerifierSettings {
  readonly algorithms: JwtAlgorithm[];
  readonly maxTokenAgeSeconds: number;
  readonly clockSkewSeconds: number;
  readonly requireAccessTokenType: boolean;
  readonly resultsCacheTtl: Duration;
}

/**
 * A duration prop as the whole seconds the verifier reads (`fallback` when unset), within [min, max] seconds; throws naming
 * the prop, the value and the fix on a fraction of a second or a value out of range. An unresolved token passes unchecked.
 */
function wholeSeconds(scope: Construct, prop: string, value: Duration | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (value.isUnresolved()) return value.toSeconds();
  const ms = value.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
    invalidProp(scope, prop, value.toHumanString(),
      `Fix: use whole seconds from ${Duration.seconds(min).toHumanString()} to ${Duration.seconds(max).toHumanString()}, for example Duration.seconds(${Math.min(Math.max(min, 30), max)}).`);
  }
  return ms / 1000;
}

function checkUrl(scope: Construct, prop: string, value: string): void {
  if (Token.isUnresolved(value)) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:' || url.username !== '' || url.password !== '') {
    invalidProp(scope, prop, value, 'Fix: use the issuer\'s https URL (no credentials), for example https://cognito-idp.<region>.amazonaws.com/<userPoolId>.');
  }
}
