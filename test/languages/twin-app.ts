/**
 * The TypeScript twin of the Python app (test/python/baseline_app.py) and the Java app (test/java): the same stacks,
 * construct ids and props, written with the TypeScript API. test/languages/languages.test.ts synthesizes it and the
 * other languages' tests compare their templates and the Aspect's findings and changes with what it writes.
 *
 * Stacks: `Edge` (a VPC, a JWT authorizer with its own route table, a web firewall; the Aspect in report mode finds
 * nothing in the library's own constructs), `LegacyReport` (stock aws-cdk-lib resources, the Aspect in report mode
 * lists what is missing) and `LegacyFix` (the same resources, the Aspect in fix mode raises them).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, AspectPriority, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Acknowledgements, HttpMethod, JwtAuthorizer, LogsKey, SecureRestApi, SecureVpc, SecurityBaseline, SecurityBaselineMode, WebFirewall } from '../../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Twin12345';

/**
 * Stock resources a team already has (a bucket, a log group and a queue, as aws-cdk-lib makes them by default), with
 * the findings the team accepts acknowledged on the resource: every control in `acknowledged` (`LOGS2` and `BUCKET3`
 * only report, so fix mode leaves them to the team).
 */
function legacyResources(scope: Construct, acknowledged: string[]): void {
  const bucket = new s3.Bucket(scope, 'Uploads', { removalPolicy: RemovalPolicy.DESTROY });
  const logGroup = new logs.LogGroup(scope, 'AppLogs', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: RemovalPolicy.DESTROY });
  new sqs.Queue(scope, 'Jobs', { visibilityTimeout: Duration.seconds(60) });
  const reason = 'Twin test: the team keeps this stock default for now, recorded as an acknowledged finding.';
  for (const control of acknowledged) {
    Acknowledgements.of(control.startsWith('BUCKET') ? bucket : logGroup).add(`SecurityBaseline::SecurityBaseline-${control}`, reason);
  }
}

/** What a language's app writes beside its cloud assembly: the Aspects' findings and changes, for comparison. */
export interface TwinOutcome {
  readonly edgeFindings: string[];
  readonly reportFindings: string[];
  readonly fixChanges: string[];
}

/** Synthesizes the twin app into `outdir`; writes `outcome.json` there and returns it. */
export function synthesizeTwin(outdir: string): TwinOutcome {
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir, analyticsReporting: false });

  const edge = new Stack(app, 'Edge', { env: ENV });
  const logsKey = new LogsKey(edge, 'Logs', { removalPolicy: RemovalPolicy.DESTROY });
  const network = new SecureVpc(edge, 'Network', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1, logsKey: logsKey.key, logRemovalPolicy: RemovalPolicy.DESTROY,
  });
  const routes = [
    { method: HttpMethod.GET, path: '/orders', roles: ['clerk', 'admin'], scopes: ['https://orders.example.com/orders.read'] },
    { method: HttpMethod.POST, path: '/orders', roles: ['clerk'], scopes: ['https://orders.example.com/orders.write'] },
    { method: HttpMethod.DELETE, path: '/orders/{id}', roles: ['admin'], scopes: ['https://orders.example.com/orders.admin'] },
  ];
  const authorizer = new JwtAuthorizer(edge, 'Authorizer', {
    vpc: network.vpc,
    logsKey: logsKey.key,
    issuer: ISSUER,
    audience: ['twin0client0id'],
    jwksUri: `${ISSUER}/.well-known/jwks.json`,
    routes,
  });
  const zone = route53.HostedZone.fromHostedZoneAttributes(edge, 'Zone', { hostedZoneId: 'Z0123456789TWINZONE', zoneName: 'orders.example.com' });
  const api = new SecureRestApi(edge, 'Api', {
    domain: { domainName: 'api.orders.example.com', hostedZone: zone },
    authorizer: authorizer.authorizer,
    logsKey: logsKey.key,
    logRemovalPolicy: RemovalPolicy.DESTROY,
  });
  const integration = new apigateway.MockIntegration({
    requestTemplates: { 'application/json': '{"statusCode": 200}' },
    integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': '{}' } }],
  });
  for (const route of routes) {
    api.addRoute({ method: route.method, path: route.path, integration, methodResponses: [{ statusCode: '200' }], noRequestBody: route.method !== HttpMethod.POST,
      ...(route.method === HttpMethod.POST ? { bodySchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', additionalProperties: false, required: ['sku'], properties: { sku: { type: 'string', maxLength: 32 } } } } : {}) });
  }
  const firewall = new WebFirewall(edge, 'Firewall', {
    logsKey: logsKey.key,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    rateLimit: { limit: 1000 },
    authRateLimit: { limit: 100, paths: ['/auth/'] },
  });
  firewall.associateStage(api.stage);
  const edgeBaseline = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
  Aspects.of(edge).add(edgeBaseline);

  const legacyReport = new Stack(app, 'LegacyReport', { env: ENV });
  legacyResources(legacyReport, ['BUCKET1', 'BUCKET3', 'LOGS1', 'LOGS2']);
  const report = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
  Aspects.of(legacyReport).add(report);

  const legacyFix = new Stack(app, 'LegacyFix', { env: ENV });
  legacyResources(legacyFix, ['BUCKET3', 'LOGS2']);
  const fix = new SecurityBaseline({ mode: SecurityBaselineMode.FIX });
  Aspects.of(legacyFix).add(fix, { priority: AspectPriority.MUTATING });

  app.synth();
  const outcome: TwinOutcome = {
    edgeFindings: edgeBaseline.findings.map((f) => `${f.controlId} ${f.path} acknowledged=${f.acknowledged}`).sort(),
    reportFindings: report.findings.map((f) => `${f.controlId} ${f.path} acknowledged=${f.acknowledged}`).sort(),
    fixChanges: fix.changes.map((c) => `${c.controlId} ${c.path}: ${c.change}`).sort(),
  };
  writeFileSync(join(outdir, 'outcome.json'), `${JSON.stringify(outcome, null, 2)}\n`);
  return outcome;
}

/** The template of one stack of a synthesized twin. */
export function twinTemplate(outdir: string, stack: string): unknown {
  return JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'));
}
