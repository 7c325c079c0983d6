import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createNoteSchema, updateNoteSchema } from '../../app/lambda/api/schemas';
import { notesRoutes, PUBLIC_ROUTES } from '../../app/lambda/api/routes';
import { tokenRequestSchema } from '../../app/lambda/session/schemas';
import { routesFromEnv, ROUTES_ENV } from '../../lib/contracts/route-permissions';

/** The dev stage's notes routes: scopes of its resource server `https://api.dev.example.com`. */
const ROUTE_PERMISSIONS = notesRoutes('https://api.dev.example.com/');
import { ApiStack } from '../../app/stacks';
import { buildTestApp, exampleBaselineConfig, exampleBaselineWith } from '../helpers/baseline';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';
import { HOSTILE_VALUES, mappingTemplates, renderTemplate, unresolvedReferences } from '../helpers/vtl';

/** `METHOD /path` of every method of the stack's REST API, with its CfnMethod. */
function methodsOf(api: ApiStack): Map<string, apigateway.CfnMethod> {
  return new Map(api.restApi.restApi.methods.map((m) => [`${m.httpMethod} ${m.resource.path}`, m.node.defaultChild as apigateway.CfnMethod]));
}

function functionProps(t: Template, pathPart: string): Record<string, any> {
  const fns = t.findResources('AWS::Lambda::Function');
  const [, fn] = Object.entries(fns).find(([id]) => id.startsWith(pathPart))!;
  return fn.Properties;
}

