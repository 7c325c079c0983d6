import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { IConstruct } from 'constructs';
import type { RoutePermission } from '../contracts/route-permissions';

/**
 * Which route table an authorizer enforces, and which REST APIs use it: the JwtAuthorizer records its table here,
 * each SecureRestApi records itself, and the API's synth-end validation compares the two lists (a protected method
 * the table does not cover is denied to everyone; a table route no API has is a stale or misspelled entry).
 */
export interface AuthorizerRouteTable {
  /** The construct that owns the table (named in messages). */
  readonly owner: IConstruct;
  /** The table the construct passed to its function: a frozen copy, so a caller changing its array later changes neither. */
  readonly routes: readonly RoutePermission[];
  /** The REST APIs whose methods use the authorizer. */
  readonly apis: apigateway.RestApi[];
}

const tables = new WeakMap<apigateway.IAuthorizer, AuthorizerRouteTable>();

/** Records the route table an authorizer enforces (a frozen copy of `routes`, as its function received them). */
export function registerAuthorizerRoutes(authorizer: apigateway.IAuthorizer, owner: IConstruct, routes: readonly RoutePermission[]): void {
  tables.set(authorizer, { owner, routes: Object.freeze(routes.map((r) => Object.freeze({ ...r }))), apis: [] });
}

/** The table of an authorizer and records that `api` uses it; undefined when the authorizer has no known table. */
export function useAuthorizerRoutes(authorizer: apigateway.IAuthorizer, api: apigateway.RestApi): AuthorizerRouteTable | undefined {
  const table = tables.get(authorizer);
  if (table !== undefined && !table.apis.includes(api)) table.apis.push(api);
  return table;
}
