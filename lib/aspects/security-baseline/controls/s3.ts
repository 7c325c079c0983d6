import { CfnOutput, CfnResource, Fn, IResolveContext, Lazy, Stack, Token } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BucketBase, CfnBucket, CfnBucketPolicy } from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { CfnProperties, referencedResources, refersTo, renderedProperties, resolvedValue, resourcesOfType, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const BUCKET = 'AWS::S3::Bucket';
export const BUCKET_POLICY = 'AWS::S3::BucketPolicy';

/** Whether a bucket policy targets a bucket: yes, no, or cannot tell from the template. */
type Targets = 'yes' | 'no' | 'unknown';

/** A bucket name as literal parts and unknown parts (`null`), from its resolved CloudFormation value. */
function nameParts(value: unknown): (string | null)[] {
  if (typeof value === 'string') return [value];
  const join = (value as { 'Fn::Join'?: unknown } | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].flatMap((part: unknown, i: number) => [...(i > 0 && join[0] !== '' ? [join[0]] : []), ...nameParts(part)]);
  }
  return [null];
}

/** False when two names, each possibly built from unknown parts, can never be equal (their literal ends differ). */
function couldBeEqual(a: (string | null)[], b: (string | null)[]): boolean {
  const prefix = (p: (string | null)[]) => p.slice(0, Math.max(0, p.indexOf(null) < 0 ? p.length : p.indexOf(null))).join('');
  const suffix = (p: (string | null)[]) => p.slice(p.lastIndexOf(null) + 1).join('');
  const [pa, pb, sa, sb] = [prefix(a), prefix(b), suffix(a), suffix(b)];
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

/** The value an `Fn::ImportValue` stands for, when an output of this app exports that name. */
function exportedValue(scope: IConstruct, imported: unknown): { output: CfnOutput; value: unknown } | undefined {
  const name = (imported as { 'Fn::ImportValue'?: unknown } | undefined)?.['Fn::ImportValue'];
  if (typeof name !== 'string') return undefined;
  const output = scope.node.root.node.findAll().find((c): c is CfnOutput => c instanceof CfnOutput && resolvedValue(c, c.exportName) === name);
  return output ? { output, value: output.value } : undefined;
}

/**
 * Whether `policy` targets `bucket`, however the bucket is named: a reference (`Ref`, also across stacks), a
 * literal name, a name built from tokens (compared as resolved in the same stack), or an imported name (an
 * `Fn::ImportValue` of an output of this app). `unknown` when the template cannot tell (a parameter, an import from
 * outside the app, a name built from values only known at deploy time).
 */
function policyTargets(policy: CfnResource, bucket: CfnResource): Targets {
  if (!(policy instanceof CfnBucketPolicy)) return 'unknown';
  const direct = referencedResources(policy, policy.bucket);
  if (direct.has(bucket)) return 'yes';
  for (const r of direct) if (r.cfnResourceType === BUCKET) return 'no';
  let scope: IConstruct = policy;
  let target: unknown = policy.bucket;
  let resolved = resolvedValue(scope, target);
  const imported = exportedValue(policy, resolved);
  if (imported) [scope, target, resolved] = [imported.output, imported.value, resolvedValue(imported.output, imported.value)];
  if (refersTo(scope, target, bucket)) return 'yes';
  if ([...referencedResources(scope, target)].some((r) => r.cfnResourceType === BUCKET)) return 'no';
  const name = (bucket as CfnBucket).bucketName;
  if (name === undefined) return typeof resolved === 'string' ? 'no' : 'unknown'; // a literal cannot name a bucket CloudFormation names
  const wanted = resolvedValue(bucket, name);
  if (typeof wanted === 'string' && typeof resolved === 'string') return wanted === resolved ? 'yes' : 'no';
  if (Stack.of(scope) === Stack.of(bucket) && JSON.stringify(wanted) === JSON.stringify(resolved)) return 'yes';
  return couldBeEqual(nameParts(wanted), nameParts(resolved)) ? 'unknown' : 'no';
}

/** The bucket's policy in this app, and the policies that may target it without the template saying so. */
export function bucketPolicies(bucket: CfnResource): { found?: { policy: CfnResource; properties: CfnProperties }; uncertain: CfnResource[] } {
  const uncertain: CfnResource[] = [];
  for (const policy of resourcesOfType(bucket, BUCKET_POLICY)) {
    const targets = policyTargets(policy, bucket);
    if (targets === 'yes') return { found: { policy, properties: renderedProperties(policy) }, uncertain: [] };
    if (targets === 'unknown') uncertain.push(policy);
  }
  return { uncertain };
}

/** The bucket policy attached to a bucket in this app, with its rendered properties. */
export function bucketPolicyOf(bucket: CfnResource): { policy: CfnResource; properties: CfnProperties } | undefined {
  return bucketPolicies(bucket).found;
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

/** The L2 bucket whose default child is this L1, when there is one (its own policy is where a fix goes). */
function bucketL2(bucket: CfnResource): BucketBase | undefined {
  const parent = bucket.node.scope;
  return parent instanceof BucketBase && parent.node.defaultChild === bucket ? parent : undefined;
}

/**
 * Adds the missing deny statements to the bucket's policy. An L2 bucket without a policy gets them through its own
 * `addToResourcePolicy()`, exactly as `enforceSSL: true, minimumTLSVersion: 1.2` would add them, so moving to that
 * code fix keeps the policy's logical id; an L1 bucket gets a new `AWS::S3::BucketPolicy` child.
 */
function addDenyStatements(bucket: CfnBucket, existing: CfnResource | undefined, missing: { transport: boolean; tls: boolean }): string {
  const l2 = existing ? undefined : bucketL2(bucket);
  if (l2) {
    const deny = (condition: Record<string, Record<string, unknown>>) => new PolicyStatement({ actions: ['s3:*'], conditions: condition,
      effect: Effect.DENY, resources: [l2.bucketArn, l2.arnForObjects('*')], principals: [new AnyPrincipal()] });
    if (missing.transport) l2.addToResourcePolicy(deny({ Bool: { 'aws:SecureTransport': 'false' } }));
    if (missing.tls) l2.addToResourcePolicy(deny({ NumericLessThan: { 's3:TlsVersion': 1.2 } }));
    const what = [missing.transport ? 'aws:SecureTransport=false' : '', missing.tls ? 's3:TlsVersion<1.2' : ''].filter(Boolean).join(' and ');
    return `added the deny of ${what} to the bucket's own policy ${l2.policy?.node.path ?? ''} (as enforceSSL: true, minimumTLSVersion: 1.2 would)`;
  }
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
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'S3 bucket policies deny requests without TLS and with TLS older than 1.2',
  reports: '`BucketPolicy = none` or `<policy> has no deny for aws:SecureTransport=false / s3:TlsVersion<1.2`',
  resourceTypes: [BUCKET],
  fixes: 'adds the two deny statements (aws:SecureTransport false; s3:TlsVersion < 1.2) to the bucket policy, creating one when there is none, unless the bucket serves the public (website, public ACL or public policy)',
  evaluate(resource: CfnResource, { properties }) {
    const { found: policy, uncertain } = bucketPolicies(resource);
    const missing = { transport: !deniesInsecureTransport(policy?.properties), tls: !deniesOldTls(policy?.properties) };
    if (!missing.transport && !missing.tls) return [];
    const absent = [missing.transport ? 'aws:SecureTransport=false' : '', missing.tls ? 's3:TlsVersion<1.2' : ''].filter(Boolean).join(' and ');
    const unsure = !policy && uncertain.length > 0;
    const serving = publicServing(properties, policy?.properties);
    return [{
      setting: 'BucketPolicy',
      found: policy ? `${policy.policy.node.path} has no deny for ${absent}`
        : unsure ? `none that names this bucket (${uncertain.map((p) => p.node.path).join(', ')} may: its Bucket is known only at deploy time)` : 'none',
      fix: serving === 'website'
        ? 'put CloudFront with HTTPS in front of the website (origin access control on the bucket\'s REST endpoint), then deny requests without TLS; '
          + 'not fixed: S3 website endpoints serve HTTP only, so the deny would answer every visitor 403'
        : serving
          ? `move public readers to HTTPS (CloudFront with origin access control), then deny requests without TLS; not fixed: the bucket serves anonymous readers (${serving}) who may use http:// links`
          : `${unsure ? 'add the statements to the policy that targets this bucket (S3 keeps one policy per bucket): ' : ''}deny s3:* to every principal `
            + 'when aws:SecureTransport is false and when s3:TlsVersion is below 1.2 (Bucket enforceSSL: true, minimumTLSVersion: 1.2)',
      apply: serving || unsure || !(resource instanceof CfnBucket) ? undefined
        : () => addDenyStatements(resource as CfnBucket, policy?.policy, missing),
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
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
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
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'S3 buckets have versioning enabled',
  reports: '`VersioningConfiguration.Status = <value>`',
  resourceTypes: [BUCKET],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.VersioningConfiguration?.Status === 'Enabled') return [];
    return [{ setting: 'VersioningConfiguration.Status', found: shown(properties.VersioningConfiguration?.Status), fix: 'set versioned: true (and a lifecycle rule for noncurrent versions)' }];
  },
};
