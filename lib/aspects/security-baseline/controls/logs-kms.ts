import { CfnResource } from 'aws-cdk-lib';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { isTrue, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const LOG_GROUP = 'AWS::Logs::LogGroup';
export const KEY = 'AWS::KMS::Key';
/** The custom resource aws-cdk-lib's `logRetention` props create (Lambda functions, RDS log exports): it sets the retention of a log group made at run time. */
export const LOG_RETENTION = 'Custom::LogRetention';

/** Log groups keep events at least as long as the threshold (365 days by default). */
export const logRetention: SecurityBaselineControl = {
  id: 'LOGS1',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Log groups keep events at least the threshold (365 days), also through Custom::LogRetention; unset means never expire',
  reports: '`RetentionInDays = <days>`: below the threshold',
  resourceTypes: [LOG_GROUP, LOG_RETENTION],
  fixes: 'sets RetentionInDays to the threshold on a log group; a Custom::LogRetention resource (a logRetention prop) is reported: it has no public reader of its properties before the template is written, so a fix could not tell a shorter retention from a longer one',
  evaluate(resource: CfnResource, { properties, thresholds }) {
    const days = properties.RetentionInDays;
    if (days === undefined || Number(days) >= thresholds.logRetentionDays) return [];
    const custom = resource.cfnResourceType === LOG_RETENTION;
    return [{
      setting: custom ? 'RetentionInDays (Custom::LogRetention)' : 'RetentionInDays',
      found: shown(days),
      fix: custom
        ? `set logRetention (Lambda, RDS cloudwatchLogsRetention) to at least ${thresholds.logRetentionDays} days, or give the function a logGroup with that retention`
        : `set it to at least ${thresholds.logRetentionDays} days`,
      // A Custom::LogRetention resource is a plain CfnResource: fix mode cannot read it (the report judges its template).
      apply: !custom && (typeof days === 'number' || typeof days === 'string') ? () => {
        (resource as CfnLogGroup).retentionInDays = thresholds.logRetentionDays;
        return `RetentionInDays ${days} -> ${thresholds.logRetentionDays}`;
      } : undefined,
    }];
  },
};

/** Log groups are encrypted with a customer-managed KMS key. */
export const logEncryption: SecurityBaselineControl = {
  id: 'LOGS2',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Log groups are encrypted with a customer-managed KMS key',
  reports: '`KmsKeyId = not set`',
  resourceTypes: [LOG_GROUP],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.KmsKeyId !== undefined) return [];
    return [{
      setting: 'KmsKeyId',
      found: 'not set (CloudWatch Logs service key)',
      fix: 'set encryptionKey to a customer-managed key whose policy lets logs.<region>.amazonaws.com use it (SecureLogGroup does both)',
    }];
  },
};

/** Symmetric encryption keys rotate their key material every year. */
export const kmsRotation: SecurityBaselineControl = {
  id: 'KMS1',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Symmetric KMS keys have automatic rotation on',
  reports: '`EnableKeyRotation = <value>` on a symmetric key',
  resourceTypes: [KEY],
  fixes: 'sets EnableKeyRotation to true',
  evaluate(resource: CfnResource, { properties }) {
    const symmetric = (properties.KeySpec === undefined || properties.KeySpec === 'SYMMETRIC_DEFAULT')
      && (properties.KeyUsage === undefined || properties.KeyUsage === 'ENCRYPT_DECRYPT')
      && properties.Origin !== 'EXTERNAL' && properties.Origin !== 'EXTERNAL_KEY_STORE';
    if (!symmetric || isTrue(properties.EnableKeyRotation)) return [];
    return [{
      setting: 'EnableKeyRotation',
      found: shown(properties.EnableKeyRotation),
      fix: 'set enableKeyRotation: true',
      apply: () => {
        (resource as CfnKey).enableKeyRotation = true;
        return `EnableKeyRotation ${shown(properties.EnableKeyRotation)} -> true`;
      },
    }];
  },
};