describe('ApiStack: REST API, authorizer and handlers', () => {
  const { stages } = buildTestApp({ stages: ['dev'] });
  const api = stages[0].api;
  const t = Template.fromStack(api, { skipCyclicalDependenciesCheck: true });

  test('the API is reachable only at api.<stage domain> with TLS 1.3 and STRICT access', () => {
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.dev.example.com',
      SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09',
      EndpointAccessMode: 'STRICT',
    });
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    t.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.dev.example.com.', Type: 'A' });
  });

  test('the Lambda authorizer caches results at most 300 s and reads the Authorization header', () => {
    const authorizers = Object.values(t.findResources('AWS::ApiGateway::Authorizer')).map((a) => a.Properties);
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]).toMatchObject({ Type: 'REQUEST', IdentitySource: 'method.request.header.Authorization' });
    expect(authorizers[0].AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(300);
  });

  test('the REST API and the authorizer\'s route table list the same protected routes (the synth-end comparison passes)', () => {
    const protectedRoutes = [...methodsOf(api)].filter(([, m]) => m.authorizationType === 'CUSTOM').map(([key]) => key).sort();
    expect(protectedRoutes).toEqual(ROUTE_PERMISSIONS.map((r) => `${r.method} ${r.path}`).sort());
    expect(api.restApi.node.validate()).toEqual([]);
  });

  test('the authorizer is configured from the Cognito user pool (access tokens)', () => {
    const env = functionProps(t, 'JwtAuthorizer').Environment.Variables;
    expect(env).toMatchObject({ JWT_TOKEN_USE: 'access', JWT_ROLES_CLAIM: 'cognito:groups', JWT_ALGORITHMS: 'RS256', JWT_MAX_TOKEN_AGE_SECONDS: '900' });
    expect(JSON.stringify(env.JWT_ISSUER)).toContain('cognito-idp');
    expect(JSON.stringify(env.JWKS_URI)).toContain('.well-known/jwks.json');
  });

  test('the authorizer gets the notes table by prop, with the full scope names of the stage\'s resource server', () => {
    const env = functionProps(t, 'JwtAuthorizer').Environment.Variables;
    expect(routesFromEnv(env)).toEqual(ROUTE_PERMISSIONS);
    expect(routesFromEnv(env).map((r) => r.scopes)).toEqual([
      ['https://api.dev.example.com/notes.read'], ['https://api.dev.example.com/notes.write'], ['https://api.dev.example.com/notes.read'],
      ['https://api.dev.example.com/notes.write'], ['https://api.dev.example.com/notes.write'],
    ]);
  });

  test('every route of the route map is authorized; only the public allow-list is not', () => {
    const methods = methodsOf(api);
    for (const r of ROUTE_PERMISSIONS) {
      const m = methods.get(`${r.method} ${r.path}`)!;
      expect(m.authorizationType).toBe('CUSTOM');
      expect(m.authorizerId).toBeDefined();
    }
    const publicKeys = [...PUBLIC_ROUTES.map((r) => `${r.method} ${r.path}`),
      ...PUBLIC_ROUTES.filter((r) => r.path.startsWith('/auth/')).map((r) => `OPTIONS ${r.path}`)];
    for (const [key, m] of methods) {
      expect([key, m.authorizationType]).toEqual([key, publicKeys.includes(key) ? 'NONE' : 'CUSTOM']);
    }
    expect(methods.size).toBe(ROUTE_PERMISSIONS.length + publicKeys.length);
  });

  test('notes bodies are validated with the shared schemas; parameters are declared', () => {
    const methods = methodsOf(api);
    const models = t.findResources('AWS::ApiGateway::Model');
    const schemaOf = (key: string) => {
      const ref = api.resolve(methods.get(key)!.requestModels)['application/json'].Ref;
      return models[ref].Properties.Schema;
    };
    expect(schemaOf('POST /notes')).toEqual(JSON.parse(JSON.stringify(createNoteSchema)));
    expect(schemaOf('PUT /notes/{id}')).toEqual(JSON.parse(JSON.stringify(updateNoteSchema)));
    expect(methods.get('GET /notes')!.requestParameters).toEqual({
      'method.request.querystring.limit': false, 'method.request.querystring.cursor': false,
    });
    expect(methods.get('DELETE /notes/{id}')!.requestParameters).toEqual({ 'method.request.path.id': true });
    expect(methods.get('POST /auth/refresh')!.requestParameters).toEqual({ 'method.request.header.X-Requested-With': true });
    for (const [key, m] of methods) {
      if (m.requestModels !== undefined || m.requestParameters !== undefined) expect([key, m.requestValidatorId !== undefined]).toEqual([key, true]);
    }
  });

  test('fails if the gateway model of POST /auth/token is not the session handler\'s own schema (app/lambda/session/schemas.ts)', () => {
    // GIVEN the synthesized request model of the token route  THEN it is the schema the session handler validates with, unchanged
    const models = t.findResources('AWS::ApiGateway::Model');
    const ref = api.resolve(methodsOf(api).get('POST /auth/token')!.requestModels)['application/json'].Ref;
    expect(models[ref].Properties.Schema).toEqual(JSON.parse(JSON.stringify(tokenRequestSchema)));
    // ... and the other session routes take no body at all
    for (const path of ['/auth/refresh', '/auth/logout']) expect(methodsOf(api).get(`POST ${path}`)!.requestModels).toBeUndefined();
  });

  test('AwsSolutions-COG4 is acknowledged on methods only: Lambda-authorizer methods with the JWT reason, public ones as public', () => {
    const cog4 = acknowledgements(api).filter((a) => a.id === 'AwsSolutions-COG4');
    const methods = api.restApi.restApi.methods;
    const byPath = new Map(methods.map((m) => [m.node.path, m]));
    for (const ack of cog4) {
      const m = byPath.get(ack.path);
      expect(m).toBeDefined();
      const type = (m!.node.defaultChild as apigateway.CfnMethod).authorizationType;
      expect(ack.reason).toMatch(type === 'CUSTOM' ? /Lambda authorizer that verifies the bearer JWT.*Cognito/ : /public allow-list|session endpoint|mock/);
    }
    const custom = methods.filter((m) => (m.node.defaultChild as apigateway.CfnMethod).authorizationType === 'CUSTOM');
    expect(cog4.filter((a) => custom.some((m) => m.node.path === a.path))).toHaveLength(custom.length);
  });

  test('per-method throttles: writes tighter than the stage, session endpoints sized to the session function', () => {
    const settings: any[] = api.resolve((api.restApi.stage.node.defaultChild as apigateway.CfnStage).methodSettings);
    const of = (m: string, p: string) => settings.find((s) => s.httpMethod === m && s.resourcePath === p);
    expect(of('*', '/*')).toMatchObject({ throttlingRateLimit: 100, throttlingBurstLimit: 200, loggingLevel: 'ERROR', dataTraceEnabled: false });
    expect(of('POST', '/~1notes')).toMatchObject({ throttlingRateLimit: 20 });
    expect(of('POST', '/~1auth~1token')).toMatchObject({ throttlingRateLimit: 100, throttlingBurstLimit: 50 });
  });

  test('fails if fewer than 500 clients at the WAF per-IP auth limit can exhaust an auth route\'s shared throttle, or if it admits more than the session function runs', () => {
    // GIVEN the synthesized WAF auth rule, stage method settings and session function
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL')).find((r) => JSON.stringify(r).includes('REST API'))!;
    const authRule = acl.Properties.Rules.find((r: any) => r.Name === 'RateLimitAuthPaths').Statement.RateBasedStatement;
    const perClientPerSecond = authRule.Limit / authRule.EvaluationWindowSec;
    const settings: any[] = api.resolve((api.restApi.stage.node.defaultChild as apigateway.CfnStage).methodSettings);
    const authMethods = settings.filter((s) => s.resourcePath.startsWith('/~1auth~1'));
    const concurrency = functionProps(t, 'SessionFunction').ReservedConcurrentExecutions;
    // THEN every auth method (POST and OPTIONS of token, refresh, logout) has its own throttle ...
    expect(authMethods.map((s) => `${s.httpMethod} ${s.resourcePath}`).sort()).toEqual(
      ['/~1auth~1logout', '/~1auth~1refresh', '/~1auth~1token'].flatMap((p) => [`OPTIONS ${p}`, `POST ${p}`]).sort());
    for (const s of authMethods) {
      // ... that takes at least 500 clients, each sending at the WAF per-IP limit all the time, to use up (today: 600) ...
      expect(s.throttlingRateLimit / perClientPerSecond).toBeGreaterThanOrEqual(500);
      // ... and never lets through more than the session function can run at once, or serve at 0.5 s per request.
      expect(s.throttlingBurstLimit).toBeLessThanOrEqual(concurrency);
      expect(s.throttlingRateLimit * 0.5).toBeLessThanOrEqual(concurrency);
    }
    expect(authRule).toMatchObject({ Limit: 50, EvaluationWindowSec: 300 });
    expect(concurrency).toBe(50);
  });

  test('the notes function runs in private subnets, only in the database and rate-limiter client security groups, as app_user', () => {
    const fn = functionProps(t, 'NotesFunction');
    expect(fn.VpcConfig.SecurityGroupIds).toHaveLength(2);
    expect(JSON.stringify(fn.VpcConfig.SecurityGroupIds)).toMatch(/DatabaseClientSecurityGroup/);
    expect(JSON.stringify(fn.VpcConfig.SecurityGroupIds)).toMatch(/RateLimiterClientSecurityGroup/);
    expect(JSON.stringify(fn.VpcConfig.SubnetIds)).toMatch(/privateSubnet|PrivateSubnet/i);
    expect(fn.Environment.Variables).toMatchObject({ DB_USER: 'app_user', DB_NAME: 'app', DB_PORT: '5432', DB_HOST: expect.anything() });
    const policies = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).map((p) => JSON.stringify(p.Properties));
    const notesPolicy = policies.find((p) => p.includes('NotesFunctionRole'))!;
    expect(notesPolicy).toMatch(/rds-db:connect/);
    expect(notesPolicy).toMatch(/\/app_user"/);
  });

  test('the session function gets the issuer endpoints and the allowed origin', () => {
    const env = functionProps(t, 'SessionFunction').Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['TOKEN_ENDPOINT', 'REVOCATION_ENDPOINT', 'CLIENT_ID', 'REDIRECT_URI', 'ALLOWED_ORIGINS']));
    expect(env.ALLOWED_ORIGINS).toBe('https://app.dev.example.com');
  });

  test.each(['gateway response', 'integration template'])('fails if any %s of the stack, rendered by a Velocity engine with hostile values, is not valid JSON', (kind) => {
    const templates = mappingTemplates(t).filter((x) => x.where.includes('(') === (kind === 'gateway response'));
    expect(templates.length).toBeGreaterThan(0);
    for (const { where, template } of templates) {
      expect({ where, unresolved: unresolvedReferences(renderTemplate(template, 'x')) }).toEqual({ where, unresolved: [] });
      for (const value of HOSTILE_VALUES) {
        const rendered = renderTemplate(template, value);
        expect({ where, value, parses: (() => { try { JSON.parse(rendered); return true; } catch { return false; } })() }).toEqual({ where, value, parses: true });
      }
    }
  });

  test('/health is a mock answering 200 JSON with security headers', () => {
    const health = methodsOf(api).get('GET /health')!;
    const integration = api.resolve(health.integration);
    expect(integration.type).toBe('MOCK');
    expect(integration.integrationResponses[0].responseParameters['method.response.header.Strict-Transport-Security']).toMatch(/max-age/);
  });

  test('the stage is associated with the web ACL', () => {
    const associations = Object.values(t.findResources('AWS::WAFv2::WebACLAssociation')).map((a) => JSON.stringify(a.Properties.ResourceArn));
    expect(associations.some((a) => a.includes('/stages/') && a.includes(api.resolve(api.restApi.restApi.restApiId).Ref))).toBe(true);
  });

  test('the rule packs pass on the API stack', () => {
    expect(formatFindings(ruleFindings(api))).toBe('');
  });

  test('with an OIDC issuer without a token endpoint, the authorizer uses the configured issuer and no session routes exist', () => {
    const baseline = exampleBaselineConfig();
    baseline.identity = {
      provider: 'oidc', issuer: 'https://login.example.org/', audience: ['notes-api'], jwksUri: 'https://login.example.org/jwks',
      maxTokenAgeSeconds: 600, algorithms: ['ES256'],
    };
    const oidc = buildTestApp({ baseline, stages: ['dev'] }).stages[0].api;
    const tpl = Template.fromStack(oidc, { skipCyclicalDependenciesCheck: true });
    expect(functionProps(tpl, 'JwtAuthorizer').Environment.Variables).toMatchObject({
      JWT_ISSUER: 'https://login.example.org/', JWT_AUDIENCE: 'notes-api', JWKS_URI: 'https://login.example.org/jwks', JWT_ALGORITHMS: 'ES256',
    });
    expect(oidc.sessionFunction).toBeUndefined();
    expect([...methodsOf(oidc).keys()].filter((k) => k.includes('/auth/'))).toEqual([]);
  });
});

