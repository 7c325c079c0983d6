import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { invalidProp } from '../../internal/errors';
import { RESERVED_USERS, SAFE_DB_IDENTIFIER } from './database-settings';

/**
 * The IAM resource ARN of one database user of a cluster:
 * `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<dbUser>`.
 */
export function dbUserArn(scope: IConstruct, clusterResourceIdentifier: string, dbUser: string): string {
  return Stack.of(scope).formatArn({
    service: 'rds-db',
    resource: 'dbuser',
    resourceName: `${clusterResourceIdentifier}/${dbUser}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * Grants `rds-db:connect` as exactly one database user (a literal, safe, non-reserved role that is not the master
 * user): the same rule for a database this app creates and for one it imports.
 */
export function grantDbConnect(scope: IConstruct, grantee: iam.IGrantable, dbUser: string, masterUsername: string, clusterResourceIdentifier: string): iam.Grant {
  if (Token.isUnresolved(dbUser) || !SAFE_DB_IDENTIFIER.test(dbUser) || RESERVED_USERS.has(dbUser) || dbUser === masterUsername) {
    invalidProp(scope, 'grantConnect.dbUser', Token.isUnresolved(dbUser) ? '(token)' : dbUser,
      'Fix: name one application role as a literal lower-case identifier (for example app_user); never the master user or a reserved role.');
  }
  return iam.Grant.addToPrincipal({ grantee, actions: ['rds-db:connect'], resourceArns: [dbUserArn(scope, clusterResourceIdentifier, dbUser)] });
}
