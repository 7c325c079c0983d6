import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import { checkDatabaseName, checkMasterUsername } from './database-settings';
import { dbUserArn, grantDbConnect } from './db-user';
import type { IIamAuthDatabase } from './props';

/**
 * What an app needs to know of a database another app created with {@link IamAuthDatabase}, to connect to it with IAM
 * authentication, put clients next to it or run {@link DatabaseBootstrap} on it
 * ({@link IamAuthDatabase.fromIamAuthDatabaseAttributes}). Each value is a literal or a token (for example an SSM
 * parameter or a stack output the owning app publishes); literals are checked at synth.
 */
export interface IamAuthDatabaseAttributes {
  /** The cluster identifier (`DBClusterIdentifier`). */
  readonly clusterIdentifier: string;
  /** The cluster resource id (`cluster-` and 26 characters): `rds-db:connect` grants name it. */
  readonly clusterResourceIdentifier: string;
  /** Host name of the writer endpoint. */
  readonly endpointAddress: string;
  /**
   * Port the database listens on.
   * @default 5432
   */
  readonly port?: number;
  /** Name of the application database. */
  readonly databaseName: string;
  /** Master user name (never granted `rds-db:connect`). */
  readonly masterUsername: string;
  /**
   * Complete ARN of the master secret, with the 6-character suffix Secrets Manager adds, so that a grant names exactly
   * that secret (a partial ARN would need a wildcard).
   */
  readonly secretArn: string;
  /** ARN of the customer-managed key that encrypts the master secret (a key ARN: an alias cannot be granted `kms:Decrypt`). */
  readonly secretEncryptionKeyArn: string;
  /**
   * The database's own security group. This app may add ingress rules to it (through `connections`), in its own stack.
   */
  readonly securityGroupId: string;
  /** The security group the database admits on its port: this app's clients join it. It is not modified here. */
  readonly clientSecurityGroupId: string;
}

const CLUSTER_RESOURCE_ID = /^cluster-[A-Z0-9]{26}$/;
const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

/** A database created elsewhere, referenced by its attributes: the same contract as {@link IamAuthDatabase}. */
class ImportedIamAuthDatabase extends Construct implements IIamAuthDatabase {
  public readonly cluster: rds.IDatabaseCluster;
  public readonly endpointAddress: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly masterUsername: string;
  public readonly secret: secretsmanager.ISecret;
  public readonly secretEncryptionKey: kms.IKey;
  public readonly clientSecurityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  private readonly clusterResourceIdentifier: string;

  constructor(scope: Construct, id: string, attrs: IamAuthDatabaseAttributes) {
    super(scope, id);
    checkAttributes(this, attrs);
    this.port = attrs.port ?? 5432;
    this.endpointAddress = attrs.endpointAddress;
    this.databaseName = attrs.databaseName;
    this.masterUsername = attrs.masterUsername;
    this.clusterResourceIdentifier = attrs.clusterResourceIdentifier;
    this.secretEncryptionKey = kms.Key.fromKeyArn(this, 'SecretKey', attrs.secretEncryptionKeyArn);
    this.secret = secretsmanager.Secret.fromSecretAttributes(this, 'Secret', { secretCompleteArn: attrs.secretArn, encryptionKey: this.secretEncryptionKey });
    // The database's group is mutable so `connections.allowDefaultPortFrom` adds an ingress rule (in this app's stack);
    // the client group is not: another app must never widen what its members may reach.
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'SecurityGroup', attrs.securityGroupId, { allowAllOutbound: false });
    this.clientSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'ClientSecurityGroup', attrs.clientSecurityGroupId, { allowAllOutbound: false, mutable: false });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(this.port) });
    this.cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'Cluster', {
      clusterIdentifier: attrs.clusterIdentifier,
      clusterResourceIdentifier: attrs.clusterResourceIdentifier,
      clusterEndpointAddress: attrs.endpointAddress,
      port: this.port,
      securityGroups: [securityGroup],
    });
  }

  public grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    return grantDbConnect(this, grantee, dbUser, this.masterUsername, this.clusterResourceIdentifier);
  }

  public dbUserArn(dbUser: string): string {
    return dbUserArn(this, this.clusterResourceIdentifier, dbUser);
  }
}

/** Checks every literal attribute; tokens are resolved at deploy time and pass. */
function checkAttributes(scope: Construct, attrs: IamAuthDatabaseAttributes): void {
  const literal = (v: string): boolean => !Token.isUnresolved(v);
  if (literal(attrs.clusterResourceIdentifier) && !CLUSTER_RESOURCE_ID.test(attrs.clusterResourceIdentifier)) {
    invalidProp(scope, 'clusterResourceIdentifier', attrs.clusterResourceIdentifier,
      'Fix: use the cluster resource id (DbClusterResourceId, "cluster-" and 26 upper-case letters and digits), not the cluster identifier.');
  }
  if (literal(attrs.databaseName)) checkDatabaseName(scope, attrs.databaseName);
  if (literal(attrs.masterUsername)) checkMasterUsername(scope, attrs.masterUsername);
  if (literal(attrs.secretArn) && !COMPLETE_SECRET_ARN.test(attrs.secretArn)) {
    invalidProp(scope, 'secretArn', attrs.secretArn,
      'Fix: use the complete ARN of the master secret, ending in "-" and the 6 characters Secrets Manager adds, so grants name exactly that secret.');
  }
  if (literal(attrs.secretEncryptionKeyArn) && !KEY_ARN.test(attrs.secretEncryptionKeyArn)) {
    invalidProp(scope, 'secretEncryptionKeyArn', attrs.secretEncryptionKeyArn, 'Fix: use the key ARN (arn:...:kms:<region>:<account>:key/<id>), not an alias or a key id.');
  }
  for (const prop of ['securityGroupId', 'clientSecurityGroupId'] as const) {
    if (literal(attrs[prop]) && !SECURITY_GROUP_ID.test(attrs[prop])) invalidProp(scope, prop, attrs[prop], 'Fix: use a security group id (sg-...).');
  }
  if (literal(attrs.securityGroupId) && attrs.securityGroupId === attrs.clientSecurityGroupId) {
    invalidProp(scope, 'clientSecurityGroupId', attrs.clientSecurityGroupId, 'Fix: the client group is a separate group from the database\'s own (securityGroupId).');
  }
  checkRange(scope, 'port', attrs.port, 1150, 65535);
}

/** See {@link IamAuthDatabase.fromIamAuthDatabaseAttributes}. */
export function importIamAuthDatabase(scope: Construct, id: string, attrs: IamAuthDatabaseAttributes): IIamAuthDatabase {
  return new ImportedIamAuthDatabase(scope, id, attrs);
}
