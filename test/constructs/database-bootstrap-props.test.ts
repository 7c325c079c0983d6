import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import fc from 'fast-check';
import { IamAuthDatabase } from '../../lib/constructs/iam-auth-database';
import { DatabaseBootstrap, DatabaseBootstrapProps, TablePrivilege } from '../../lib/constructs/iam-auth-database/bootstrap';
import { parseSchemaSpec, validatePrivileges } from '../../lambda/db-bootstrap/config';

/**
 * What DatabaseBootstrap accepts for the application's database user is what the handler grants: generated
 * `tablePrivileges` are accepted at synth exactly when a small reference model says so (lower-case table identifiers,
 * each with one or more of SELECT, INSERT, UPDATE, DELETE), and what synth accepts reaches the handler unchanged and
 * passes its own checks. Generated `properties` never replace a property the construct sets from its checked props.
 */

const ATTRS = {
  clusterIdentifier: 'orders-db',
  clusterResourceIdentifier: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  endpointAddress: 'orders-db.cluster-c0ffee.eu-west-1.rds.amazonaws.com',
  databaseName: 'app',
  masterUsername: 'dbadmin',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-db-master-AbCdEf',
  secretEncryptionKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555',
  securityGroupId: 'sg-0123456789abcdef0',
  clientSecurityGroupId: 'sg-0fedcba9876543210',
};

/**
 * The custom resource's properties when DatabaseBootstrap accepts the props, else undefined. Each attempt is its own
 * small app: an imported VPC and database (literals), so that one synth per case stays fast.
 */
function synthesized(props: Partial<DatabaseBootstrapProps>): Record<string, unknown> | undefined {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Boot', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  });
  const logsKey = kms.Key.fromKeyArn(stack, 'LogsKey', 'arn:aws:kms:eu-west-1:111111111111:key/66666666-7777-8888-9999-000000000000');
  const database = IamAuthDatabase.fromIamAuthDatabaseAttributes(stack, 'Database', ATTRS);
  try {
    new DatabaseBootstrap(stack, 'Bootstrap', { database, vpc, logsKey, ...props });
  } catch (err) {
    expect(String(err)).toMatch(/invalid (tablePrivileges|properties)\S* = .*\. Fix: /);
    return undefined;
  }
  const resources = Template.fromStack(stack).findResources('Custom::DatabaseBootstrap');
  expect(Object.keys(resources)).toHaveLength(1);
  return Object.values(resources)[0].Properties;
}

// The reference model: what may be granted to the application's database user.
const GRANTABLE = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const modelAccepts = (tables: Record<string, string[]>): boolean =>
  Object.entries(tables).every(([table, privileges]) => /^[a-z_][a-z0-9_]{0,62}$/.test(table)
    && privileges.length > 0 && privileges.every((p) => GRANTABLE.includes(p)));

describe('DatabaseBootstrap tablePrivileges and properties (generated cases)', () => {
  test('TablePrivilege holds exactly the privileges the handler may grant, with the SQL keywords as values', () => {
    expect(Object.values(TablePrivilege).sort()).toEqual([...GRANTABLE].sort());
    for (const [key, value] of Object.entries(TablePrivilege)) expect(key).toBe(value);
  });

  test('generated table privileges: synth accepts exactly what the model allows, and passes them to the handler unchanged', () => {
    const privilege = fc.constantFrom('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'ALL', 'select', '');
    const table = fc.oneof(fc.constantFrom('orders', 'order_lines', '_audit', 'Orders', 'orders; DROP TABLE x', '1orders', 'a'.repeat(64)), fc.string({ maxLength: 10 }));
    const tables = fc.dictionary(table, fc.array(privilege, { maxLength: 4 }), { maxKeys: 3 });
    fc.assert(fc.property(tables, (raw) => {
      const props = synthesized({ tablePrivileges: raw as Record<string, TablePrivilege[]> });
      expect(props !== undefined).toBe(modelAccepts(raw));
      if (props !== undefined && Object.keys(raw).length > 0) {
        const spec = parseSchemaSpec(props);
        expect(() => validatePrivileges('public', spec.tablePrivileges)).not.toThrow();
        expect({ ...spec.tablePrivileges }).toEqual(raw);
      }
    }), { numRuns: 30 });
  });

  test('generated extra properties: refused exactly when they name a property the construct sets, never replacing it', () => {
    const own = ['ServiceToken', 'DbHost', 'DbPort', 'DbName', 'MasterSecretArn', 'AppUser', 'CodeHash', 'Migrations', 'MigrationHistory', 'TablePrivileges'];
    const key = fc.oneof(fc.constantFrom(...own, 'SchemaHash', 'Owner', 'appUser'), fc.string({ minLength: 1, maxLength: 8 }));
    fc.assert(fc.property(fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 3 }), (extra) => {
      const props = synthesized({ properties: extra, dbUser: 'orders_app', tablePrivileges: { orders: [TablePrivilege.SELECT] } });
      expect(props !== undefined).toBe(Object.keys(extra).every((k) => !own.includes(k)));
      if (props !== undefined) {
        expect(props).toMatchObject({ ...extra, AppUser: 'orders_app', TablePrivileges: '{"orders":["SELECT"]}' });
      }
    }), { numRuns: 40 });
  });

  test('regression: an extra AppUser cannot swap the checked database user for the master user', () => {
    expect(synthesized({ dbUser: 'orders_app', properties: { AppUser: 'dbadmin' } })).toBeUndefined();
    expect(synthesized({ dbUser: 'orders_app', properties: { Owner: 'orders' } })).toMatchObject({ AppUser: 'orders_app', Owner: 'orders' });
  });
});
