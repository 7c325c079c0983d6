import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import {
  DEFAULT_CLOCK_SKEW_SECONDS, JwtVerifierConfig, validateVerifierConfig, verifierConfigFromEnv, verifierEnvironment,
} from '../../lambda/shared/jwt';
import { routesFromEnv, ROUTES_ENV } from '../../lambda/shared/route-permissions';
import { JwtAuthorizer, JwtAuthorizerProps, RoutePermission } from '../../lib/constructs/jwt-authorizer';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const ROUTES: RoutePermission[] = [{ method: 'GET', path: '/orders', roles: ['clerk'], scopes: ['https://shop.example.com/orders.read'] }];

/** Configurations that differ from the defaults in every setting the environment carries. */
const CONFIGS: [string, JwtVerifierConfig][] = [
  ['Cognito access tokens', {
    issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, algorithms: ['RS256'],
    maxTokenAgeSeconds: 900, clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  }],
  ['an OIDC issuer with two audiences, two algorithms, no clock skew and its own roles claim', {
    issuer: 'https://login.example.org/', audience: ['https://api.example.org', 'second'], jwksUri: 'https://login.example.org/jwks',
    algorithms: ['ES256', 'RS256'], maxTokenAgeSeconds: 3600, clockSkewSeconds: 0, rolesClaim: 'roles', requireAccessTokenType: true,
  }],
  ['the largest clock skew, the access-token type check off and a JWKS refetch interval', {
    issuer: 'https://login.example.org/', audience: ['https://api.example.org'], jwksUri: 'http://127.0.0.1:8080/jwks',
    algorithms: ['EdDSA'], maxTokenAgeSeconds: 60, clockSkewSeconds: 60, rolesClaim: 'groups', requireAccessTokenType: false,
    jwksRefetchIntervalSeconds: 300,
  }],
];

describe('verifierEnvironment: the one writer of the verifier settings that verifierConfigFromEnv reads', () => {
  test.each(CONFIGS)('fails if a configuration (%s) does not survive the round trip through the environment', (_name, config) => {
    // GIVEN a configuration  WHEN written as environment variables and read back as a handler does at cold start
    const env = verifierEnvironment(config);
    // THEN the handler verifies with exactly that configuration (validated and normalized as any configuration is)
    expect(verifierConfigFromEnv(env)).toEqual(validateVerifierConfig(config));
    expect(env.JWT_CLOCK_SKEW_SECONDS).toBe(String(config.clockSkewSeconds));
  });

  test('fails if the clock skew is left for the handler\'s default instead of being written', () => {
    // GIVEN a skew other than the default  THEN it is in the environment, and the handler reads it back
    const config = { ...CONFIGS[0][1], clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS + 15 };
    const env = verifierEnvironment(config);
    expect(env.JWT_CLOCK_SKEW_SECONDS).toBe(String(DEFAULT_CLOCK_SKEW_SECONDS + 15));
    expect(verifierConfigFromEnv(env).clockSkewSeconds).toBe(DEFAULT_CLOCK_SKEW_SECONDS + 15);
  });

  test('writes only settings: no route table, nothing undefined', () => {
    const env = verifierEnvironment(CONFIGS[1][1]);
    expect(Object.keys(env)).not.toContain(ROUTES_ENV);
    expect(Object.keys(env)).not.toContain('JWT_TOKEN_USE');
    expect(Object.values(env).every((v) => typeof v === 'string' && v !== 'undefined')).toBe(true);
  });
});

describe('JwtAuthorizer.verifierEnvironment', () => {
  function authorizer(props: Partial<JwtAuthorizerProps>): { stack: Stack; jwt: JwtAuthorizer } {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Auth', { env: { account: '111111111111', region: 'eu-west-1' } });
    const logsKey = new LogsKey(stack, 'LogsKey').key;
    const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
    const jwt = new JwtAuthorizer(stack, 'JwtAuthorizer', {
      vpc: network.vpc, logsKey, issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, routes: ROUTES, ...props,
    });
    const api = new apigateway.RestApi(stack, 'Api', { cloudWatchRole: false, deployOptions: { stageName: 'test' } });
    api.root.addResource('orders').addMethod('GET', new apigateway.MockIntegration(), { authorizer: jwt.authorizer });
    return { stack, jwt };
  }

  test.each<[string, Partial<JwtAuthorizerProps>]>([
    ['defaults', {}],
    ['every option', { audience: ['a', 'b'], algorithms: ['RS256', 'ES256'], maxTokenAgeSeconds: 600, clockSkewSeconds: 10, rolesClaim: 'roles', tokenUse: 'access' as const }],
  ])('fails if the authorizer function, verifierEnvironment and the props disagree (%s)', (_name, props) => {
    // GIVEN an authorizer  WHEN synthesized
    const { stack, jwt } = authorizer(props);
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
      maxTokenAgeSeconds: props.maxTokenAgeSeconds ?? 900, clockSkewSeconds: props.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
      rolesClaim: props.rolesClaim ?? 'cognito:groups', tokenUse: props.tokenUse,
    });
  });
});