describe('ApiStack: the notes app behind the load balancer (dev with loadBalancer: true; the example dev turns it off)', () => {
  const { stages } = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) });
  const t = Template.fromStack(stages[0].api, { skipCyclicalDependenciesCheck: true });

  test('the ALB serves the notes app through alb.ts, which verifies the JWT itself', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlbFunction'), 'Arn'] } }],
    });
    const env = functionProps(t, 'AlbFunction').Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI', 'JWT_TOKEN_USE', 'DB_HOST', 'DB_USER']));
    // the same verifier settings and route table as the authorizer
    const authorizerEnv = functionProps(t, 'JwtAuthorizer').Environment.Variables;
    for (const [k, v] of Object.entries(authorizerEnv)) expect([k, env[k]]).toEqual([k, v]);
    expect(routesFromEnv(env)).toEqual(ROUTE_PERMISSIONS);
  });

  test('fails if a handler that verifies tokens itself (ALB, session logout) gets other verifier settings than the authorizer', () => {
    // GIVEN the authorizer's environment, written by verifierEnvironment()
    const { [ROUTES_ENV]: _routes, ...settings } = functionProps(t, 'JwtAuthorizer').Environment.Variables;
    expect(Object.keys(settings)).toEqual(expect.arrayContaining(['JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URI', 'JWT_ALGORITHMS', 'JWT_MAX_TOKEN_AGE_SECONDS',
      'JWT_CLOCK_SKEW_SECONDS', 'JWT_ROLES_CLAIM', 'JWT_TOKEN_USE', 'JWT_REQUIRE_ACCESS_TOKEN_TYPE']));
    expect(settings.JWT_CLOCK_SKEW_SECONDS).toBe('30');
    // THEN the ALB function and the session function carry every setting with the same value, clock skew included
    for (const id of ['AlbFunction', 'SessionFunction']) {
      const env = functionProps(t, id).Environment.Variables;
      for (const [k, v] of Object.entries(settings)) expect([id, k, env[k]]).toEqual([id, k, v]);
    }
    // ... and only the ALB function needs the route table (the session function authorizes nothing)
    expect(ROUTES_ENV in functionProps(t, 'AlbFunction').Environment.Variables).toBe(true);
    expect(ROUTES_ENV in functionProps(t, 'SessionFunction').Environment.Variables).toBe(false);
  });
});
