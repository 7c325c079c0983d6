import { CfnResource, Fn, IResolveContext, Lazy, Token } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnBucket, CfnBucketPolicy } from 'aws-cdk-lib/aws-s3';
import { CfnProperties, refersTo, renderedProperties, resourcesOfType, shown } from '../cfn';
import { SecurityBaselineControl } from '../types';

export const BUCKET = 'AWS::S3::Bucket';
export const BUCKET_POLICY = 'AWS::S3::BucketPolicy';

/** The bucket policy attached to a bucket in this app, with its rendered properties. */
export function bucketPolicyOf(bucket: CfnResource): { policy: CfnResource; properties: CfnProperties } | undefined {
  const name = (bucket as CfnBucket).bucketName;
  for (const policy of resourcesOfType(bucket, BUCKET_POLICY)) {
    const target = (policy as CfnBucketPolicy).bucket;
    if (refersTo(policy, target, bucket) || (name !== undefined && !Token.isUnresolved(name) && target === name)) {
      return { policy, properties: renderedProperties(policy) };
    }
  }
  return undefined;
}

function statements(properties: CfnProperties | undefined): CfnProperties[] {
  const list = properties?.PolicyDocument?.Statement;
  return Array.isArray(list) ? list : list ? [list] : [];
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const isEveryone = (p: unknown): boolean => p === '*' || (typeof p === 'object' && p !== null && asList((p as { AWS?: unknown }).AWS).includes('*'));
const coversAllS3 = (a: unknown): boolean => asList(a).some((x) => x === 's3:*' || x === '*');

function isDenyAll(s: CfnProperties): boolean {
  return s.Effect === 'Deny' && isEveryone(s.Principal) && coversAllS3(s.Action);
}

/** True when the policy denies every request not made over TLS. */
export function deniesInsecureTransport(properties: CfnProperties | undefined): boolean {
  return statements(properties).some((s) => isDenyAll(s) && ['false', false].includes(s.Condition?.Bool?.['aws:SecureTransport']));
}

/** True when the policy denies requests made with TLS older than 1.2. */
export function deniesOldTls(properties: CfnProperties | undefined): boolean {
  return statements(properties).some((s) => isDenyAll(s) && Number(s.Condition?.NumericLessThan?.['s3:TlsVersion']) >= 1.2);
}

/** True when the policy grants anything to everyone (a public bucket by design). */
export function grantsPublicAccess(properties: CfnProperties | undefined): boolean {
  return statements(properties).some((s) => s.Effect === 'Allow' && isEveryone(s.Principal) && s.Condition === undefined);
}

/** The statements `fix` adds, in IAM JSON. */
function baselineStatements(bucket: CfnBucket, missing: { transport: boolean; tls: boolean }): Record<string, unknown>[] {
  const resources = [bucket.attrArn, Fn.join('', [bucket.attrArn, '/*'])];
  const out: Record<string, unknown>[] = [];
  if (missing.transport) {
    out.push({ Sid: 'SecurityBaselineDenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  }
  if (missing.tls) {
    out.push({ Sid: 'SecurityBaselineDenyTlsBelow12', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources,
      Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } });
  }
  return out;
}

/** Adds the missing deny statements to the bucket's policy, creating the policy when the bucket has none. */
function addDenyStatements(bucket: CfnBucket, existing: CfnResource | undefined, missing: { transport: boolean; tls: boolean }): string {
  const added = baselineStatements(bucket, missing);
  const sids = added.map((s) => s.Sid).join(', ');
  if (!existing) {
    const policy = new CfnBucketPolicy(bucket, 'SecurityBaselinePolicy', { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: added } });
    return `added bucket policy ${policy.node.path} with ${sids}`;
  }
  const cfnPolicy = existing as CfnBucketPolicy;
  const document = cfnPolicy.policyDocument;
  if (document instanceof PolicyDocument) {
    document.addStatements(...added.map((s) => PolicyStatement.fromJson(s)));
  } else {
    const merge = (doc: CfnProperties) => ({ Version: '2012-10-17', ...doc, Statement: [...statements({ PolicyDocument: doc }), ...added] });
    cfnPolicy.policyDocument = Token.isUnresolved(document) ? Lazy.uncachedAny({ produce: (ctx: IResolveContext) => merge(ctx.resolve(document)) }) : merge(document);
  }
  return `added ${sids} to bucket policy ${existing.node.path}`;
}

/** Buckets refuse requests without TLS and with TLS older than 1.2. */
export const s3TlsPolicy: SecurityBaselineControl = {
  id: 'BUCKET1',
  areas: ['transit', 'infrastructure'],
  title: 'S3 bucket policies deny requests without TLS and with TLS older than 1.2',
  reports: '`BucketPolicy = none` or `<policy> has no deny for aws:SecureTransport=false / s3:TlsVersion<1.2`',
  resourceTypes: [BUCKET],
  fixes: 'adds the two deny statements (aws:SecureTransport false; s3:TlsVersion < 1.2) to the bucket policy, creating one when there is none, unless the bucket serves the public (website, public ACL or public policy)',
  evaluate(resource: CfnResource, { properties }) {
    const policy = bucketPolicyOf(resource);
    const missing = { transport: !deniesInsecureTransport(policy?.properties), tls: !deniesOldTls(policy?.properties) };
    if (!missing.transport && !missing.tls) return [];
    const absent = [missing.transport ? 'aws:SecureTransport=false' : '', missing.tls ? 's3:TlsVersion<1.2' : ''].filter(Boolean).join(' and ');
    const serving = publicServing(properties, policy?.properties);
    return [{
      setting: 'BucketPolicy',
      found: policy ? `${policy.policy.node.path} has no deny for ${absent}` : 'none',
      fix: serving === 'website'
        ? 'put CloudFront with HTTPS in front of the website (origin access control on the bucket\'s REST endpoint), then deny requests without TLS; '
          + 'not fixed: S3 website endpoints serve HTTP only, so the deny would answer every visitor 403'
        : serving
          ? `move public readers to HTTPS (CloudFront with origin access control), then deny requests without TLS; not fixed: the bucket serves anonymous readers (${serving}) who may use http:// links`
          : 'deny s3:* to every principal when aws:SecureTransport is false and when s3:TlsVersion is below 1.2 (Bucket enforceSSL: true, minimumTLSVersion: 1.2)',
      apply: serving ? undefined : () => addDenyStatements(resource as CfnBucket, policy?.policy, missing),
    }];
  },
};

/**
 * How the template shows a bucket serving the public, or undefined: a website configuration (S3 website endpoints
 * serve HTTP only), a public canned ACL, or a policy statement that allows everyone. Fixes that change who can reach
 * the bucket, or over which protocol, hold back on these buckets and report instead.
 */
export function publicServing(properties: CfnProperties, policy: CfnProperties | undefined): 'website' | 'public ACL' | 'public policy' | undefined {
  if (properties.WebsiteConfiguration !== undefined) return 'website';
  if (typeof properties.AccessControl === 'string' && properties.AccessControl.startsWith('Public')) return 'public ACL';
  return grantsPublicAccess(policy) ? 'public policy' : undefined;
}

const BLOCK_ALL = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'] as const;

/** Buckets block every form of public access. */
export const s3BlockPublicAccess: SecurityBaselineControl = {
  id: 'BUCKET2',
  areas: ['infrastructure'],
  title: 'S3 buckets turn on all four Block Public Access settings',
  reports: '`PublicAccessBlockConfiguration = <settings> off` (not set passes unless the bucket is public: S3 blocks public access on new buckets since April 2023)',
  resourceTypes: [BUCKET],
  fixes: 'turns on all four PublicAccessBlockConfiguration settings, unless the bucket serves the public (website, public ACL or public policy)',
  evaluate(resource: CfnResource, { properties }) {
    const config = properties.PublicAccessBlockConfiguration ?? {};
    const off = BLOCK_ALL.filter((k) => config[k] !== true && config[k] !== 'true');
    if (off.length === 0) return [];
    const publicByDesign = publicServing(properties, bucketPolicyOf(resource)?.properties) !== undefined;
    // Unset: S3 turns all four settings on for every bucket created since April 2023, and nothing in the template makes
    // the bucket public, so the deployed bucket complies (see the README for buckets created before that date).
    if (properties.PublicAccessBlockConfiguration === undefined && !publicByDesign) return [];
    return [{
      setting: 'PublicAccessBlockConfiguration',
      found: properties.PublicAccessBlockConfiguration === undefined ? 'not set' : `${off.join(', ')} off`,
      fix: publicByDesign
        ? 'serve public content through CloudFront with origin access control, then set blockPublicAccess: BlockPublicAccess.BLOCK_ALL'
        : 'set blockPublicAccess: BlockPublicAccess.BLOCK_ALL',
      apply: publicByDesign ? undefined : () => {
        (resource as CfnBucket).publicAccessBlockConfiguration = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
        return `PublicAccessBlockConfiguration ${off.join(', ')} -> true`;
      },
    }];
  },
};

/** Buckets keep object versions (recovery from overwrite, deletion, ransomware). */
export const s3Versioning: SecurityBaselineControl = {
  id: 'BUCKET3',
  areas: ['infrastructure'],
  title: 'S3 buckets have versioning enabled',
  reports: '`VersioningConfiguration.Status = <value>`',
  resourceTypes: [BUCKET],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.VersioningConfiguration?.Status === 'Enabled') return [];
    return [{ setting: 'VersioningConfiguration.Status', found: shown(properties.VersioningConfiguration?.Status), fix: 'set versioned: true (and a lifecycle rule for noncurrent versions)' }];
  },
};
