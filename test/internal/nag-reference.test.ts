import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { App, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { rules } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { nagText } from '../../lib/internal/nag-reference';

const ENVIRONMENTS = [['environment-agnostic', undefined], ['eu-west-1 / 111111111111', { account: '111111111111', region: 'eu-west-1' }]] as const;

describe.each(ENVIRONMENTS)('nagText in a %s stack', (_, env) => {
  // GIVEN values of every shape a policy resource takes: literals, pseudo parameters, Ref, GetAtt, Join, Sub, ImportValue
  const app = new App();
  const stack = new Stack(app, 'Values', { env });
  const producer = new Stack(app, 'Producer', { env });
  const bucket = new s3.Bucket(stack, 'Bucket');
  const exported = new s3.Bucket(producer, 'Exported');
  const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
  const values: Record<string, unknown> = {
    'a literal': '*',
    'an ARN of pseudo parameters': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'RDSOSMetrics', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    'an ARN with a suffix': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
    'a Ref': bucket.bucketName,
    'a GetAtt with a suffix': `${fn.functionArn}:*`,
    'a Join of a GetAtt': `${bucket.bucketArn}/*`,
    'a Sub': Fn.sub('arn:${AWS::Partition}:s3:::${Name}/*', { Name: 'logs' }),
    'a value of another stack': exported.bucketArn,
    'an ImportValue': Fn.importValue('SharedArn'),
  };

  test.each(Object.keys(values))('renders %s as cdk-nag does', (name) => {
    // WHEN / THEN
    expect(nagText(bucket, values[name])).toBe(flattenCfnReference(stack.resolve(values[name])));
  });
});

describe.each(ENVIRONMENTS)('an IAM5 acknowledgement written with nagText in a %s stack', (_, env) => {
  function roleWithWildcard(): { role: iam.Role; findings: () => string[]; resource: string } {
    const stack = new Stack(new App(), 'Roles', { env });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com') });
    const resource = `${stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: 'RDSOSMetrics', arnFormat: ArnFormat.COLON_RESOURCE_NAME })}:log-stream:*`;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [resource] }));
    const findings = () => {
      const policy = stack.node.findAll().find((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy)!;
      const result = rules.iam.IAMNoWildcardPermissions(policy);
      return Array.isArray(result) ? result : [];
    };
    return { role, findings, resource };
  }

  test('names exactly the finding cdk-nag reports', () => {
    // GIVEN a role whose policy has a wildcard resource
    const { role, findings, resource } = roleWithWildcard();
    // WHEN the finding id is written from the policy's own value
    const acknowledged = `Resource::${nagText(role, resource)}`;
    // THEN it is the one finding of the rule
    expect(findings()).toEqual([acknowledged]);
  });
});

describe('one rendering of values for cdk-nag finding ids', () => {
  test('fails if a library file writes a pseudo parameter or an attribute the way cdk-nag renders it instead of calling nagText', () => {
    // GIVEN every TypeScript file of lib/ but the renderer itself
    const root = join(__dirname, '..', '..', 'lib');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('nag-reference.ts'));
    // WHEN looking for hand-written renderings: `<AWS::Region>` and friends, or `<${logicalId}.Arn>`
    const offenders = files.flatMap((f) => readFileSync(join(root, f), 'utf8').split('\n')
      .map((line, i) => ({ where: `lib/${f}:${i + 1}`, line }))
      .filter(({ line }) => /<AWS::|\}\.(Arn|[A-Z]\w*)>/.test(line)));
    // THEN there are none
    expect(offenders.map((o) => `${o.where}: ${o.line.trim()}`)).toEqual([]);
  });
});
