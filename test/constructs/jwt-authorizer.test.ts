import { readFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';
import { App, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { HttpMethod, JwtAlgorithm, JwtAuthorizer, JwtAuthorizerProps, RoutePermission, TokenUse } from '../../lib/constructs/jwt-authorizer';
import { DEFAULT_CLOCK_SKEW_SECONDS, verifierConfigFromEnv, verifierEnvironment } from '../../lambda/shared/jwt';
import { routesFromEnv, ROUTES_ENV } from '../../lib/contracts/route-permissions';
import { SUPPORTED_ALGORITHMS } from '../../lib/contracts/jwt-config';
import { LogsKey } from '../../lib/constructs/logging';
import { handlerBundle } from '../../lib/internal/handler-assets';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { formatFindings, ruleFindings } from '../helpers/compliance';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
/** A consumer's own routes (not the sample notes API). */
const ROUTES: RoutePermission[] = [
  { method: HttpMethod.GET, path: '/orders', roles: ['clerk'], scopes: ['https://shop.example.com/orders.read'] },
  { method: HttpMethod.POST, path: '/orders/{orderId}/refunds', roles: ['manager'], scopes: ['https://shop.example.com/refunds.write'] },
];

function build(props: Partial<JwtAuthorizerProps> = {}, bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Auth', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey').key;
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
  const jwt = new JwtAuthorizer(stack, 'JwtAuthorizer', {
    vpc: network.vpc, logsKey, issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, routes: ROUTES, ...props,
  });
  // The authorizer must be attached to an API to synthesize.
  const api = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false, deployOptions: { stageName: 'test' } });
  api.root.addResource('notes').addMethod('GET', new apigateway.MockIntegration(), { authorizer: jwt.authorizer });
  return { app, stack, jwt };
}

