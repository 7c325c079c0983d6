import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Aws, CfnOutput, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { addBaseline, synthError } from './helpers';

const ONLY_BUCKET1 = { mode: SecurityBaselineMode.FIX, disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((id) => id !== 'BUCKET1') };
const OWN_STATEMENT = { Sid: 'Own', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:GetObject', Resource: '*' };

/** Every bucket policy of the synthesized app, by stack and logical id (read from the written templates). */
function policies(app: App, stacks: Stack[]): { id: string; bucket: unknown; sids: string[]; conditions: string[] }[] {
  return stacks.flatMap((stack) => {
    const template = JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8'));
    return Object.entries(template.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy').map(([id, r]) => ({
      id: `${stack.stackName}/${id}`, bucket: r.Properties.Bucket,
      sids: r.Properties.PolicyDocument.Statement.map((st: any) => st.Sid ?? ''),
      conditions: r.Properties.PolicyDocument.Statement.map((st: any) => Object.keys(st.Condition ?? {})[0] ?? ''),
    }));
  });
}

/**
 * How the bucket is named and how the existing policy names its target. The reference model: the policy targets the
 * bucket when it refers to it or names it by the same value; it targets another bucket when the names can never be
 * equal; otherwise (a parameter, a literal against a generated name) the template cannot tell.
 */
type Name = 'generated' | 'literal' | 'token';
type Target = 'ref' | 'same-literal' | 'other-literal' | 'same-token' | 'other-token' | 'parameter';
const MODEL: Record<Name, Record<Target, 'same' | 'other' | 'unknown' | 'n/a'>> = {
  'generated': { 'ref': 'same', 'same-literal': 'n/a', 'other-literal': 'other', 'same-token': 'n/a', 'other-token': 'unknown', 'parameter': 'unknown' },
  'literal': { 'ref': 'same', 'same-literal': 'same', 'other-literal': 'other', 'same-token': 'n/a', 'other-token': 'other', 'parameter': 'unknown' },
  'token': { 'ref': 'same', 'same-literal': 'n/a', 'other-literal': 'other', 'same-token': 'same', 'other-token': 'other', 'parameter': 'unknown' },
};

function build(name: Name, target: Target) {
  const app = new App();
  const stack = new Stack(app, 'S');
  const bucketName = name === 'literal' ? 'logs-archive' : name === 'token' ? `${Aws.ACCOUNT_ID}-logs` : undefined;
  const bucket = new s3.CfnBucket(stack, 'B', { bucketName });
  const targetValue = {
    'ref': bucket.ref, 'same-literal': 'logs-archive', 'other-literal': 'other-bucket', 'same-token': `${Aws.ACCOUNT_ID}-logs`,
    'other-token': `${Aws.ACCOUNT_ID}-data`, 'parameter': new CfnParameter(stack, 'Name').valueAsString,
  }[target];
  new s3.CfnBucketPolicy(stack, 'P', { bucket: targetValue, policyDocument: { Version: '2012-10-17', Statement: [OWN_STATEMENT] } });
  const baseline = addBaseline(app, ONLY_BUCKET1);
  synthError(app);
  return { app, stack, baseline };
}

describe('BUCKET1 fix merges into the policy that targets the bucket, however the bucket is named', () => {
  const cases = (Object.keys(MODEL) as Name[]).flatMap((n) => (Object.keys(MODEL[n]) as Target[]).filter((t) => MODEL[n][t] !== 'n/a').map((t) => [n, t, MODEL[n][t]]));
  test.each(cases)('a %s bucket name and a policy naming it by %s: %s', (name, target, expected) => {
    const { app, stack, baseline } = build(name as Name, target as Target);
    const found = policies(app, [stack]);
    if (expected === 'same') {
      // merged into the one policy S3 will keep; nothing left to report
      expect(found).toEqual([{ id: 'S/P', bucket: expect.anything(), sids: ['Own', 'SecurityBaselineDenyInsecureTransport', 'SecurityBaselineDenyTlsBelow12'], conditions: ['', 'Bool', 'NumericLessThan'] }]);
      expect(baseline.findings).toEqual([]);
    } else if (expected === 'other') {
      // the existing policy is another bucket's: the bucket gets its own
      expect(found).toHaveLength(2);
      expect(found.find((p) => p.id !== 'S/P')!.sids).toEqual(['SecurityBaselineDenyInsecureTransport', 'SecurityBaselineDenyTlsBelow12']);
      expect(found.find((p) => p.id === 'S/P')!.sids).toEqual(['Own']);
      expect(baseline.findings).toEqual([]);
    } else {
      // the template cannot tell: no second policy (S3 would keep only one), reported instead
      expect(found.map((p) => p.sids)).toEqual([['Own']]);
      expect(baseline.changes).toEqual([]);
      expect(baseline.findings.map((f) => f.message)).toEqual([expect.stringContaining('S/P may: its Bucket is known only at deploy time')]);
    }
  });

  test('a name imported from another stack of the app (Fn.importValue of its export) is followed to the bucket', () => {
    const app = new App();
    const data = new Stack(app, 'Data');
    const bucket = new s3.CfnBucket(data, 'B', {});
    new CfnOutput(data, 'BucketName', { value: bucket.ref, exportName: 'DataBucketName' });
    const web = new Stack(app, 'Web');
    new s3.CfnBucketPolicy(web, 'P', { bucket: Fn.importValue('DataBucketName'), policyDocument: { Version: '2012-10-17', Statement: [OWN_STATEMENT] } });
    const baseline = addBaseline(app, ONLY_BUCKET1);
    synthError(app);
    expect(policies(app, [data, web]).map((p) => `${p.id} ${p.sids.join(',')}`)).toEqual(['Web/P Own,SecurityBaselineDenyInsecureTransport,SecurityBaselineDenyTlsBelow12']);
    expect(baseline.findings).toEqual([]);
  });
});

describe('on an L2 bucket the fix goes through the bucket\'s own policy', () => {
  const policyOf = (build: (s: Stack) => void, fix: boolean) => {
    const app = new App();
    const stack = new Stack(app, 'S');
    build(stack);
    if (fix) addBaseline(app, ONLY_BUCKET1);
    const template = app.synth().getStackByName('S').template;
    return Object.entries(template.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy');
  };

  test('fix mode and the code fix (enforceSSL: true, minimumTLSVersion: 1.2) give the same policy, logical id included', () => {
    const fixed = policyOf((s) => new s3.Bucket(s, 'Bucket'), true);
    const coded = policyOf((s) => new s3.Bucket(s, 'Bucket', { enforceSSL: true, minimumTLSVersion: 1.2 }), false);
    expect(fixed.map(([id]) => id)).toEqual(coded.map(([id]) => id));
    expect(fixed).toEqual(coded);
  });

  test('a bucket that already has its own policy gets the statements added to it', () => {
    const fixed = policyOf((s) => new s3.Bucket(s, 'Bucket').addToResourcePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'], resources: ['*'], principals: [new iam.AccountRootPrincipal()] })), true);
    expect(fixed).toHaveLength(1);
    expect(fixed[0][1].Properties.PolicyDocument.Statement).toHaveLength(3);
  });
});
