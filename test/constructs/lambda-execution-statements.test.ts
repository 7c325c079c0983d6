import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ServiceKey } from '../../lib/constructs/encryption-keys';
import { IamAuthDatabase } from '../../lib/constructs/iam-auth-database';
import { DatabaseBootstrap } from '../../lib/constructs/iam-auth-database/bootstrap';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import {
  VPC_NETWORK_INTERFACE_ACTIONS, vpcNetworkInterfaceStatement, XRAY_TRACING_ACTIONS, xrayTracingStatement,
} from '../../lib/internal/lambda-execution-statements';

const LIB = join(__dirname, '..', '..', 'lib');
const SOURCE = 'lib/internal/lambda-execution-statements.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Every statement with the given sid in the customer-managed policies of the stack, by policy logical id. */
function statementsWithSid(stack: Stack, sid: string): Record<string, unknown> {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  const found: Record<string, unknown> = {};
  for (const [id, policy] of Object.entries(policies)) {
    const statement = (policy.Properties.PolicyDocument.Statement as { Sid?: string }[]).find((s) => s.Sid === sid);
    if (statement !== undefined) found[id] = statement;
  }
  return found;
}

describe('execution-role statements shared by every VPC-attached, traced function the library creates', () => {
  // GIVEN a DatabaseBootstrap: its handler is a SecureFunction, its provider framework function has a role the construct writes itself
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Roles', { env: { account: '111111111111', region: 'eu-west-1' } });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
  const database = new IamAuthDatabase(stack, 'Database', {
    vpc: network.vpc, logsKey: logsKey.key, multiAz: false,
    storageEncryptionKey: new ServiceKey(stack, 'DataKey', { purpose: 'database', services: ['rds', 'backup'] }).key,
    secretEncryptionKey: new ServiceKey(stack, 'SecretsKey', { purpose: 'secrets', services: ['secretsmanager'] }).key,
  });
  new DatabaseBootstrap(stack, 'Bootstrap', { database, vpc: network.vpc, logsKey: logsKey.key });

  test.each([
    ['ManageVpcNetworkInterfaces', vpcNetworkInterfaceStatement()],
    ['WriteXRayTraces', xrayTracingStatement()],
  ])('fails if the SecureFunction role and the provider framework role do not both carry the shared %s statement', (sid, shared) => {
    // WHEN the stack is synthesized
    const statements = statementsWithSid(stack, sid);
    // THEN exactly the two execution roles carry it, and both carry the shared statement unchanged
    expect(Object.keys(statements).sort()).toEqual([
      expect.stringMatching(/^BootstrapHandlerRolePolicy/), expect.stringMatching(/^BootstrapProviderRolePolicy/),
    ]);
    for (const statement of Object.values(statements)) expect(statement).toEqual(stack.resolve(shared.toStatementJson()));
  });

  test('the network-interface statement lists what Lambda needs to attach to a VPC, on Resource "*" only', () => {
    expect(vpcNetworkInterfaceStatement().toStatementJson()).toEqual({
      Sid: 'ManageVpcNetworkInterfaces', Effect: 'Allow', Resource: '*', Action: [...VPC_NETWORK_INTERFACE_ACTIONS],
    });
    expect(VPC_NETWORK_INTERFACE_ACTIONS).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface']));
    expect(XRAY_TRACING_ACTIONS).toEqual(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
  });

  test('fails if an action list of these statements is written again anywhere else in lib/', () => {
    // GIVEN every TypeScript file under lib/  THEN only the shared module names the actions as string literals
    const writers = tsFiles(LIB)
      .filter((file) => /'(ec2:CreateNetworkInterface|xray:PutTraceSegments)'/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(join(LIB, '..'), file).split('\\').join('/'));
    expect(writers).toEqual([SOURCE]);
  });
});
