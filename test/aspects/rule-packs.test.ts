import { Finding, ruleFindings } from '../helpers/compliance';
import { buildInsecureApp } from '../fixtures/insecure-app';
import { addBaseline, synthError, withoutBuiltInValidation } from './helpers';

withoutBuiltInValidation();

const count = (findings: Finding[], pack: string): number => findings.filter((f) => f.rule.startsWith(`${pack}-`)).length;
const keys = (findings: Finding[], pack: string): string[] => [...new Set(findings.filter((f) => f.rule.startsWith(`${pack}-`)).map((f) => `${f.rule} @ ${f.path}`))].sort();

describe('cdk-nag findings on the insecure app before and after fix mode (figures in the Aspect README)', () => {
  // GIVEN the insecure app as written, and the same app after the Aspect in fix mode ran (synth fails on what it cannot fix)
  const before = ruleFindings(buildInsecureApp().app);
  const fixed = buildInsecureApp();
  addBaseline(fixed.app, { mode: 'fix' });
  synthError(fixed.app);
  const after = ruleFindings(fixed.app);

  test('AwsSolutions: 26 findings before, 23 after (S2, S10 and KMS5 resolved)', () => {
    expect([count(before, 'AwsSolutions'), count(after, 'AwsSolutions')]).toEqual([26, 23]);
    expect(keys(before, 'AwsSolutions').filter((k) => !keys(after, 'AwsSolutions').includes(k))).toEqual([
      'AwsSolutions-KMS5 @ Insecure/Key/Resource',
      'AwsSolutions-S10 @ Insecure/Bucket/Resource',
      'AwsSolutions-S2 @ Insecure/Bucket/Resource',
    ]);
  });

  test('NIST 800-53 R5: 43 findings before, 37 after (HTTP redirect, S3 public access and TLS, key rotation resolved)', () => {
    expect([count(before, 'NIST.800.53.R5'), count(after, 'NIST.800.53.R5')]).toEqual([43, 37]);
    expect(keys(before, 'NIST.800.53.R5').filter((k) => !keys(after, 'NIST.800.53.R5').includes(k))).toEqual([
      'NIST.800.53.R5-ALBHttpToHttpsRedirection @ Insecure/PublicAlb/Http/Resource',
      'NIST.800.53.R5-KMSBackingKeyRotationEnabled @ Insecure/Key/Resource',
      'NIST.800.53.R5-S3BucketLevelPublicAccessProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketPublicReadProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketPublicWriteProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketSSLRequestsOnly @ Insecure/Bucket/Resource',
    ]);
  });

  test('fix mode adds no finding of any pack', () => {
    const added = after.filter((f) => !before.some((b) => b.rule === f.rule && b.path === f.path));
    expect(added).toEqual([]);
  });
});
