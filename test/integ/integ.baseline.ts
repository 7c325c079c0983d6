/**
 * Integration tests for a real account, run by integ-runner when credentials exist:
 *   npx --yes @aws-cdk/integ-runner --directory test/integ --app "npx tsx {filePath}"
 * They deploy one throw-away stage ("integ", under your configured hosted zone) and a probe
 * Lambda outside the VPC, then assert from the internet: TLS 1.3 only + HSTS, HTTP 301,
 * 401 without a token, a signed-in note round trip through RDS IAM auth, 429 on a login
 * burst, 403 on an SQL-injection probe, and no route to the database from outside the VPC.
 * `npm test` synthesizes this app and snapshot-checks it (test/integ/integ.test.ts) so it never rots.
 */
import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildStage, StageStacks } from '../../app/baseline';
import { parseConfig } from '../../app/config';
import { exampleBaselineConfig, projectApp } from '../helpers/baseline';

export const INTEG_CHECKS = ['alb-tls', 'api-tls', 'http-redirect', 'unauthenticated', 'signed-in-note', 'sql-injection', 'login-burst', 'database-private'] as const;

export function buildIntegApp(context: Record<string, unknown> = {}): { app: App; stacks: StageStacks; probe: Stack; integ: IntegTest } {
  const baseline = exampleBaselineConfig();
  // One disposable stage modelled on dev, with its own names and DNS labels so it never collides with a real stage.
  // It keeps the load balancer (the example dev turns it off to save its cost) so the ALB entry's TLS 1.3, redirect and HSTS checks run.
  baseline.projectName = `${baseline.projectName}-integ`;
  baseline.stages = { integ: { ...baseline.stages.dev, subdomain: 'integ', removalPolicy: 'destroy', deletionProtection: false, loadBalancer: true } };
  // Validated as `cdk synth` validates (under integ-runner the same validator is registered by default; see test/helpers/builtin-validation.ts).
  const app = projectApp({ ...context, baseline });
  const config = parseConfig(baseline);
  const stage = config.stages[0];
  const stacks = buildStage(app, config, stage);

  // The test user signs in with the admin password flow; the product's app client allows SRP only,
  // so the flow is enabled here, for the disposable integ stage only.
  const directory = stacks.identity.directory!;
  const client = directory.userPoolClient.node.defaultChild as cognito.CfnUserPoolClient;
  client.explicitAuthFlows = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'];

  const probe = new Stack(app, `${config.projectName}-probe`, { env: { account: stage.account, region: stage.region } });
  const fn = new nodejs.NodejsFunction(probe, 'Probe', {
    functionName: `${config.projectName}-probe`,
    entry: join(__dirname, 'probe', 'handler.ts'),
    runtime: lambda.Runtime.NODEJS_LATEST,
    architecture: lambda.Architecture.ARM_64,
    timeout: Duration.minutes(5),
    memorySize: 256,
    description: 'Integration-test probe: checks the deployed stage from outside the VPC',
    environment: {
      API_HOST: `api.${stacks.api.stageDomainName}`,
      APP_HOST: `app.${stacks.api.stageDomainName}`,
      DB_HOST: stacks.data.database.endpointAddress,
      DB_PORT: String(stacks.data.database.port),
      USER_POOL_ID: directory.userPool.userPoolId,
      CLIENT_ID: directory.clientId,
    },
    bundling: { minify: true, forceDockerBundling: false },
  });
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminDeleteUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminInitiateAuth', 'cognito-idp:AdminRespondToAuthChallenge'],
    resources: [directory.userPool.userPoolArn],
  }));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cognito-idp:AssociateSoftwareToken', 'cognito-idp:VerifySoftwareToken'], resources: ['*'] }));
  probe.addDependency(stacks.api);

  const integ = new IntegTest(app, 'BaselineInteg', {
    testCases: [stacks.network, stacks.data, stacks.identity, stacks.api, probe],
    cdkCommandOptions: { destroy: { args: { force: true } } },
    diffAssets: false,
  });
  for (const check of INTEG_CHECKS) {
    integ.assertions
      .invokeFunction({ functionName: fn.functionName, payload: JSON.stringify({ check }) })
      .expect(ExpectedResult.objectLike({ Payload: '"PASS"' }))
      .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
  }
  return { app, stacks, probe, integ };
}

if (require.main === module) {
  buildIntegApp().app.synth();
}
