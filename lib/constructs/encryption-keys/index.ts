import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import { denyGrantsExceptForAwsServices } from '../../internal/key-policy';

/** Key-management actions the account keeps through IAM (never data-plane use: no Encrypt/Decrypt/GenerateDataKey). */
export const KEY_ADMIN_ACTIONS: readonly string[] = Object.freeze([
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
  'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
]);

/** Data-plane actions allowed only through the key's services (`kms:ViaService`). */
export const KEY_USE_ACTIONS: readonly string[] = Object.freeze([
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ListGrants',
]);

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,40}$/;

/** Props of {@link ServiceKey}. */
export interface ServiceKeyProps {
  /** What the key protects, in a few words (goes into the key description), for example `'database storage'`. */
  readonly purpose: string;
  /**
   * Short names of the AWS services that may use the key on behalf of principals of this account
   * (`rds`, `secretsmanager`, `backup`, ...). Each becomes `<service>.<region>.amazonaws.com` in a
   * `kms:ViaService` condition: nobody can call Encrypt/Decrypt on the key directly.
   */
  readonly services: string[];
  /**
   * Alias of the key, without the `alias/` prefix.
   * @default - no alias
   */
  readonly alias?: string;
  /**
   * Automatic rotation period (90 to 2560 days).
   * @default Duration.days(365)
   */
  readonly rotationPeriod?: Duration;
  /**
   * Removal policy. Keep the default: snapshots, backups and secrets encrypted with the key
   * outlive the stack and become unreadable when the key is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer-managed KMS key for one purpose, usable only through named AWS services.
 *
 * Secure defaults: automatic rotation (365 days); the key policy lets the account
 * administer the key through IAM (so it can never become unmanageable) but allows
 * data-plane use (Encrypt, Decrypt, GenerateDataKey, CreateGrant) only when the call
 * comes through one of `services` for a principal of this account (`kms:ViaService`,
 * `kms:CallerAccount`); grants only for AWS resources (Control Tower CT.KMS.PR.3);
 * kept when the stack is deleted.
 */
export class ServiceKey extends Construct {
  /** The underlying KMS key (pass it wherever a construct takes a `kms.IKey`). */
  public readonly key: kms.IKey;
  /** The `kms:ViaService` values the key accepts, for example `rds.<region>.amazonaws.com`. */
  public readonly viaServices: string[];

  constructor(scope: Construct, id: string, props: ServiceKeyProps) {
    super(scope, id);
    if (props.services.length === 0) {
      invalidProp(this, 'services', props.services, "Fix: name at least one service that uses the key, for example ['rds'].");
    }
    for (const service of props.services) {
      if (!SERVICE_NAME.test(service)) {
        invalidProp(this, 'services', service, "Fix: use the service's short endpoint name in lower case, for example 'rds' or 'secretsmanager'.");
      }
    }
    if (props.purpose.trim().length === 0) {
      invalidProp(this, 'purpose', props.purpose, "Fix: say what the key protects, for example 'database storage'.");
    }
    const rotationDays = props.rotationPeriod?.toDays({ integral: false });
    if (rotationDays !== undefined && !Token.isUnresolved(rotationDays)) {
      if (!Number.isInteger(rotationDays)) {
        invalidProp(this, 'rotationPeriod', props.rotationPeriod!.toHumanString(), 'Fix: use a whole number of days from 90 to 2560, for example Duration.days(365).');
      }
      checkRange(this, 'rotationPeriod (days)', rotationDays, 90, 2560);
    }

    const stack = Stack.of(this);
    this.viaServices = props.services.map((s) => `${s}.${stack.region}.amazonaws.com`);
    const account = new iam.AccountRootPrincipal();
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AdministerThroughIam',
          principals: [account],
          actions: [...KEY_ADMIN_ACTIONS],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'UseOnlyThroughNamedServices',
          principals: [account],
          actions: [...KEY_USE_ACTIONS],
          resources: ['*'],
          conditions: {
            StringEquals: { 'kms:CallerAccount': stack.account, 'kms:ViaService': this.viaServices },
          },
        }),
      ],
    });
    const key = new kms.Key(this, 'Resource', {
      description: `${props.purpose} for ${stack.stackName} (usable through ${props.services.join(', ')} only)`,
      enableKeyRotation: true,
      rotationPeriod: props.rotationPeriod ?? Duration.days(365),
      alias: props.alias,
      policy,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsServices(key);
    this.key = key;
    this.node.defaultChild = key.node.defaultChild;
  }

  /**
   * Grants the principal `kms:Decrypt` on this key through one of the key's services only (`service`, a short name
   * such as `'secretsmanager'`): the IAM statement carries the same `kms:ViaService` condition as the key policy.
   */
  public grantDecryptVia(grantee: iam.IGrantable, service: string): iam.Grant {
    return this.grantVia('grantDecryptVia', grantee, service, ['kms:Decrypt']);
  }

  /**
   * Grants the principal `kms:Encrypt` and `kms:GenerateDataKey` on this key through one of the key's services only
   * (`service`, a short name such as `'secretsmanager'`), with the same `kms:ViaService` condition as the key policy.
   */
  public grantEncryptVia(grantee: iam.IGrantable, service: string): iam.Grant {
    return this.grantVia('grantEncryptVia', grantee, service, ['kms:Encrypt', 'kms:GenerateDataKey']);
  }

  /**
   * Grants the principal `kms:Decrypt`, `kms:Encrypt` and `kms:GenerateDataKey` on this key through one of the key's
   * services only (`service`, a short name such as `'secretsmanager'`), with the same `kms:ViaService` condition as the key policy.
   */
  public grantEncryptDecryptVia(grantee: iam.IGrantable, service: string): iam.Grant {
    return this.grantVia('grantEncryptDecryptVia', grantee, service, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  }

  /** An identity-policy grant of `actions` on this key, conditioned on `kms:ViaService` = the named service of the key. */
  private grantVia(method: string, grantee: iam.IGrantable, service: string, actions: string[]): iam.Grant {
    const via = `${service}.${Stack.of(this).region}.amazonaws.com`;
    if (!this.viaServices.includes(via)) {
      invalidProp(this, `${method}.service`, service, `Fix: use one of the key's services (${this.viaServices.join(', ')}).`);
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': via } },
    });
  }
}
