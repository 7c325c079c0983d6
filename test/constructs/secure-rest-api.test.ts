import { join } from 'path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { LogsKey, SecureLogGroup } from '../../lib/constructs/logging';
import {
  ACCESS_LOG_FIELDS, RouteCategory, SecureRestApi, SecureRestApiProps, SecureRouteOptions,
} from '../../lib/constructs/secure-rest-api';
import { SecureFunction } from '../../lib/constructs/secure-function';
import { ACCESS_LOG_VARIABLES, accessLogFormat, AccessLogVariableKind } from '../../lib/constructs/secure-rest-api/defaults';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { HttpMethod, JwtAuthorizer } from '../../lib/constructs/jwt-authorizer';
import { Acknowledgements, isNamespacedNagAcknowledgement } from '../../lib/internal/acknowledge';
import { acknowledgements, BUILT_IN_VALIDATION, formatFindings, ruleFindings, ruleFindingsWithout } from '../helpers/compliance';
import { HOSTILE_VALUES, mappingTemplates, renderTemplate, unresolvedReferences } from '../helpers/vtl';

const DRAFT4 = 'http://json-schema.org/draft-04/schema#';
const bodySchema = {
  $schema: DRAFT4, title: 'CreateThing', type: 'object', required: ['name'], additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[a-z]+$' },
    tags: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 10 } },
  },
} as const;
const querySchema = {
  $schema: DRAFT4, type: 'object', additionalProperties: false, required: ['limit'],
  properties: { limit: { type: 'string', maxLength: 3, pattern: '^[0-9]+$' }, cursor: { type: 'string', maxLength: 64 } },
} as const;
const idSchema = {
  $schema: DRAFT4, type: 'object', additionalProperties: false, required: ['id'],
  properties: { id: { type: 'string', minLength: 36, maxLength: 36 } },
} as const;

interface Fixture {
  app: App;
  stack: Stack;
  network: SecureVpc;
  fn: SecureFunction;
  authorizer: apigateway.RequestAuthorizer;
  zone: route53.IHostedZone;
  logsKey: LogsKey;
  webAcl: wafv2.CfnWebACL;
  integration: apigateway.LambdaIntegration;
}

function fixture(context: Record<string, unknown> = {}): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1, logsKey: logsKey.key });
  const entry = join(__dirname, 'fixtures', 'echo-handler.ts');
  const fn = new SecureFunction(stack, 'Fn', { entry, description: 'test backend', vpc: network.vpc, logsKey: logsKey.key });
  const authFn = new SecureFunction(stack, 'AuthFn', { entry, description: 'test authorizer', vpc: network.vpc, logsKey: logsKey.key });
  const authorizer = new apigateway.RequestAuthorizer(stack, 'Authorizer', {
    handler: authFn.function,
    identitySources: [apigateway.IdentitySource.header('Authorization')],
  });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLE', zoneName: 'example.com' });
  const webAcl = new wafv2.CfnWebACL(stack, 'WebAcl', {
    scope: 'REGIONAL', defaultAction: { allow: {} },
    visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'acl', sampledRequestsEnabled: true },
  });
  new wafv2.CfnLoggingConfiguration(stack, 'WebAclLogging', {
    resourceArn: webAcl.attrArn,
    logDestinationConfigs: [new SecureLogGroup(stack, 'WafLogs', { encryptionKey: logsKey.key, logGroupName: 'aws-waf-logs-test' }).logGroupArn],
  });
  const integration = new apigateway.LambdaIntegration(fn.function);
  return { app, stack, network, fn, authorizer, zone, logsKey, webAcl, integration };
}

function standardRoutes(f: Fixture): SecureRouteOptions[] {
  return [
    { method: HttpMethod.GET, path: '/things', integration: f.integration, querySchema },
    { method: HttpMethod.POST, path: '/things', integration: f.integration, bodySchema },
    { method: HttpMethod.GET, path: '/things/{id}', integration: f.integration, pathSchema: idSchema },
    { method: HttpMethod.PUT, path: '/things/{id}', integration: f.integration, bodySchema, pathSchema: idSchema },
    { method: HttpMethod.DELETE, path: '/things/{id}', integration: f.integration },
    { method: HttpMethod.POST, path: '/auth/token', integration: f.integration, noRequestBody: true, category: RouteCategory.AUTH, requiredHeaders: ['X-Requested-With'] },
    { method: HttpMethod.GET, path: '/health', integration: f.integration },
  ];
}

function build(overrides: Partial<SecureRestApiProps> = {}, f: Fixture = fixture(), withWebAcl = true): Fixture & { api: SecureRestApi } {
  const api = new SecureRestApi(f.stack, 'Api', {
    domain: { domainName: 'api.example.com', hostedZone: f.zone },
    authorizer: f.authorizer,
    logsKey: f.logsKey.key,
    publicRoutes: [
      { method: HttpMethod.GET, path: '/health' },
      { method: HttpMethod.POST, path: '/auth/token', reason: 'Token exchange: the caller presents an authorization code, not yet a bearer token.' },
    ],
    routes: standardRoutes(f),
    ...overrides,
  });
  // The fixture's authorizer is a bare Lambda authorizer, so the construct leaves AwsSolutions-COG4 to its owner (this test).
  if (overrides.authorizer === undefined) {
    Acknowledgements.of(api).add('AwsSolutions-COG4', 'Test fixture: the methods use a Lambda REQUEST authorizer on purpose; a Cognito authorizer is not under test.');
  }
  // How users attach a web ACL (WebFirewall.associateStage() makes the same association; see web-firewall.test.ts).
  if (withWebAcl) new wafv2.CfnWebACLAssociation(f.stack, 'WebAclAssociation', { resourceArn: api.stage.stageArn, webAclArn: f.webAcl.attrArn });
  return { ...f, api };
}

