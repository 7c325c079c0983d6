import { Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import { HTTP_METHODS, type HttpMethod, routeSignature } from '../../contracts/route-permissions';
import type { AuthorizerRouteTable } from '../../internal/authorizer-routes';
import { invalidProp } from '../../internal/errors';
import { type JsonSchemaObject, routeSchemaProblems, schemaProperties } from './json-schema';
import type { ThrottleLimits } from './throttle';

/**
 * The routes of a {@link SecureRestApi}: what a route declares, which methods and paths are accepted, the throttling
 * class of a route, and the stage's `~1` encoding of a resource path.
 */

/** Which throttling class a route belongs to. */
export enum RouteCategory {
  /** Reads: the stage's limits. */
  READ = 'READ',
  /** Writes (POST/PUT/PATCH/DELETE by default): the tighter `writeThrottle`. */
  WRITE = 'WRITE',
  /** Authentication and session endpoints: `authThrottle`, a capacity limit shared by every client (see {@link SecureRestApi.authCapacityThrottle}). */
  AUTH = 'AUTH',
}

/** A method and path, for example `{ method: HttpMethod.GET, path: '/health' }`. */
export interface RouteKey {
  /** HTTP method. */
  readonly method: HttpMethod;
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
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON object of any keywords: jsii carries `any` maps to every language, `unknown` not at all
  readonly bodySchema?: { [keyword: string]: any };
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
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON object of any keywords: jsii carries `any` maps to every language, `unknown` not at all
  readonly querySchema?: { [keyword: string]: any };
  /**
   * Draft-04 schema of the path parameters; must declare exactly the `{name}` parameters of `path`.
   * @default - path parameters are declared required without a value schema
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON object of any keywords: jsii carries `any` maps to every language, `unknown` not at all
  readonly pathSchema?: { [keyword: string]: any };
  /**
   * Request headers that must be present (checked at the edge), for example a CSRF header.
   * @default - none
   */
  readonly requiredHeaders?: string[];
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

/** A path segment: a literal, or one `{name}` parameter (never the greedy `{proxy+}`). */
const PATH_SEGMENT = /^(?:[A-Za-z0-9._-]+|\{[A-Za-z_][A-Za-z0-9_]*\})$/;
/** A request header name a route may require. */
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

/** Whether `method` (upper-case) is one a route may declare: a single HTTP method, never `ANY`. */
export function isRouteMethod(method: string | undefined): method is HttpMethod {
  return method !== undefined && (HTTP_METHODS as readonly string[]).includes(method);
}

/** Methods that carry a request body, which then needs a `bodySchema` (or `noRequestBody`). */
export function takesRequestBody(method: HttpMethod): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** The throttling class of a route that does not name one: WRITE for methods that change data, READ otherwise. */
export function defaultRouteCategory(method: HttpMethod): RouteCategory {
  return takesRequestBody(method) || method === 'DELETE' ? RouteCategory.WRITE : RouteCategory.READ;
}

/** The key of a route in the public allow-list and in error messages, for example `GET /notes/{id}`. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/** A CORS preflight as AwsSolutions-APIG4 recognises it: OPTIONS answering 204 with Access-Control-Allow-* headers. */
export function isCorsPreflight(method: string, responses: apigateway.MethodResponse[] | undefined): boolean {
  return method === 'OPTIONS' && responses !== undefined && responses.length > 0 && responses.every((r) => r.statusCode === '204'
    && Object.entries(r.responseParameters ?? {}).some(([k, v]) => k.startsWith('method.response.header.Access-Control-Allow-') && v === true));
}

/**
 * Validates a route path and returns its parameter names in order. Throws (naming `scope` and `prop`) on a path that
 * does not start with "/", ends with "/", has a segment that is neither a literal nor one `{name}`, or repeats a parameter.
 */
export function routePathParameters(scope: IConstruct, prop: string, path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || (path !== '/' && path.endsWith('/'))) {
    invalidProp(scope, prop, path, 'Fix: start the path with "/" and do not end it with "/", for example "/notes/{id}".');
  }
  if (path === '/') return [];
  const params: string[] = [];
  for (const segment of path.slice(1).split('/')) {
    if (!PATH_SEGMENT.test(segment)) {
      invalidProp(scope, prop, path,
        `Fix: segment "${segment}" must be a literal of letters, digits, ".", "_" or "-", or a parameter {name} (greedy {proxy+} is not allowed).`);
    }
    if (segment.startsWith('{')) {
      const name = segment.slice(1, -1);
      if (params.includes(name)) invalidProp(scope, prop, path, `Fix: parameter {${name}} appears twice.`);
      params.push(name);
    }
  }
  return params;
}

/**
 * The resource path as a stage's method settings name it: every "/" escaped as "~1" (JSON-pointer style), so
 * `/notes/{id}` is `/~1notes~1{id}`; the root stays `/`.
 */
export function stageResourcePath(path: string): string {
  return path === '/' ? '/' : `/~1${path.slice(1).split('/').join('~1')}`;
}

/** A body route (POST, PUT, PATCH) declares its schema or `noRequestBody`; other methods take no body schema (DELETE may). */
export function checkRouteBody(scope: IConstruct, where: string, method: HttpMethod, route: SecureRouteOptions): void {
  const takesBody = takesRequestBody(method);
  if (route.bodySchema !== undefined && !takesBody && method !== 'DELETE') {
    invalidProp(scope, `${where}: bodySchema`, '(schema)', `Fix: ${method} requests carry no body; remove bodySchema or use POST, PUT or PATCH.`);
  }
  if (takesBody && route.bodySchema === undefined && !route.noRequestBody) {
    invalidProp(scope, `${where}: bodySchema`, undefined,
      'Fix: give the JSON schema (draft-04) of the body, or set noRequestBody: true if this route takes none.');
  }
  if (route.bodySchema !== undefined && route.noRequestBody) {
    invalidProp(scope, `${where}: noRequestBody`, true, 'Fix: set either bodySchema or noRequestBody, not both.');
  }
}

/** Refuses a route schema that API Gateway would not enforce as written, or that leaves sizes unbounded. */
export function checkRouteSchema(scope: IConstruct, prop: string, schema: JsonSchemaObject): void {
  const problems = routeSchemaProblems(schema);
  if (problems.length > 0) {
    invalidProp(scope, prop, problems.join('; '),
      'Fix: use draft-04 keywords only, "additionalProperties": false on every object, maxLength (or enum) on every string and maxItems on every array.');
  }
}

/**
 * The method's `requestParameters`, checked against the route: path parameters and required headers (required),
 * query parameters (string-typed, required as the query schema says). The path schema must declare exactly the
 * path's parameters.
 */
export function routeRequestParameters(scope: IConstruct, where: string, route: SecureRouteOptions, pathParams: readonly string[]): Record<string, boolean> {
  const requestParameters: Record<string, boolean> = {};
  for (const p of pathParams) requestParameters[`method.request.path.${p}`] = true;
  if (route.pathSchema !== undefined) {
    checkRouteSchema(scope, `${where}: pathSchema`, route.pathSchema);
    const declared = Object.keys(schemaProperties(route.pathSchema)).sort();
    if (JSON.stringify(declared) !== JSON.stringify([...pathParams].sort())) {
      invalidProp(scope, `${where}: pathSchema.properties`, declared,
        `Fix: declare exactly the path parameters of ${route.path}: ${JSON.stringify(pathParams)}.`);
    }
  }
  if (route.querySchema !== undefined) {
    checkRouteSchema(scope, `${where}: querySchema`, route.querySchema);
    const required = new Set(Array.isArray(route.querySchema.required) ? route.querySchema.required as string[] : []);
    for (const [name, schema] of Object.entries(schemaProperties(route.querySchema))) {
      if ((schema as JsonSchemaObject).type !== 'string') {
        invalidProp(scope, `${where}: querySchema.properties.${name}.type`, (schema as JsonSchemaObject).type,
          'Fix: query-string values arrive as strings; declare them "type": "string" with a pattern.');
      }
      requestParameters[`method.request.querystring.${name}`] = required.has(name);
    }
  }
  for (const header of route.requiredHeaders ?? []) {
    if (!HEADER_NAME.test(header)) {
      invalidProp(scope, `${where}: requiredHeaders`, header, 'Fix: use a header name of letters, digits and hyphens.');
    }
    requestParameters[`method.request.header.${header}`] = true;
  }
  return requestParameters;
}

/** The methods of `api` that `authorizer` protects (CUSTOM authorization with its id). */
function protectedMethods(api: apigateway.RestApi, authorizer: apigateway.IAuthorizer): apigateway.Method[] {
  const stack = Stack.of(api);
  const id = JSON.stringify(stack.resolve(authorizer.authorizerId));
  return api.methods.filter((method) => {
    const cfn = method.node.defaultChild as apigateway.CfnMethod;
    return cfn.authorizationType === 'CUSTOM' && JSON.stringify(stack.resolve(cfn.authorizerId)) === id;
  });
}

/**
 * Compares the methods an API protects with a route-table authorizer (such as `JwtAuthorizer`) against its table, both
 * ways: a protected method the table does not list gets a policy that denies it to every caller (403 for everyone), and a
 * table route that no API using the authorizer has is stale or misspelled (and, if the route appears later, already
 * decides who may call it). Returns one message per mismatch, naming both constructs and the fix.
 */
export function routeTableCoverageErrors(scope: IConstruct, api: apigateway.RestApi, authorizer: apigateway.IAuthorizer, table: AuthorizerRouteTable): string[] {
  const errors: string[] = [];
  const listed = new Set(table.routes.map((r) => routeSignature(r.method, r.path)));
  for (const method of protectedMethods(api, authorizer)) {
    if (listed.has(routeSignature(method.httpMethod, method.resource.path))) continue;
    const key = routeKey(method.httpMethod, method.resource.path);
    errors.push(`${scope.node.path}: method ${key} is protected by ${table.owner.node.path}, whose routes table does not list it, so its ` +
      `policy denies ${key} to every caller. Fix: add { method: HttpMethod.${method.httpMethod}, path: '${method.resource.path}', roles: [...], ` +
      `scopes: [...] } to the routes of ${table.owner.node.path}, or add ${key} to publicRoutes if it must be public.`);
  }
  const served = new Set(table.apis.flatMap((a) => protectedMethods(a, authorizer)).map((m) => routeSignature(m.httpMethod, m.resource.path)));
  for (const route of table.routes) {
    if (served.has(routeSignature(route.method, route.path))) continue;
    const key = routeKey(route.method, route.path);
    errors.push(`${scope.node.path}: the routes table of ${table.owner.node.path} lists ${key}, but no method of ${scope.node.path} ` +
      `(or of another API using that authorizer) is protected by it at ${key}. Fix: add ${key} with addRoute(), or remove it from the ` +
      `routes of ${table.owner.node.path}, so the table and the API list the same routes.`);
  }
  return errors;
}
