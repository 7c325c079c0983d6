import { readFileSync } from 'fs';
import { join } from 'path';
import { RULE_PACK_NAMES, RULE_PACK_TITLES } from '../../lib/compliance/pack-names';
import { Acknowledgements, SecurityBaselineMode } from '../../lib';
import { isAcknowledged } from '../../lib/compliance/findings';
import { controlTowerViolations, Finding, ruleFindings } from '../helpers/compliance';
import { buildInsecureApp } from '../fixtures/insecure-app';
import { addBaseline, REPORT_ONLY_CONTROLS, synthError } from './helpers';

const count = (findings: Finding[], pack: string): number => findings.filter((f) => f.rule.startsWith(`${pack}-`)).length;
/** The rule of a finding without its pack prefix and granular suffix (`NIST.800.53.R5-S3BucketSSLRequestsOnly` → `S3BucketSSLRequestsOnly`). */
const ruleOf = (finding: Finding, pack: string): string => finding.rule.slice(pack.length + 1).replace(/\[.*$/, '');

/** The rows of the "cdk-nag findings before → after fix" table in the Aspect README: pack title, counts, resolved rules. */
function readmeTable(): { title: string; before: number; after: number; resolved: string[] }[] {
  const readme = readFileSync(join(__dirname, '../../lib/aspects/security-baseline/README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| pack | before | after fix | resolved |'));
  return table.split('\n').slice(2).filter((line) => line.startsWith('|')).map((line) => {
    const [title, before, after, resolved] = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const rules = resolved.replace(/\([^)]*\)/g, '').split(',').map((r) => r.trim()).filter(Boolean);
    return { title, before: Number(before), after: Number(after), resolved: rules.sort() };
  });
}

const keys = (findings: Finding[], pack: string): string[] => [...new Set(findings.filter((f) => f.rule.startsWith(`${pack}-`)).map((f) => `${f.rule} @ ${f.path}`))].sort();

describe('cdk-nag findings on the insecure app before and after fix mode (figures in the Aspect README)', () => {
  // GIVEN the insecure app as written, and the same app after the Aspect in fix mode ran (synth fails on what it cannot fix)
  const before = ruleFindings(buildInsecureApp().app);
  const fixed = buildInsecureApp();
  addBaseline(fixed.app, { mode: SecurityBaselineMode.FIX });
  synthError(fixed.app);
  const after = ruleFindings(fixed.app);

  test('AwsSolutions: 34 findings before, 31 after (S2, S10 and KMS5 resolved)', () => {
    expect([count(before, 'AwsSolutions'), count(after, 'AwsSolutions')]).toEqual([34, 31]);
    expect(keys(before, 'AwsSolutions').filter((k) => !keys(after, 'AwsSolutions').includes(k))).toEqual([
      'AwsSolutions-KMS5 @ Insecure/Key/Resource',
      'AwsSolutions-S10 @ Insecure/Bucket/Resource',
      'AwsSolutions-S2 @ Insecure/Bucket/Resource',
    ]);
  });

  test('NIST 800-53 R5: 45 findings before, 39 after (HTTP redirect, S3 public access and TLS, key rotation resolved)', () => {
    expect([count(before, 'NIST.800.53.R5'), count(after, 'NIST.800.53.R5')]).toEqual([45, 39]);
    expect(keys(before, 'NIST.800.53.R5').filter((k) => !keys(after, 'NIST.800.53.R5').includes(k))).toEqual([
      'NIST.800.53.R5-ALBHttpToHttpsRedirection @ Insecure/PublicAlb/Http/Resource',
      'NIST.800.53.R5-KMSBackingKeyRotationEnabled @ Insecure/Key/Resource',
      'NIST.800.53.R5-S3BucketLevelPublicAccessProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketPublicReadProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketPublicWriteProhibited @ Insecure/Bucket/Resource',
      'NIST.800.53.R5-S3BucketSSLRequestsOnly @ Insecure/Bucket/Resource',
    ]);
  });

  test('the README table has one row per rule pack, in the order of RULE_PACK_NAMES', () => {
    expect(readmeTable().map((row) => row.title)).toEqual(RULE_PACK_NAMES.map((name) => RULE_PACK_TITLES[name]));
  });

  test.each(RULE_PACK_NAMES.map((name) => [name]))('%s: the README figures are the findings before and after fix mode, and the rules it resolved', (name) => {
    const row = readmeTable().find((r) => r.title === RULE_PACK_TITLES[name]);
    const resolved = before.filter((f) => f.rule.startsWith(`${name}-`) && !after.some((a) => a.rule === f.rule && a.path === f.path));
    expect(row).toEqual({
      title: RULE_PACK_TITLES[name], before: count(before, name), after: count(after, name), resolved: [...new Set(resolved.map((f) => ruleOf(f, name)))].sort(),
    });
  });

  test('fix mode adds no finding of any pack', () => {
    const added = after.filter((f) => !before.some((b) => b.rule === f.rule && b.path === f.path));
    expect(added).toEqual([]);
  });
});

describe('fix mode adds no finding of any plugin the library registers (every cdk-nag pack and the Control Tower controls)', () => {
  // GIVEN the insecure app as written, and the same app fixed (report-only controls off so synth passes and Control
  // Tower can read the templates; the fixable findings fix mode cannot fix are acknowledged, as in security-baseline.test.ts)
  // a finding the validator reports without a resource is keyed by its template's name (the output directories differ)
  const open = (findings: Finding[]) => findings.filter((f) => !f.construct || !isAcknowledged(f.construct, f.rule))
    .map((f) => `${f.rule} @ ${f.construct ? f.path : f.path.split('/').pop()}`);
  const before = buildInsecureApp();
  const fixed = buildInsecureApp();
  addBaseline(fixed.app, { mode: SecurityBaselineMode.FIX, disabledControls: REPORT_ONLY_CONTROLS });
  Acknowledgements.of(fixed.internalAlb.node.findChild('Http')).add('SecurityBaseline-ALB2',
    'Test: this internal load balancer has no HTTPS listener, so the redirect cannot be added by the Aspect.');
  Acknowledgements.of(fixed.stack.node.findChild('Cdn')).add('SecurityBaseline-CF2',
    'Test: this distribution uses the default CloudFront certificate, whose minimum TLS version cannot be raised.');

  test('Control Tower: no finding after the fix that was not there before (the TLS 1.3 API domain is acknowledged as SecureRestApi does)', () => {
    const added = open(controlTowerViolations(fixed.app)).filter((f) => !open(controlTowerViolations(before.app)).includes(f));
    expect(added).toEqual([]);
  });

  test('every cdk-nag pack: no finding after the fix that was not there before', () => {
    const beforeKeys = ruleFindings(before.app).map((f) => `${f.rule} @ ${f.path}`);
    expect(ruleFindings(fixed.app).map((f) => `${f.rule} @ ${f.path}`).filter((f) => !beforeKeys.includes(f))).toEqual([]);
  });
});