function methodResource(t: Template, httpMethod: string, pathPart: string): { logicalId: string; props: Record<string, any> } {
  const resources = t.findResources('AWS::ApiGateway::Resource');
  const wanted = Object.entries(resources).filter(([, r]) => r.Properties.PathPart === pathPart).map(([id]) => id);
  const methods = t.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: httpMethod } });
  const found = Object.entries(methods).find(([, m]) => wanted.includes(m.Properties.ResourceId?.Ref));
  if (!found) throw new Error(`no ${httpMethod} on ${pathPart}`);
  return { logicalId: found[0], props: found[1].Properties };
}

describe('SecureRestApi', () => {
  // One shared build for the read-only assertions (synth is the slow part).
  const built = build();
  const t = Template.fromStack(built.stack);

  test('the custom domain uses the TLS 1.3-only enhanced policy with STRICT endpoint access, regional', () => {
    t.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.example.com',
      SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09',
      EndpointAccessMode: 'STRICT',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      RegionalCertificateArn: Match.anyValue(),
    });
  });

  test('the certificate is DNS-validated in the zone, the API is mapped and aliased (A record) in the zone', () => {
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'api.example.com', ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z0123456789EXAMPLE' }],
    });
    t.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    t.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'api.example.com.', Type: 'A', HostedZoneId: 'Z0123456789EXAMPLE',
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
  });

  test('the execute-api endpoint is disabled and the API is regional without compression', () => {
    t.hasResourceProperties('AWS::ApiGateway::RestApi', {
      DisableExecuteApiEndpoint: true,
      EndpointConfiguration: { Types: ['REGIONAL'] },
      MinimumCompressionSize: Match.absent(),
    });
  });

  test('every method that takes input has a validator, body methods a draft-04 model', () => {
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    for (const m of methods) {
      const takesInput = m.RequestModels !== undefined || Object.keys(m.RequestParameters ?? {}).length > 0;
      if (takesInput) expect(m.RequestValidatorId).toBeDefined();
    }
    const post = methodResource(t, 'POST', 'things').props;
    expect(post.RequestModels).toEqual({ 'application/json': expect.anything() });
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: false, ValidateRequestParameters: true });
    t.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({ $schema: DRAFT4, additionalProperties: false, required: ['name'] }),
    });
    // The same schema object is one model, shared by POST /things and PUT /things/{id}.
    t.resourceCountIs('AWS::ApiGateway::Model', 1);
  });

  test('two different schemas with one title get two models (construct ids and model names distinct), the first keeping the plain id', () => {
    // GIVEN two body schemas that share the title 'Thing' but differ, on two routes
    const f = fixture();
    const other = { ...bodySchema, title: 'Thing', properties: { name: { type: 'string', minLength: 1, maxLength: 20 } } };
    const first = { ...bodySchema, title: 'Thing' };
    const { api } = build({
      routes: [
        { method: HttpMethod.POST, path: '/things', integration: f.integration, bodySchema: first },
        { method: HttpMethod.PUT, path: '/things/{id}', integration: f.integration, bodySchema: other, pathSchema: idSchema },
      ],
      publicRoutes: [],
    }, f);
    // WHEN synthesized  THEN two models, each with its own schema, and the first keeps the id it had before
    const models = Object.values(Template.fromStack(f.stack).findResources('AWS::ApiGateway::Model')).map((m) => m.Properties);
    expect(models).toHaveLength(2);
    expect(new Set(models.map((m) => m.Name)).size).toBe(2);
    expect(models.map((m) => m.Schema.properties.name.maxLength).sort()).toEqual([20, 50]);
    expect(api.restApi.node.tryFindChild('ThingModel')).toBeDefined();
    expect(api.restApi.node.tryFindChild('ThingModel2')).toBeDefined();
  });

  test('required query-string, path and header parameters are declared in requestParameters', () => {
    expect(methodResource(t, 'GET', 'things').props.RequestParameters).toEqual({
      'method.request.querystring.limit': true, 'method.request.querystring.cursor': false,
    });
    expect(methodResource(t, 'GET', '{id}').props.RequestParameters).toEqual({ 'method.request.path.id': true });
    expect(methodResource(t, 'POST', 'token').props.RequestParameters).toEqual({ 'method.request.header.X-Requested-With': true });
  });

  test('every method except the public allow-list uses the authorizer; public ones have none', () => {
    const authorizerId = Object.keys(t.findResources('AWS::ApiGateway::Authorizer'))[0];
    const methods = t.findResources('AWS::ApiGateway::Method');
    const publicIds = [methodResource(t, 'GET', 'health').logicalId, methodResource(t, 'POST', 'token').logicalId];
    expect(Object.keys(methods)).toHaveLength(7);
    for (const [id, m] of Object.entries(methods)) {
      if (publicIds.includes(id)) {
        expect(m.Properties.AuthorizationType).toBe('NONE');
        expect(m.Properties.AuthorizerId).toBeUndefined();
      } else {
        expect(m.Properties.AuthorizationType).toBe('CUSTOM');
        expect(m.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  test('stage: throttling, X-Ray, ERROR execution logs without data tracing, no cache', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([{
        HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true,
        CachingEnabled: false, ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200,
      }]),
    });
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    expect(stage.CacheClusterEnabled).toBeFalsy();
    for (const s of stage.MethodSettings) {
      expect(s.DataTraceEnabled).toBe(false);
      expect(s.LoggingLevel).toBe('ERROR');
    }
  });

  test('write routes have tighter per-method throttles, auth routes their capacity throttle; reads use the stage limits', () => {
    const settings: any[] = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0].Properties.MethodSettings;
    const of = (method: string, path: string) => settings.find((s) => s.HttpMethod === method && s.ResourcePath === path);
    expect(of('POST', '/~1things')).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(of('PUT', '/~1things~1{id}')).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(of('DELETE', '/~1things~1{id}')).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(of('POST', '/~1auth~1token')).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 50 });
    expect(of('GET', '/~1things')).toBeUndefined();
  });

  test('JSON access logs with WAF, authorizer and TLS fields go to a KMS-encrypted log group with retention', () => {
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(format).toMatchObject({
      wafResponseCode: '$context.wafResponseCode', authorizerError: '$context.authorizer.error',
      tlsVersion: '$context.tlsVersion', cipherSuite: '$context.cipherSuite', requestId: '$context.requestId',
    });
    const logGroupId = stage.AccessLogSetting.DestinationArn['Fn::GetAtt'][0];
    const lg = t.toJSON().Resources[logGroupId].Properties;
    expect(lg.KmsKeyId).toBeDefined();
    expect(lg.RetentionInDays).toBe(365);
    expect(JSON.stringify(format)).not.toMatch(/header|Authorization|requestBody/i);
  });

  test('fails if a value the client chooses can forge fields of the access log line (API Gateway does not escape $context values)', () => {
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0].Properties;
    const template = stage.AccessLogSetting.Format as string;
    // GIVEN the worst value each kind of variable can take (API Gateway never escapes them, so each must come from a fixed
    // alphabet), and the hostile value a client-chosen variable would carry
    const hostile = 'x","sourceIp":"203.0.113.7';
    const sample: Record<AccessLogVariableKind, string> = {
      'generated': 'abc-123_4.5:6/7', 'fixed-text': 'Endpoint request timed out', 'log-safe-principal': '#sha256:0123abcd',
    };
    const variables = template.match(/\$context\.[A-Za-z.]+/g) ?? [];
    for (const v of variables) expect([v, ACCESS_LOG_VARIABLES[v]]).toEqual([v, expect.any(String)]);
    // WHEN API Gateway renders the line THEN it parses, with exactly the fields of the template
    const line = template.replace(/\$context\.[A-Za-z.]+/g, (v) => sample[ACCESS_LOG_VARIABLES[v]]);
    const parsed = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual(Object.keys(ACCESS_LOG_FIELDS));
    expect(parsed.sourceIp).toBe(sample.generated);
    // ... which a client-chosen variable would break: the same line with the user agent added carries a forged sourceIp
    const forged = JSON.parse(line.replace('}', `,"userAgent":"${hostile}"}`)) as Record<string, string>;
    expect(forged.sourceIp).toBe('203.0.113.7');
    // Client-chosen variables are not in the line: the user agent, the raw path, the validation error text, the error message.
    for (const v of ['$context.identity.userAgent', '$context.path"', '$context.error.validationErrorString', '$context.error.message']) {
      expect([v, template.includes(v)]).toEqual([v, false]);
    }
    // A field with a variable not known to be safe fails at synth, naming the field and the fix.
    expect(() => accessLogFormat({ ...ACCESS_LOG_FIELDS, userAgent: '$context.identity.userAgent' }))
      .toThrow(/Access log field userAgent: \$context\.identity\.userAgent is not known to be safe unescaped.*Fix:/);
  });

  test('the execution log group is created ahead, encrypted and with retention, before the stage', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: Match.anyValue() }, '/v1']] },
      KmsKeyId: Match.anyValue(), RetentionInDays: 365,
    });
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0];
    expect(stage.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/ApiExecutionLogs/)]));
  });

  test('the node.defaultChild is the CfnRestApi', () => {
    expect(built.api.node.defaultChild).toBeInstanceOf(apigateway.CfnRestApi);
    expect(built.api.node.defaultChild).toBe(built.api.restApi.node.defaultChild);
  });

  test('by default the account-wide CloudWatch role and AWS::ApiGateway::Account are not created (one per account and region)', () => {
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
    t.resourcePropertiesCountIs('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] },
    }, 0);
    expect(built.api.cloudWatchRole).toBeUndefined();
    expect(built.api.cloudWatchAccount).toBeUndefined();
  });

  test('with cloudWatchRole: true the account role is explicit (no CDK default role), uses a managed policy and is set before the stage', () => {
    const opted = build({ cloudWatchRole: true });
    const t = Template.fromStack(opted.stack);
    t.resourceCountIs('AWS::ApiGateway::Account', 1);
    const stage = Object.values(t.findResources('AWS::ApiGateway::Stage'))[0];
    expect(stage.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/ApiAccount/)]));
    expect(opted.api.cloudWatchAccount).toBeInstanceOf(apigateway.CfnAccount);
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } },
    });
    const [roleId, role] = Object.entries(roles)[0];
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.DeletionPolicy).toBe('Retain');
    const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    expect(JSON.stringify(policy.Properties.PolicyDocument.Statement)).toContain(':logs:eu-west-1:123456789012:log-group:*');
    expect(policy.DeletionPolicy).toBe('Retain');
    t.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  test('cloudWatchRoleRemovalPolicy applies to the account role and its policy together', () => {
    const t = Template.fromStack(build({ cloudWatchRole: true, cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY }).stack);
    const [roleId, role] = Object.entries(t.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] } },
    }))[0];
    const policy = Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleId }] } }))[0];
    expect([role.DeletionPolicy, policy.DeletionPolicy]).toEqual(['Delete', 'Delete']);
  });

  test('fails if cloudWatchRoleRemovalPolicy is given without cloudWatchRole', () => {
    expect(() => build({ cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/Test\/Api: invalid cloudWatchRoleRemovalPolicy = "destroy"\. Fix: .*cloudWatchRole: true/);
  });

  test.each([
    ['UNAUTHORIZED', '401', 'unauthorized'], ['ACCESS_DENIED', '403', 'forbidden'], ['THROTTLED', '429', 'rate_limited'],
    ['BAD_REQUEST_BODY', '400', 'validation_failed'], ['BAD_REQUEST_PARAMETERS', '400', 'validation_failed'],
    ['REQUEST_TOO_LARGE', '413', 'payload_too_large'], ['WAF_FILTERED', '403', 'forbidden'],
    ['DEFAULT_4XX', undefined, 'bad_request'], ['DEFAULT_5XX', undefined, 'internal_error'],
  ])('gateway response %s answers %s with a JSON error body and security headers', (type, status, code) => {
    const responses = Object.values(t.findResources('AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
    const r = responses.find((x) => x.ResponseType === type)!;
    expect(r).toBeDefined();
    expect(r.StatusCode).toBe(status);
    expect(r.ResponseParameters).toMatchObject({
      'gatewayresponse.header.Strict-Transport-Security': "'max-age=63072000; includeSubDomains; preload'",
      'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
      'gatewayresponse.header.Cache-Control': "'no-store'",
    });
    const template: string = r.ResponseTemplates['application/json'];
    expect(template).toMatch(new RegExp(`^\\{"error":\\{"code":"${code}","message":`));
    // With the variables replaced by a JSON string, the body is valid JSON of the agreed shape.
    const rendered = JSON.parse(template.replace(/"?\$context\.error\.\w+"?/g, '"x"'));
    expect(rendered).toEqual({ error: { code, message: expect.any(String) } });
  });

  test('a 400 body error answers a fixed message: the raw validation string (which can echo the request) is never in the body', () => {
    const r = Object.values(t.findResources('AWS::ApiGateway::GatewayResponse')).map((x) => x.Properties)
      .find((x) => x.ResponseType === 'BAD_REQUEST_BODY')!;
    expect(r.ResponseTemplates['application/json']).toBe('{"error":{"code":"validation_failed","message":"Invalid request body"}}');
  });

  describe('every gateway response, rendered by a Velocity engine with hostile variable values, is valid JSON of the error shape', () => {
    const templates = mappingTemplates(t).filter((x) => x.where.includes('('));
    test('there is one per configured response type, all application/json', () => {
      expect(templates.map((x) => x.contentType)).toEqual(Array(11).fill('application/json'));
    });
    test.each(templates.map((x) => [x.where, x.template]))('fails if %s renders invalid JSON for any hostile value', (_, template) => {
      expect(unresolvedReferences(renderTemplate(template, 'x'))).toEqual([]);
      for (const value of HOSTILE_VALUES) {
        const rendered = renderTemplate(template, value);
        let body: unknown;
        expect(() => { body = JSON.parse(rendered); }).not.toThrow();
        expect(body).toEqual({ error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) } });
      }
    });
  });

  test('only public methods acknowledge APIG4; behind a Lambda authorizer other than JwtAuthorizer, COG4 reaches the user', () => {
    const acks = (id: string): string[] => built.api.restApi.methods
      .filter((m) => m.node.metadata.some((e) => JSON.stringify(e.data ?? '').includes(id)))
      .map((m) => `${m.httpMethod} ${m.resource.path}`).sort();
    expect(acks('AwsSolutions-APIG4')).toEqual(['GET /health', 'POST /auth/token']);
    expect(acks('AwsSolutions-COG4')).toEqual(['GET /health', 'POST /auth/token']); // the public allow-list only
    // GIVEN the same API without the owner's acknowledgement (build() makes it for the bare authorizer)
    const f = fixture();
    new SecureRestApi(f.stack, 'Api', {
      domain: { domainName: 'api.example.com', hostedZone: f.zone }, authorizer: f.authorizer, logsKey: f.logsKey.key,
      routes: [{ method: HttpMethod.GET, path: '/things', integration: f.integration }],
    });
    // THEN COG4 is the user's decision
    expect(ruleFindings(f.app).filter((x) => x.rule === 'AwsSolutions-COG4').map((x) => x.path)).toEqual(['Test/Api/Resource/Default/things/GET/Resource']);
  });

  test('methods behind a JwtAuthorizer acknowledge AwsSolutions-COG4 with what that authorizer verifies', () => {
    const f = fixture();
    const jwt = new JwtAuthorizer(f.stack, 'Jwt', {
      vpc: f.network.vpc, logsKey: f.logsKey.key, issuer: 'https://issuer.example.com', audience: ['client-1'],
      jwksUri: 'https://issuer.example.com/.well-known/jwks.json', routes: [{ method: HttpMethod.GET, path: '/things', roles: ['reader'], scopes: ['https://api.example.com/things.read'] }],
    });
    new SecureRestApi(f.stack, 'Api', {
      domain: { domainName: 'api.example.com', hostedZone: f.zone }, authorizer: jwt.authorizer, logsKey: f.logsKey.key,
      routes: [{ method: HttpMethod.GET, path: '/things', integration: f.integration }],
    });
    expect(ruleFindings(f.app).filter((x) => x.rule === 'AwsSolutions-COG4')).toEqual([]);
    const [ack] = acknowledgements(f.app).filter((a) => a.id === 'AwsSolutions-COG4');
    expect(ack.path).toBe('Test/Api/Resource/Default/things/GET');
    expect(ack.reason).toMatch(/verifies the bearer JWT/);
  });

  test('public OPTIONS routes acknowledge only the findings they raise (every acknowledgement is needed)', () => {
    const f = fixture();
    const preflight: apigateway.MethodResponse = { statusCode: '204', responseParameters: { 'method.response.header.Access-Control-Allow-Origin': true } };
    const b = build({
      routes: [...standardRoutes(f),
        { method: HttpMethod.OPTIONS, path: '/auth/token', integration: f.integration, category: RouteCategory.AUTH },
        { method: HttpMethod.OPTIONS, path: '/health', integration: f.integration, methodResponses: [preflight] }],
      publicRoutes: [{ method: HttpMethod.GET, path: '/health' }, { method: HttpMethod.POST, path: '/auth/token' },
        { method: HttpMethod.OPTIONS, path: '/auth/token' }, { method: HttpMethod.OPTIONS, path: '/health' }],
    }, f);
    expect(formatFindings(ruleFindings(b.app))).toBe('');
    const acksOf = (path: string) => b.api.restApi.methods.find((m) => m.httpMethod === 'OPTIONS' && m.resource.path === path)!
      .node.metadata.flatMap((e) => Object.keys((e.data ?? {}) as object)).filter((k) => /APIG4|COG4/.test(k) && isNamespacedNagAcknowledgement(k));
    expect(acksOf('/auth/token')).toEqual([expect.stringMatching(/AwsSolutions-APIG4/)]);
    expect(acksOf('/health')).toEqual([]);
    // Removing every acknowledgement brings back a finding for each one.
    // cdk-nag acknowledgements (Control Tower ones are proven in test/compliance/rule-packs.test.ts).
    const acked = acknowledgements(b.app).filter((a) => !a.id.startsWith(BUILT_IN_VALIDATION) && !a.id.startsWith('cdk-validator-cfnguard::') && a.path.startsWith('Test/Api/'));
    expect(acked.length).toBeGreaterThan(10);
    const findings = ruleFindingsWithout(b.app, b.app);
    for (const ack of acked) {
      const rule = ack.id.replace(/\[.*$/, '');
      expect([ack.id, findings.some((x) => (x.rule === rule || x.rule === ack.id) && (x.path === ack.path || x.path.startsWith(`${ack.path}/`)))]).toEqual([ack.id, true]);
    }
  });

  test('the rule packs pass on a stack with the API', () => {
    expect(formatFindings(ruleFindings(built.app))).toBe('');
  });

  test('the rule packs also pass with partition literals on (the acknowledgement names the rendered ARN)', () => {
    const b = build({}, fixture({ '@aws-cdk/core:enablePartitionLiterals': true }));
    expect(formatFindings(ruleFindings(b.app))).toBe('');
  });

  test('an optional resource policy is attached', () => {
    const policy = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['execute-api:Invoke'], resources: ['execute-api:/*'],
        conditions: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] } },
      })],
    });
    const b = build({ policy });
    Template.fromStack(b.stack).hasResourceProperties('AWS::ApiGateway::RestApi', {
      Policy: Match.objectLike({ Statement: [Match.objectLike({ Effect: 'Deny' })] }),
    });
  });

  test('a TLS 1.2 policy is an explicit opt-in with a synth warning', () => {
    const b = build({ securityPolicy: apigateway.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09, allowTls12: true });
    const tpl = Template.fromStack(b.stack);
    tpl.hasResourceProperties('AWS::ApiGateway::DomainName', { SecurityPolicy: 'SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09', EndpointAccessMode: 'STRICT' });
    Annotations.fromStack(b.stack).hasWarning('/Test/Api', Match.stringLikeRegexp('accepts TLS 1.2'));
    // The Control Tower acknowledgement says what the policy accepts (not "TLS 1.3 only").
    const [ack] = acknowledgements(b.app).filter((a) => a.id === 'cdk-validator-cfnguard::api_gw_domain_tls_check');
    expect(ack.reason).toMatch(/^The domain requires SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09 \(TLS 1\.3 and 1\.2\), no weaker than/);
  });

  test('the legacy TLS_1_2 policy renders without an endpoint access mode when opted in', () => {
    const b = build({ securityPolicy: apigateway.SecurityPolicy.TLS_1_2, allowTls12: true });
    Template.fromStack(b.stack).hasResourceProperties('AWS::ApiGateway::DomainName', { SecurityPolicy: 'TLS_1_2', EndpointAccessMode: Match.absent() });
  });

  test('the default TLS 1.3 domain has no TLS warning', () => {
    expect(Annotations.fromStack(built.stack).findWarning('/Test/Api', Match.stringLikeRegexp('TLS 1.2'))).toHaveLength(0);
  });

  test('an existing certificate can be used instead of a new one', () => {
    const f = fixture();
    const certificate = require('aws-cdk-lib/aws-certificatemanager').Certificate
      .fromCertificateArn(f.stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000');
    const b = build({ domain: { domainName: 'api.example.com', hostedZone: f.zone, certificate, basePath: 'v1' } }, f);
    const tpl = Template.fromStack(b.stack);
    tpl.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    tpl.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'v1' });
    expect(b.api.url).toBe('https://api.example.com/v1/');
  });

  test('a backend client certificate can be generated for HTTP backends', () => {
    const b = build({ backendClientCertificate: true });
    const tpl = Template.fromStack(b.stack);
    tpl.resourceCountIs('AWS::ApiGateway::ClientCertificate', 1);
    tpl.hasResourceProperties('AWS::ApiGateway::Stage', { ClientCertificateId: { Ref: Match.stringLikeRegexp('BackendClientCertificate') } });
  });

  test('without a web ACL association the rule packs report the stage', () => {
    const b = build({}, fixture(), false);
    Template.fromStack(b.stack).resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    const rules = ruleFindings(b.app).filter((f) => f.path === 'Test/Api/Resource/DeploymentStage.v1/Resource').map((f) => f.rule).sort();
    expect(rules).toEqual(['AwsSolutions-APIG3', 'NIST.800.53.R5-APIGWAssociatedWithWAF',
      'PCI.DSS.321-APIGWAssociatedWithWAF']);
  });

  describe('stage acknowledgements are made only when every integration and cache setting shows their reason', () => {
    const STAGE = 'Test/Api/Resource/DeploymentStage.v1/Resource';
    const stageRules = (app: App, suffix: string): { findings: string[]; acks: string[] } => ({
      findings: ruleFindings(app).filter((f) => f.path === STAGE && f.rule.endsWith(suffix)).map((f) => f.rule).sort(),
      acks: acknowledgements(app).filter((a) => a.path === STAGE && a.id.endsWith(suffix)).map((a) => a.reason),
    });
    const PACKS = (rule: string) => [`HIPAA.Security-${rule}`, `NIST.800.53.R5-${rule}`, `PCI.DSS.321-${rule}`];

    test('Lambda proxy integrations only: APIGWSSLEnabled is acknowledged, naming the integration type it checked', () => {
      const { findings, acks } = stageRules(built.app, '-APIGWSSLEnabled');
      expect(findings).toEqual([]);
      expect(acks).toHaveLength(3);
      expect(acks[0]).toMatch(/^Every method of this API has an integration of type AWS_PROXY \(checked at synth/);
    });

    test('a MOCK route beside Lambda proxies is named too', () => {
      const f = fixture();
      const b = build({ routes: [...standardRoutes(f), { method: HttpMethod.GET, path: '/static', integration: new apigateway.MockIntegration() }] }, f);
      expect(stageRules(b.app, '-APIGWSSLEnabled').acks[0]).toMatch(/integration of type AWS_PROXY or MOCK/);
    });

    test('an HTTP integration added with addRoute after construction: APIGWSSLEnabled reaches the user', () => {
      // GIVEN
      const b = build();
      // WHEN
      b.api.addRoute({ method: HttpMethod.GET, path: '/legacy', integration: new apigateway.HttpIntegration('https://legacy.example.com/') });
      // THEN
      expect(stageRules(b.app, '-APIGWSSLEnabled')).toEqual({ findings: PACKS('APIGWSSLEnabled'), acks: [] });
    });

    test('the cache reason names what was checked and nothing of any app', () => {
      const { findings, acks } = stageRules(built.app, '-APIGWCacheEnabledAndEncrypted');
      expect(findings).toEqual([]);
      expect(acks).toHaveLength(3);
      expect(acks[0]).toMatch(/^The stage cache is off, checked at synth/);
      expect(acks[0]).not.toMatch(/notes|sample|network stack/i);
    });

    test('a cache cluster turned on through the L1: APIGWCacheEnabledAndEncrypted reaches the user', () => {
      const b = build();
      (b.api.stage.node.defaultChild as apigateway.CfnStage).cacheClusterEnabled = true;
      expect(stageRules(b.app, '-APIGWCacheEnabledAndEncrypted')).toEqual({ findings: PACKS('APIGWCacheEnabledAndEncrypted'), acks: [] });
    });
  });

  describe('fails', () => {
    const synth = (b: { app: App }) => () => b.app.synth();

    test('fails if a method without authorization is not on the public allow-list', () => {
      const b = build();
      b.api.restApi.root.addResource('open').addMethod('GET', b.integration);
      expect(synth(b)).toThrow(/method GET \/open has no authorization and is not on the public allow-list/);
    });

    test('a route missing from the allow-list is authorized, never public', () => {
      const b = build({ publicRoutes: [{ method: HttpMethod.POST, path: '/auth/token', reason: 'Token exchange: the caller presents a code, not a bearer token.' }] });
      const health = b.api.restApi.methods.find((m) => m.resource.path === '/health')!;
      expect((health.node.defaultChild as apigateway.CfnMethod).authorizationType).toBe('CUSTOM');
    });

    test('fails if a method that takes input has no validator', () => {
      const b = build();
      b.api.restApi.root.addResource('raw').addMethod('GET', b.integration, {
        authorizer: b.authorizer, requestParameters: { 'method.request.querystring.q': true },
      });
      expect(synth(b)).toThrow(/method GET \/raw takes input but has no request validator/);
    });

    test('fails if a public allow-list entry matches no method', () => {
      const b = build({ publicRoutes: [{ method: HttpMethod.GET, path: '/health' }, { method: HttpMethod.POST, path: '/auth/token' }, { method: HttpMethod.GET, path: '/debug' }] });
      expect(synth(b)).toThrow(/public allow-list entry GET \/debug matches no method/);
    });

    test('fails if the API has no methods', () => {
      const b = build({ routes: [], publicRoutes: [] });
      expect(b.api.node.validate()).toEqual([expect.stringMatching(/the API has no methods/)]);
    });

    test('fails if a TLS 1.2 policy is chosen without allowTls12', () => {
      expect(() => build({ securityPolicy: apigateway.SecurityPolicy.TLS13_1_2_PQ_2025_09 })).toThrow(/invalid securityPolicy.*allowTls12: true/);
    });

    test('fails if the policy is TLS 1.0 or an edge policy, even with allowTls12', () => {
      expect(() => build({ securityPolicy: apigateway.SecurityPolicy.TLS_1_0, allowTls12: true })).toThrow(/invalid securityPolicy = "TLS_1_0"/);
      expect(() => build({ securityPolicy: apigateway.SecurityPolicy.TLS13_2025_EDGE, allowTls12: true })).toThrow(/invalid securityPolicy/);
    });

    test('fails if endpointAccessMode is set with a legacy policy', () => {
      expect(() => build({ securityPolicy: apigateway.SecurityPolicy.TLS_1_2, allowTls12: true, endpointAccessMode: apigateway.EndpointAccessMode.STRICT }))
        .toThrow(/invalid endpointAccessMode/);
    });

    test('BASIC access mode is allowed only with a warning', () => {
      const b = build({ endpointAccessMode: apigateway.EndpointAccessMode.BASIC });
      Annotations.fromStack(b.stack).hasWarning('/Test/Api', Match.stringLikeRegexp('BASIC'));
    });

    test('fails if the domain name is not inside the hosted zone or not a DNS name', () => {
      const f = fixture();
      expect(() => build({ domain: { domainName: 'api.example.org', hostedZone: f.zone } }, f)).toThrow(/invalid domain.domainName = "api.example.org".*hosted zone example.com/);
      const g = fixture();
      expect(() => build({ domain: { domainName: 'API.Example.com', hostedZone: g.zone } }, g)).toThrow(/invalid domain.domainName/);
    });

    test('fails if the base path has a slash', () => {
      const f = fixture();
      expect(() => build({ domain: { domainName: 'api.example.com', hostedZone: f.zone, basePath: 'a/b' } }, f)).toThrow(/invalid domain.basePath/);
    });

    test('fails if the stage name is invalid', () => {
      expect(() => build({ stageName: 'v 1' })).toThrow(/invalid stageName/);
    });

    test('fails if a throttle is out of range or a per-method throttle exceeds the stage', () => {
      expect(() => build({ throttle: { rateLimit: 0, burstLimit: 10 } })).toThrow(/invalid throttle.rateLimit = 0/);
      expect(() => build({ throttle: { rateLimit: 10, burstLimit: 1.5 } })).toThrow(/invalid throttle.burstLimit = 1.5/);
      expect(() => build({ writeThrottle: { rateLimit: 500, burstLimit: 40 } })).toThrow(/invalid writeThrottle.*at most the stage/);
      expect(() => build({ authThrottle: { rateLimit: 5, burstLimit: 1000 } })).toThrow(/invalid authThrottle.*at most the stage/);
      const f = fixture();
      expect(() => build({ routes: [{ method: HttpMethod.GET, path: '/x', integration: f.integration, throttle: { rateLimit: 1000, burstLimit: 1 } }], publicRoutes: [] }, f))
        .toThrow(/route GET \/x: throttle.*at most the stage/);
    });

    test('fails if a public route entry is malformed or its reason too short', () => {
      expect(() => build({ publicRoutes: [{ method: 'ANY' as HttpMethod, path: '/health' }] })).toThrow(/invalid publicRoutes\[0\].method/);
      expect(() => build({ publicRoutes: [{ method: HttpMethod.GET, path: 'health' }] })).toThrow(/invalid publicRoutes\[0\].path/);
      expect(() => build({ publicRoutes: [{ method: HttpMethod.GET, path: '/health', reason: 'because' }] })).toThrow(/invalid publicRoutes\[0\].reason/);
    });

    describe('routes', () => {
      const add = (route: Partial<SecureRouteOptions>) => {
        const b = build({ routes: [], publicRoutes: [] });
        return () => b.api.addRoute({ method: HttpMethod.GET, path: '/x', integration: b.integration, ...route } as SecureRouteOptions);
      };

      test('fails if the method is ANY or unknown', () => {
        expect(add({ method: 'ANY' as any })).toThrow(/route ANY \/x: method = "ANY"/);
      });

      test('fails if the path is malformed or greedy', () => {
        expect(add({ path: 'x' })).toThrow(/invalid route GET x: path/);
        expect(add({ path: '/x/' })).toThrow(/invalid route GET \/x\/: path/);
        expect(add({ path: '/{proxy+}' })).toThrow(/greedy/);
        expect(add({ path: '/a/{id}/b/{id}' })).toThrow(/appears twice/);
      });

      test('fails if the same route is added twice', () => {
        const b = build({ routes: [], publicRoutes: [] });
        b.api.addRoute({ method: HttpMethod.GET, path: '/x', integration: b.integration });
        expect(() => b.api.addRoute({ method: 'get' as any, path: '/x', integration: b.integration })).toThrow(/declare each method and path once/);
      });

      test('fails if a write route has no body schema and does not declare noRequestBody', () => {
        expect(add({ method: HttpMethod.POST })).toThrow(/route POST \/x: bodySchema = undefined.*noRequestBody: true/);
        expect(add({ method: HttpMethod.PATCH })).toThrow(/bodySchema/);
      });

      test('fails if both bodySchema and noRequestBody are set, or a GET has a body schema', () => {
        expect(add({ method: HttpMethod.POST, bodySchema, noRequestBody: true })).toThrow(/either bodySchema or noRequestBody/);
        expect(add({ method: HttpMethod.GET, bodySchema })).toThrow(/GET requests carry no body/);
      });

      // Every schema problem is covered by secure-rest-api-json-schema.test.ts (pure, no App); these check that each
      // schema a route takes goes through that check and that the error names the route, the prop and the problems.
      test('fails if a body, query or path schema is unbounded (each schema of a route is checked)', () => {
        expect(add({ method: HttpMethod.POST, bodySchema: { type: 'object', properties: { a: { type: 'string', maxLength: 1 } } } }))
          .toThrow(/route POST \/x: bodySchema = "# allows additional properties"/);
        expect(add({ method: HttpMethod.POST, bodySchema: { type: 'object', additionalProperties: false, properties: { a: { type: 'array', maxItems: 2, items: { type: 'string' } } } } }))
          .toThrow(/#\/properties\/a\/items is a string without maxLength.*Fix: use draft-04 keywords only/);
        expect(add({ querySchema: { type: 'object', additionalProperties: false, properties: { q: { type: 'string' } } } }))
          .toThrow(/route GET \/x: querySchema = "#\/properties\/q is a string without maxLength"/);
        expect(add({ path: '/x/{id}', pathSchema: { type: 'object', properties: { id: { type: 'string', maxLength: 3 } } } }))
          .toThrow(/route GET \/x\/\{id\}: pathSchema = "# allows additional properties"/);
      });

      test('fails if a schema is not draft-04 or uses later keywords', () => {
        expect(add({ method: HttpMethod.POST, bodySchema: { ...bodySchema, $schema: 'https://json-schema.org/draft/2020-12/schema' } })).toThrow(/not draft-04/);
        expect(add({ method: HttpMethod.POST, bodySchema: { type: 'object', additionalProperties: false, properties: { a: { const: 'x' } } } }))
          .toThrow(/#\/properties\/a\/const is not a draft-04 keyword/);
      });

      test('fails if the path schema does not declare exactly the path parameters', () => {
        expect(add({ path: '/x/{id}', pathSchema: { type: 'object', additionalProperties: false, properties: { other: { type: 'string', maxLength: 3 } } } }))
          .toThrow(/pathSchema.properties = \["other"\].*\["id"\]/);
      });

      test('fails if a query parameter is not a string', () => {
        expect(add({ querySchema: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer' } } } }))
          .toThrow(/querySchema.properties.n.type = "integer"/);
      });

      test('fails if a required header name is invalid', () => {
        expect(add({ requiredHeaders: ['X Bad'] })).toThrow(/requiredHeaders = "X Bad"/);
      });
    });
  });
});
