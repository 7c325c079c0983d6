/**
 * Lambda adapter of the JWT authorizer (API Gateway REST, TOKEN or REQUEST).
 * Configuration comes from JWT_* / JWKS_URI environment variables and the route
 * table from ROUTE_PERMISSIONS (compact JSON), validated once at cold start: when it is missing or unsafe, one ERROR line is
 * logged and every request is denied. The verifier and its JWKS cache live at
 * module scope, so they survive across invocations.
 */
import { JwtVerifier } from '../shared/jwt/verifier';
import { verifierConfigFromEnv } from '../../lib/contracts/jwt-config';
import { RoutePermission, routesFromEnv } from '../../lib/contracts/route-permissions';
import { AuthorizerEvent, AuthorizerResult, createAuthorizer } from './authorizer';
import { consoleLog } from './log';

function init(): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  let verifier: JwtVerifier | undefined;
  let routes: readonly RoutePermission[] = [];
  try {
    routes = routesFromEnv(process.env);
    verifier = new JwtVerifier(verifierConfigFromEnv(process.env));
    // Start loading the JWKS during the cold start; the first request joins the fetch if it is still running.
    void verifier.preload();
  } catch (err) {
    consoleLog('ERROR', 'authorizer configuration is invalid: every request will be denied', {
      error: err instanceof Error ? err.message : 'unknown error',
    });
    verifier = undefined;
  }
  return createAuthorizer({ verifier, routes, log: consoleLog });
}

export const handler = init();