describe('JwtAuthorizer', () => {
  const f = build({ tokenUse: TokenUse.ACCESS });
  const template = Template.fromStack(f.stack);

  test('has no unacknowledged rule-pack findings on its own resources', () => {
    // The test API's own findings (COG4 on methods, access logs, WAF, ...) belong to SecureRestApi, not to this construct.
    const all = ruleFindings(f.app);
    expect(all.length).toBeGreaterThan(0); // the bare test API does raise findings, so the filter below is meaningful
    const mine = all.filter((x) => x.path.startsWith('Auth/JwtAuthorizer/') || x.path.startsWith('/Auth/JwtAuthorizer/'));
    expect(all.some((x) => /Auth\/Api/.test(x.path))).toBe(true);
    expect(formatFindings(mine)).toBe('');
  });

  test('JwtAlgorithm offers exactly the algorithms the verifier accepts, and TokenUse only access tokens', () => {
    expect(Object.values(JwtAlgorithm)).toEqual(SUPPORTED_ALGORITHMS);
    expect(Object.values(TokenUse)).toEqual(['access']);
  });

  test('a REQUEST authorizer on the Authorization header with a 5-minute policy cache', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: Match.anyValue(),
    });
  });

  test('the function gets the verifier configuration from props, with secure defaults', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: 'client-1',
          JWKS_URI: `${ISSUER}/.well-known/jwks.json`,
          JWT_ALGORITHMS: 'RS256',
          JWT_MAX_TOKEN_AGE_SECONDS: '900',
          JWT_CLOCK_SKEW_SECONDS: '30',
          JWT_ROLES_CLAIM: 'cognito:groups',
          JWT_TOKEN_USE: 'access',
          JWT_REQUIRE_ACCESS_TOKEN_TYPE: 'false',
          ROUTE_PERMISSIONS: Match.anyValue(),
        },
      },
      Timeout: 5,
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });

  test('only API Gateway may invoke the function, and only through this authorizer', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/authorizers/')])]) }),
    });
  });

  test('the function can only reach HTTPS (the JWKS) and nothing else', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Function: outbound HTTPS only'),
      SecurityGroupEgress: [Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
  });

  test('passes every option through', () => {
    const { stack } = build({
      audience: ['a', 'b'], algorithms: [JwtAlgorithm.RS256, JwtAlgorithm.ES256], maxTokenAge: Duration.minutes(10), clockSkew: Duration.seconds(10), rolesClaim: 'roles',
      resultsCacheTtl: Duration.seconds(60),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ JWT_AUDIENCE: 'a,b', JWT_ALGORITHMS: 'RS256,ES256', JWT_MAX_TOKEN_AGE_SECONDS: '600', JWT_CLOCK_SKEW_SECONDS: '10', JWT_ROLES_CLAIM: 'roles', JWT_REQUIRE_ACCESS_TOKEN_TYPE: 'true' }) },
    });
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 60 });
  });

  const variables = (stack: Stack): Record<string, string> => {
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    return Object.values(fns).map((r) => (r as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties.Environment?.Variables ?? {})
      .find((v) => 'JWT_ISSUER' in v)!;
  };

  test('fails if ID tokens are accepted by default: without tokenUse, access tokens must say typ at+jwt', () => {
    // GIVEN no tokenUse (not Cognito)
    const { stack, jwt } = build();
    // THEN the function requires the RFC 9068 type and checks no token_use
    const vars = variables(stack);
    expect(vars.JWT_REQUIRE_ACCESS_TOKEN_TYPE).toBe('true');
    expect('JWT_TOKEN_USE' in vars).toBe(false);
    expect(jwt.verifierEnvironment).toEqual(vars);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('requireAccessTokenType'))).toHaveLength(0);
  });

  test('requireAccessTokenType: false is an explicit opt-out that warns at synth', () => {
    const { stack } = build({ requireAccessTokenType: false, audience: ['https://api.example.com'] });
    expect(variables(stack).JWT_REQUIRE_ACCESS_TOKEN_TYPE).toBe('false');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('requireAccessTokenType is false'))).toHaveLength(1);
  });

  test('the route table reaches the function as compact JSON that the handler reads back exactly', () => {
    const { stack } = build();
    const vars = variables(stack);
    expect(vars.ROUTE_PERMISSIONS).toBe(JSON.stringify(ROUTES.map((r) => [r.method, r.path, r.roles, r.scopes])));
    expect(routesFromEnv(vars)).toEqual(ROUTES);
  });

  test.each([
    ['routes is empty', { routes: [] }, /invalid routes = \[\]\. Fix: list the protected routes/],
    ['a method is unknown', { routes: [{ ...ROUTES[0], method: 'FETCH' }] }, /invalid routes\[0\]\.method = "FETCH"\. Fix: use an HttpMethod \(GET, POST/],
    ['a method is lower case', { routes: [{ ...ROUTES[0], method: 'get' }] }, /invalid routes\[0\]\.method = "get"/],
    ['a path is relative', { routes: [{ ...ROUTES[0], path: 'orders' }] }, /invalid routes\[0\]\.path = "orders"\. Fix: use an absolute resource path/],
    ['a path has a trailing slash', { routes: [{ ...ROUTES[0], path: '/orders/' }] }, /invalid routes\[0\]\.path = "\/orders\/"/],
    ['a path has a wildcard', { routes: [{ ...ROUTES[0], path: '/orders/*' }] }, /invalid routes\[0\]\.path = "\/orders\/\*"/],
    ['a path has a greedy parameter', { routes: [{ ...ROUTES[0], path: '/orders/{proxy+}' }] }, /invalid routes\[0\]\.path/],
    ['roles is empty', { routes: [{ ...ROUTES[0], roles: [] }] }, /invalid routes\[0\]\.roles = \[\]\. Fix: list the roles allowed/],
    ['roles is missing', { routes: [{ method: HttpMethod.GET, path: '/orders', scopes: ['s'] }] }, /invalid routes\[0\]\.roles = undefined/],
    ['a role has a comma', { routes: [{ ...ROUTES[0], roles: ['clerk,admin'] }] }, /invalid routes\[0\]\.roles = \["clerk,admin"\]/],
    ['scopes is empty', { routes: [{ ...ROUTES[0], scopes: [] }] }, /invalid routes\[0\]\.scopes = \[\]\. Fix: list the OAuth scopes/],
    ['scopes is missing', { routes: [{ method: HttpMethod.GET, path: '/orders', roles: ['clerk'] }] }, /invalid routes\[0\]\.scopes = undefined/],
    ['a scope is blank', { routes: [{ ...ROUTES[0], scopes: ['  '] }] }, /invalid routes\[0\]\.scopes = \[" {2}"\]\. Fix: use non-blank scopes/],
    ['a scope has a space (two scopes in one)', { routes: [{ ...ROUTES[0], scopes: ['a b'] }] }, /invalid routes\[0\]\.scopes/],
    ['a route is listed twice', { routes: [ROUTES[0], ROUTES[1], { ...ROUTES[0], roles: ['admin'] }] }, /invalid routes\[2\] = "GET \/orders"\. Fix: list each method and path once/],
    ['a path is longer than 256 characters (a policy ARN may have 512)', { routes: [{ ...ROUTES[0], path: `/${'a'.repeat(256)}` }] }, /invalid routes\[0\]\.path = "\/a{256}"\. Fix: use an absolute resource path of at most 256 characters/],
    ['no policy can be exact: a Deny for the admin route would also match paths of a route the member holds', {
      routes: [
        { method: HttpMethod.GET, path: '/orgs/{org}', roles: ['member', 'admin'], scopes: ['s'] },
        { method: HttpMethod.GET, path: '/orgs/{org}/billing', roles: ['admin'], scopes: ['s'] },
        { method: HttpMethod.GET, path: '/orgs/{org}/members/{user}', roles: ['member', 'admin'], scopes: ['s'] },
      ],
    }, /invalid routes\[1\] = "GET \/orgs\/\{org\}\/billing: a caller of GET \/orgs\/\{org\} and GET \/orgs\/\{org\}\/members\/\{user\} without it needs a Deny on GET\/orgs\/\*\/billing, which also matches paths of GET \/orgs\/\{org\}\/members\/\{user\}"\. Fix: IAM's "\*" in a policy crosses "\/"/],
    ['a route is listed twice under another parameter name', { routes: [ROUTES[1], { ...ROUTES[1], path: '/orders/{id}/refunds' }] }, /invalid routes\[1\] = "POST \/orders\/\{id\}\/refunds"/],
  ])('fails if %s', (_name, props, message) => {
    expect(() => build(props as Partial<JwtAuthorizerProps>)).toThrow(message);
    expect(() => build(props as Partial<JwtAuthorizerProps>)).toThrow(/Auth\/JwtAuthorizer: invalid/);
  });

  test('fails if the route table does not fit in Lambda\'s 4 KB of environment variables', () => {
    const routes: RoutePermission[] = Array.from({ length: 40 }, (_, i) => ({
      method: HttpMethod.GET, path: `/resource-number-${i}/{id}`, roles: ['clerk', 'manager'], scopes: [`https://shop.example.com/resource-number-${i}.read`],
    }));
    expect(() => build({ routes })).toThrow(/invalid routes = "\d+ bytes in ROUTE_PERMISSIONS"\. Fix: the function's environment would take about \d+ bytes and Lambda allows 4096/);
    expect(() => build({ routes: routes.slice(0, 10) })).not.toThrow();
  });

  test('accepts unresolved tokens (a user pool issuer and client id) without validating them', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'T', { env: { account: '111111111111', region: 'eu-west-1' } });
    const logsKey = new LogsKey(stack, 'LogsKey').key;
    const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
    const poolId = Lazy.string({ produce: () => 'eu-west-1_Pool' });
    const clientId = Lazy.string({ produce: () => 'client,with,commas-is-not-checked' });
    expect(Token.isUnresolved(poolId)).toBe(true);
    expect(() => new JwtAuthorizer(stack, 'A', {
      vpc: network.vpc, logsKey, issuer: `https://cognito-idp.eu-west-1.amazonaws.com/${poolId}`,
      audience: [clientId], jwksUri: Lazy.string({ produce: () => 'http://not-checked' }), routes: ROUTES, resultsCacheTtl: Duration.seconds(Lazy.number({ produce: () => 900 })),
    })).not.toThrow();
  });

  test('deploys the pre-built authorizer bundle: a small asset with no AWS SDK or JWT library, no bundling at synth', () => {
    // GIVEN an app
    const { app, stack } = build({}, true);
    // WHEN it is synthesized
    const assembly = app.synth();
    // THEN the function's asset is the shipped bundle (dist/handlers/authorizer), under 9 KB gzip
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .find((r) => (r as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties.Environment?.Variables?.JWT_ISSUER === ISSUER) as
      { Properties: { Code: { S3Key: string } } };
    const assetDir = join(assembly.directory, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const code = readFileSync(join(assetDir, 'index.js'));
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(9 * 1024);
    expect(code.toString()).not.toMatch(/@aws-sdk|aws-jwt-verify|powertools/i);
    expect(code.toString()).toMatch(/JWT_ISSUER/);
    expect(code.equals(readFileSync(join(handlerBundle('authorizer').dir, 'index.js')))).toBe(true);
    expect(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).not.toEqual({});
  });

  test.each([
    ['issuer is plain http', { issuer: 'http://issuer.example.com' }, /invalid issuer = "http:\/\/issuer.example.com". Fix: use the issuer's https URL/],
    ['issuer is not a URL', { issuer: 'my-issuer' }, /invalid issuer/],
    ['jwksUri is plain http', { jwksUri: 'http://issuer.example.com/jwks' }, /invalid jwksUri/],
    ['jwksUri carries credentials', { jwksUri: 'https://u:p@issuer.example.com/jwks' }, /invalid jwksUri/],
    ['audience is empty', { audience: [] }, /invalid audience = \[\]/],
    ['an audience has a comma', { audience: ['a,b'] }, /invalid audience\[0\] = "a,b"/],
    ['an audience is blank', { audience: [' '] }, /invalid audience\[0\]/],
    ['algorithms allow HS256', { algorithms: [JwtAlgorithm.RS256, 'HS256' as JwtAlgorithm] }, /invalid algorithms .* never none or HS\*/],
    ['algorithms allow none', { algorithms: ['none' as JwtAlgorithm] }, /invalid algorithms/],
    ['algorithms is empty', { algorithms: [] }, /invalid algorithms = \[\]/],
    ['clockSkew is over a minute', { clockSkew: Duration.seconds(61) }, /invalid clockSkew = "1 minute 1 second"\. Fix: use whole seconds from 0 seconds to 1 minute/],
    ['clockSkew is not whole seconds', { clockSkew: Duration.millis(1500) }, /invalid clockSkew = "1 second 500 millis"\. Fix: use whole seconds/],
    ['maxTokenAge is 0', { maxTokenAge: Duration.seconds(0) }, /invalid maxTokenAge = "0 seconds"\. Fix: use whole seconds from 1 second to 1 day/],
    ['maxTokenAge is over a day', { maxTokenAge: Duration.seconds(86_401) }, /invalid maxTokenAge = "1 day 1 second"/],
    ['maxTokenAge is not whole seconds', { maxTokenAge: Duration.millis(900_500) }, /invalid maxTokenAge = .*Fix: use whole seconds/],
    ['tokenUse is refresh', { tokenUse: 'refresh' as never }, /invalid tokenUse = "refresh"/],
    ['tokenUse is id (ID tokens are never API credentials)', { tokenUse: 'id' as never }, /invalid tokenUse = "id"\. Fix: .*ID tokens are never API credentials/],
    ['rolesClaim is __proto__', { rolesClaim: '__proto__' }, /invalid rolesClaim/],
    ['resultsCacheTtl is over 300 s', { resultsCacheTtl: Duration.minutes(10) }, /invalid resultsCacheTtl = "600 seconds". Fix: use at most 300 seconds/],
  ])('fails if %s', (_name, props, message) => {
    expect(() => build(props as Partial<JwtAuthorizerProps>)).toThrow(message);
    expect(() => build(props as Partial<JwtAuthorizerProps>)).toThrow(/JwtAuthorizer/);
  });
});

describe('JwtAuthorizer.verifierEnvironment', () => {
  test.each<[string, Partial<JwtAuthorizerProps>]>([
    ['defaults', {}],
    ['every option', { audience: ['a', 'b'], algorithms: [JwtAlgorithm.RS256, JwtAlgorithm.ES256], maxTokenAge: Duration.minutes(10), clockSkew: Duration.seconds(10), rolesClaim: 'roles', tokenUse: TokenUse.ACCESS }],
  ])('fails if the authorizer function, verifierEnvironment and the props disagree (%s)', (_name, props) => {
    // GIVEN an authorizer  WHEN synthesized
    const { stack, jwt } = build(props);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))
      .map((r) => r.Properties.Environment?.Variables ?? {}).find((v) => 'JWT_ISSUER' in v);
    // THEN its function's environment is verifierEnvironment plus the route table, and reads back as the props say
    expect(fn).toEqual(jwt.verifierEnvironment);
    const { [ROUTES_ENV]: routes, ...settings } = jwt.verifierEnvironment;
    expect(routesFromEnv({ [ROUTES_ENV]: routes })).toEqual(ROUTES);
    const config = verifierConfigFromEnv(settings);
    expect(verifierConfigFromEnv(verifierEnvironment(config))).toEqual(config);
    expect(config).toMatchObject({
      issuer: ISSUER, audience: props.audience ?? ['client-1'], algorithms: props.algorithms ?? ['RS256'],
      maxTokenAgeSeconds: props.maxTokenAge?.toSeconds() ?? 900, clockSkewSeconds: props.clockSkew?.toSeconds() ?? DEFAULT_CLOCK_SKEW_SECONDS,
      rolesClaim: props.rolesClaim ?? 'cognito:groups', tokenUse: props.tokenUse,
    });
  });
});
