import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { HttpMethod, JwtAuthorizer, type RoutePermission } from '../../lib/constructs/jwt-authorizer';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureRestApi } from '../../lib/constructs/secure-rest-api';
import { SecureVpc } from '../../lib/constructs/secure-vpc';

/**
 * SecureRestApi compares the methods protected by a JwtAuthorizer with that authorizer's route table at synth end,
 * both ways: a protected method the table misses would be denied to every caller, a table route no method has is stale.
 */
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const READ = ['https://shop.example.com/orders.read'];
const TABLE: RoutePermission[] = [
  { method: HttpMethod.GET, path: '/orders', roles: ['clerk'], scopes: READ },
  { method: HttpMethod.GET, path: '/orders/{id}', roles: ['clerk'], scopes: READ },
];

function build(routes: RoutePermission[] = TABLE) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Shop', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey').key;
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
  const jwt = new JwtAuthorizer(stack, 'Jwt', { vpc: network.vpc, logsKey, issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/jwks`, routes });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' });
  const integration = new apigateway.MockIntegration();
  const api = new SecureRestApi(stack, 'Api', {
    domain: { domainName: 'api.example.com', hostedZone: zone }, authorizer: jwt.authorizer, logsKey,
    publicRoutes: [{ method: HttpMethod.GET, path: '/health' }],
    routes: [
      { method: HttpMethod.GET, path: '/health', integration },
      { method: HttpMethod.GET, path: '/orders', integration },
      // The parameter's name does not matter: /orders/{orderId} is the table's /orders/{id}.
      { method: HttpMethod.GET, path: '/orders/{orderId}', integration },
    ],
  });
  return { app, api, integration };
}

describe('SecureRestApi and its JwtAuthorizer list the same routes', () => {
  test('passes when every protected method is in the table and every table route is a protected method (public routes stay out)', () => {
    expect(build().api.node.validate()).toEqual([]);
  });

  test('fails if a protected method, even one added after construction, is missing from the authorizer\'s table', () => {
    const { app, api, integration } = build();
    api.addRoute({ method: HttpMethod.DELETE, path: '/orders/{orderId}', integration });
    expect(() => app.synth()).toThrow(/DELETE \/orders\/\{orderId\} is protected by Shop\/Jwt, whose routes table does not list it/);
    expect(api.node.validate()).toEqual([
      'Shop/Api: method DELETE /orders/{orderId} is protected by Shop/Jwt, whose routes table does not list it, so its policy denies ' +
      'DELETE /orders/{orderId} to every caller. Fix: add { method: HttpMethod.DELETE, path: \'/orders/{orderId}\', roles: [...], scopes: [...] } ' +
      'to the routes of Shop/Jwt, or add DELETE /orders/{orderId} to publicRoutes if it must be public.',
    ]);
  });

  test('compares the table the authorizer\'s function got: changing the routes array after construction changes nothing', () => {
    // GIVEN the caller's own array, passed to the authorizer
    const routes = [...TABLE];
    const { api } = build(routes);
    // WHEN the caller changes it afterwards (the function's ROUTE_PERMISSIONS was written at construction)
    routes.push({ method: HttpMethod.POST, path: '/orders/{id}/refunds', roles: ['manager'], scopes: READ });
    routes.splice(0, 1);
    // THEN the API is still compared with what the function enforces: no stale entry, no missing route
    expect(api.node.validate()).toEqual([]);
  });

  test('fails if the authorizer\'s table lists a route the API does not have', () => {
    const { api } = build([...TABLE, { method: HttpMethod.POST, path: '/orders/{id}/refunds', roles: ['manager'], scopes: READ }]);
    expect(api.node.validate()).toEqual([
      'Shop/Api: the routes table of Shop/Jwt lists POST /orders/{id}/refunds, but no method of Shop/Api (or of another API using that ' +
      'authorizer) is protected by it at POST /orders/{id}/refunds. Fix: add POST /orders/{id}/refunds with addRoute(), or remove it from ' +
      'the routes of Shop/Jwt, so the table and the API list the same routes.',
    ]);
  });
});
