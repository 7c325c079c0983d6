import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * Stateful resource types and the properties whose change makes CloudFormation
 * replace the resource (from the CloudFormation resource reference, "Update requires: Replacement").
 * A replaced database, key, secret, user pool or log bucket loses data, so any change here must be deliberate.
 */
export const STATEFUL_TYPES: Record<string, string[]> = {
  'AWS::RDS::DBCluster': ['DBClusterIdentifier', 'Engine', 'EngineMode', 'StorageEncrypted', 'KmsKeyId', 'DatabaseName', 'MasterUsername', 'DBSubnetGroupName', 'SourceRegion', 'SnapshotIdentifier'],
  'AWS::RDS::DBInstance': ['DBInstanceIdentifier', 'Engine', 'DBClusterIdentifier', 'StorageEncrypted', 'KmsKeyId', 'DBName', 'MasterUsername', 'AvailabilityZone'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion', 'Origin'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::Cognito::UserPool': ['UserPoolName', 'AliasAttributes', 'UsernameAttributes', 'Schema'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::ElastiCache::ServerlessCache': ['ServerlessCacheName', 'Engine', 'KmsKeyId', 'SubnetIds'],
};

/** One stateful resource: where it lives and what would replace it. */
export interface StatefulResource {
  readonly type: string;
  readonly deletionPolicy?: string;
  readonly replacementProperties: Record<string, unknown>;
}

/** `stackName/logicalId` → stateful resource, for every stack given. */
export function statefulResources(stacks: Stack[]): Record<string, StatefulResource> {
  const out: Record<string, StatefulResource> = {};
  for (const stack of stacks) {
    const json = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON();
    for (const [id, r] of Object.entries<any>(json.Resources ?? {})) {
      const props = STATEFUL_TYPES[r.Type];
      if (!props) continue;
      const replacementProperties: Record<string, unknown> = {};
      for (const p of props) if (r.Properties?.[p] !== undefined) replacementProperties[p] = maskAssets(r.Properties[p]);
      out[`${stack.stackName}/${id}`] = { type: r.Type, deletionPolicy: r.DeletionPolicy, replacementProperties };
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function maskAssets(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}/g, '[ASSET HASH]'));
}

/**
 * Compares the current stateful resources with the committed baseline and returns
 * one line per resource that a deploy would replace or delete. New resources are fine.
 */
export function replacements(baseline: Record<string, StatefulResource>, current: Record<string, StatefulResource>): string[] {
  const problems: string[] = [];
  for (const [key, before] of Object.entries(baseline)) {
    const now = current[key];
    if (!now) {
      problems.push(`${key} (${before.type}) is gone: a renamed construct id or a removed resource makes CloudFormation delete it and create a new one`);
      continue;
    }
    for (const [prop, value] of Object.entries(before.replacementProperties)) {
      if (JSON.stringify(now.replacementProperties[prop]) !== JSON.stringify(value)) {
        problems.push(`${key} (${before.type}): ${prop} changed from ${JSON.stringify(value)} to ${JSON.stringify(now.replacementProperties[prop])}, which requires replacement`);
      }
    }
    for (const prop of Object.keys(now.replacementProperties)) {
      if (!(prop in before.replacementProperties)) problems.push(`${key} (${before.type}): ${prop} was added, which requires replacement`);
    }
    if (before.deletionPolicy !== now.deletionPolicy) {
      problems.push(`${key} (${before.type}): DeletionPolicy changed from ${before.deletionPolicy} to ${now.deletionPolicy}`);
    }
  }
  return problems;
}
