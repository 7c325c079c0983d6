import { App, Fn, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IamAuthDatabase, IamAuthDatabaseAttributes } from '../../lib/constructs/iam-auth-database';
import { DatabaseBootstrap } from '../../lib/constructs/iam-auth-database/bootstrap';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { formatFindings, ruleFindings } from '../helpers/compliance';

/** What the owning app publishes about its database (for example as SSM parameters). */
const ATTRS: IamAuthDatabaseAttributes = {
  clusterIdentifier: 'orders-db',
  clusterResourceIdentifier: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  endpointAddress: 'orders-db.cluster-c0ffee.eu-west-1.rds.amazonaws.com',
  databaseName: 'app',
  masterUsername: 'dbadmin',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0a1b2c3d-AbC123',
  secretEncryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  securityGroupId: 'sg-0123456789abcdef0',
  clientSecurityGroupId: 'sg-0fedcba9876543210',
};

/** A second app (a service team's) that imports the database: its own VPC construct, its own stack. */
function consumer(attrs: Partial<IamAuthDatabaseAttributes> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Service', { env: { account: '111111111111', region: 'eu-west-1' } });
  const database = IamAuthDatabase.fromIamAuthDatabaseAttributes(stack, 'Database', { ...ATTRS, ...attrs });
  return { app, stack, database };
}

describe('IamAuthDatabase.fromIamAuthDatabaseAttributes', () => {
  test('grants rds-db:connect as exactly one user of the imported cluster, never the master user or a reserved role', () => {
    const { stack, database } = consumer();
    const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    database.grantConnect(role, 'app_user');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'rds-db:connect', Effect: 'Allow', Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:eu-west-1:111111111111:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/app_user']],
      } }] },
    });
    expect(database.dbUserArn('reporting')).toContain(':dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/reporting');
    for (const user of ['dbadmin', 'rds_superuser', 'App-User']) {
      expect(() => database.grantConnect(role, user)).toThrow(/Service\/Database: invalid grantConnect\.dbUser = .*Fix: name one application role/);
    }
  });

  test('a client admitted through connections gets an ingress rule on the database group, in the importing stack; the client group is never modified', () => {
    const { stack, database } = consumer();
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0 });
    const worker = new ec2.SecurityGroup(stack, 'Worker', { vpc, allowAllOutbound: false });
    database.connections.allowDefaultPortFrom(worker, 'PostgreSQL from the worker');
    database.clientSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.allTraffic(), 'would widen the shared client group');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef0', FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp', SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Worker'), 'GroupId'] },
    });
    expect(Object.values(t.findResources('AWS::EC2::SecurityGroupEgress')).filter((r: any) => r.Properties.GroupId === 'sg-0fedcba9876543210')).toEqual([]);
  });

  test('DatabaseBootstrap runs on an imported database: references only, the exact secret, its key through Secrets Manager only; zero findings in every pack', () => {
    // GIVEN the importing app's network and a bootstrap of the imported database
    const { app, stack, database } = consumer();
    const logsKey = new LogsKey(stack, 'LogsKey');
    const network = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey: logsKey.key });
    new DatabaseBootstrap(stack, 'Bootstrap', { database, vpc: network.vpc, logsKey: logsKey.key, properties: { SchemaHash: 'abc' } });
    // THEN the custom resource names the imported endpoint and secret, never a secret value
    const t = Template.fromStack(stack);
    t.hasResourceProperties('Custom::DatabaseBootstrap', {
      DbHost: ATTRS.endpointAddress, DbPort: '5432', DbName: 'app', MasterSecretArn: ATTRS.secretArn, AppUser: 'app_user',
    });
    // AND the handler reads exactly that secret and decrypts with its key only through Secrets Manager
    const statements = [...Object.values(t.findResources('AWS::IAM::Policy')), ...Object.values(t.findResources('AWS::IAM::ManagedPolicy'))]
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: ATTRS.secretArn }),
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: ATTRS.secretEncryptionKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
    ]));
    // AND the handler joins the imported client group
    const handler = Object.values(t.findResources('AWS::Lambda::Function')).find((f: any) => f.Properties.Description?.startsWith('Bootstraps')) as any;
    expect(handler.Properties.VpcConfig.SecurityGroupIds).toContain('sg-0fedcba9876543210');
    expect(formatFindings(ruleFindings(app))).toBe('');
  });

  test('tokens (stack outputs, SSM parameters) are accepted as they are and resolved at deploy time', () => {
    const app = new App();
    const stack = new Stack(app, 'Service', { env: { account: '111111111111', region: 'eu-west-1' } });
    const imported = IamAuthDatabase.fromIamAuthDatabaseAttributes(stack, 'Db', {
      ...ATTRS,
      secretArn: Fn.importValue('orders-db-secret-arn'),
      clusterResourceIdentifier: Fn.importValue('orders-db-resource-id'),
      securityGroupId: Fn.importValue('orders-db-sg'),
    });
    expect(Token.isUnresolved(imported.dbUserArn('app_user'))).toBe(true);
    expect(Token.isUnresolved(imported.secret.secretArn)).toBe(true);
  });

  test.each<[string, Partial<IamAuthDatabaseAttributes>, RegExp]>([
    ['the secret ARN is partial (no 6-character suffix)', { secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-db' }, /invalid secretArn = .*Fix: use the complete ARN/],
    ['the key is an alias', { secretEncryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:alias/orders' }, /invalid secretEncryptionKeyArn = .*not an alias/],
    ['the cluster identifier is given as the resource id', { clusterResourceIdentifier: 'orders-db' }, /invalid clusterResourceIdentifier = "orders-db"\. Fix: use the cluster resource id/],
    ['the master user is a reserved role', { masterUsername: 'rdsadmin' }, /invalid masterUsername = "rdsadmin"/],
    ['the database name needs quoting', { databaseName: 'Orders DB' }, /invalid databaseName = "Orders DB"/],
    ['a group id is not a security group id', { securityGroupId: 'orders-db-sg' }, /invalid securityGroupId = "orders-db-sg"\. Fix: use a security group id/],
    ['the client group is the database group', { clientSecurityGroupId: 'sg-0123456789abcdef0' }, /invalid clientSecurityGroupId = .*separate group/],
    ['the port is outside what Aurora accepts', { port: 80 }, /invalid port = 80\. Fix: use a whole number from 1150 to 65535/],
  ])('fails at synth if %s', (_name, attrs, error) => {
    expect(() => consumer(attrs)).toThrow(error);
  });
});
