import { CfnResource } from 'aws-cdk-lib';
import { refersTo, resourcesOfType } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const SECRET = 'AWS::SecretsManager::Secret';
const ROTATION_SCHEDULE = 'AWS::SecretsManager::RotationSchedule';
const TARGET_ATTACHMENT = 'AWS::SecretsManager::SecretTargetAttachment';

const secretId = (r: CfnResource): unknown => (r as unknown as { secretId?: unknown }).secretId;

/** Secrets rotate automatically (a rotation schedule on the secret or on its target attachment). */
export const secretRotation: SecurityBaselineControl = {
  id: 'SECRET1',
  areas: [SecurityBaselineArea.IDENTITY, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Secrets Manager secrets have a rotation schedule',
  reports: '`RotationSchedule = none`',
  resourceTypes: [SECRET],
  evaluate(resource: CfnResource) {
    const attachments = resourcesOfType(resource, TARGET_ATTACHMENT).filter((a) => refersTo(a, secretId(a), resource));
    const rotated = resourcesOfType(resource, ROTATION_SCHEDULE)
      .some((s) => refersTo(s, secretId(s), resource) || attachments.some((a) => refersTo(s, secretId(s), a)));
    if (rotated) return [];
    return [{
      setting: 'RotationSchedule',
      found: 'none',
      fix: 'add a rotation schedule (secret.addRotationSchedule with a hosted rotation, or RDS-managed master passwords)',
    }];
  },
};
