import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SecurityBaseline, SecurityBaselineProps } from '../../lib';
import { addBaseline, synthError, withoutBuiltInValidation } from './helpers';

withoutBuiltInValidation();

function app(props: SecurityBaselineProps) {
  const a = new App();
  const stack = new Stack(a, 'S');
  new kms.CfnKey(stack, 'Key', {});
  new logs.CfnLogGroup(stack, 'Logs', { retentionInDays: 400 });
  const baseline = addBaseline(a, props);
  const error = synthError(a);
  return { baseline, error, template: () => Template.fromStack(stack).toJSON() };
}

describe('configuration', () => {
  test('defaults: report mode and every control on', () => {
    const baseline = new SecurityBaseline();
    expect(baseline.mode).toBe('report');
    expect(baseline.thresholds).toEqual({ logRetentionDays: 365, hstsMaxAgeSeconds: 31536000, backupRetentionDays: 7, minimumPasswordLength: 14 });
  });

  test('a control turned off by id (with or without the SecurityBaseline- prefix) reports nothing', () => {
    const { baseline, error } = app({ disabledControls: ['SecurityBaseline-KMS1', 'LOGS2'] });
    expect(baseline.findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  test('a threshold raises the bar: 400 days of logs pass at 365 and fail at 731, and fix sets 731', () => {
    expect(app({ disabledControls: ['KMS1', 'LOGS2'] }).baseline.findings).toEqual([]);
    const strict = app({ disabledControls: ['KMS1', 'LOGS2'], thresholds: { logRetentionDays: 731 } });
    expect(strict.baseline.findings.map((f) => f.message)).toEqual(['S/Logs: RetentionInDays = 400. Fix: set it to at least 731 days.']);
    const fixed = app({ mode: 'fix', disabledControls: ['KMS1', 'LOGS2'], thresholds: { logRetentionDays: 731 } });
    expect(fixed.template().Resources.Logs.Properties.RetentionInDays).toBe(731);
  });

  test('per-control mode: fix everything except key rotation, which is only reported', () => {
    const { baseline } = app({ mode: 'fix', controlModes: { KMS1: 'report' }, disabledControls: ['LOGS2'], thresholds: { logRetentionDays: 731 } });
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(['SecurityBaseline-KMS1']);
    expect(baseline.changes.map((c) => c.ruleId)).toEqual(['SecurityBaseline-LOGS1']);
  });

  test('per-control mode: report everything except key rotation, which is fixed', () => {
    const { baseline, template } = app({ mode: 'report', controlModes: { 'SecurityBaseline-KMS1': 'fix' }, disabledControls: ['LOGS2'] });
    expect(baseline.findings).toEqual([]);
    expect(baseline.changes.map((c) => c.ruleId)).toEqual(['SecurityBaseline-KMS1']);
    expect(template().Resources.Key.Properties.EnableKeyRotation).toBe(true);
  });

  test('the controls table lists every control with its areas and what fix does', () => {
    expect(SecurityBaseline.CONTROLS).toHaveLength(40);
    expect(new Set(SecurityBaseline.CONTROLS.map((c) => c.id)).size).toBe(40);
    for (const c of SecurityBaseline.CONTROLS) {
      expect(c.ruleId).toBe(`SecurityBaseline-${c.id}`);
      expect(c.areas.length).toBeGreaterThan(0);
      expect(c.title.length).toBeGreaterThan(10);
    }
    expect(SecurityBaseline.CONTROLS.filter((c) => c.fixes).map((c) => c.id)).toEqual(
      ['ALB1', 'ALB2', 'ALB3', 'ALB4', 'ALB5', 'NLB1', 'APIGW1', 'APIGW6', 'HTTPAPI3', 'CF1', 'CF2', 'BUCKET1', 'BUCKET2', 'LOGS1', 'KMS1']);
  });
});

describe('invalid props', () => {
  test('fails if a disabled control id is unknown', () => {
    expect(() => new SecurityBaseline({ disabledControls: ['KMS1', 'ALB9'] })).toThrow(
      /^SecurityBaseline: invalid disabledControls\[1\] = "ALB9"\. Fix: use a control id: ALB1, ALB2, .*WAF1\.$/);
  });

  test('fails if a per-control mode names an unknown control', () => {
    expect(() => new SecurityBaseline({ controlModes: { S3: 'fix' } })).toThrow(/invalid controlModes\.S3 = "S3"\. Fix: use a control id/);
  });

  test('fails if a report-only control is set to fix', () => {
    expect(() => new SecurityBaseline({ controlModes: { RDS1: 'fix' } })).toThrow(
      /invalid controlModes\.RDS1 = "fix"\. Fix: RDS1 only reports; set it to 'report' or leave it out\. Controls that fix: ALB1/);
  });

  test('fails if the mode is not report or fix', () => {
    expect(() => new SecurityBaseline({ mode: 'enforce' as never })).toThrow(/invalid mode = "enforce"\. Fix: use 'report' or 'fix'\./);
  });

  test('fails if the log retention threshold is below a year or not a CloudWatch Logs value', () => {
    expect(() => new SecurityBaseline({ thresholds: { logRetentionDays: 90 } })).toThrow(
      /invalid thresholds\.logRetentionDays = 90\. Fix: use a whole number from 365 to 3653 that CloudWatch Logs offers \(365, 400, 545/);
    expect(() => new SecurityBaseline({ thresholds: { logRetentionDays: 500 } })).toThrow(
      /invalid thresholds\.logRetentionDays = 500\. Fix: use a retention CloudWatch Logs offers, at least 365: 365, 400/);
  });

  test('fails if the HSTS threshold is shorter than a year or longer than two', () => {
    expect(() => new SecurityBaseline({ thresholds: { hstsMaxAgeSeconds: 86400 } })).toThrow(
      /invalid thresholds\.hstsMaxAgeSeconds = 86400\. Fix: use a whole number from 31536000 to 63072000 \(one to two years in seconds\)\./);
    expect(() => new SecurityBaseline({ thresholds: { hstsMaxAgeSeconds: 31536000.5 } })).toThrow(/hstsMaxAgeSeconds = 31536000.5/);
  });

  test('fails if the backup or password threshold is out of range', () => {
    expect(() => new SecurityBaseline({ thresholds: { backupRetentionDays: 3 } })).toThrow(/invalid thresholds\.backupRetentionDays = 3\. Fix: use a whole number from 7 to 35\./);
    expect(() => new SecurityBaseline({ thresholds: { minimumPasswordLength: 8 } })).toThrow(/invalid thresholds\.minimumPasswordLength = 8\. Fix: use a whole number from 14 to 99\./);
  });
});

describe('README', () => {
  test('the controls table in the README matches SecurityBaseline.CONTROLS', () => {
    const readme = readFileSync(join(__dirname, '../../lib/aspects/security-baseline/README.md'), 'utf8');
    const table = readme.split('<!-- controls-table:start -->\n')[1].split('<!-- controls-table:end -->')[0];
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const expected = ['| id | area | requirement | report says | fix does |', '|---|---|---|---|---|',
      ...SecurityBaseline.CONTROLS.map((c) => `| \`${c.id}\` | ${c.areas.join(', ')} | ${esc(c.title)} | ${esc(c.reports)} | ${c.fixes ? esc(c.fixes) : 'reports only'} |`)];
    expect(table.trimEnd().split('\n')).toEqual(expected);
  });
});

describe('public APIs only', () => {
  test('no file of the Aspect reads a non-public member of a dependency (underscore members, rawOverrides, cfnProperties)', () => {
    const dir = join(__dirname, '../../lib/aspects/security-baseline');
    const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'controls')).map((f) => join(dir, 'controls', f))].filter((f) => f.endsWith('.ts'));
    const offending = files.flatMap((file) => readFileSync(file, 'utf8').split('\n')
      .map((line, i) => ({ where: `${file.slice(dir.length + 1)}:${i + 1}`, line }))
      .filter(({ line }) => /\.\s*_[A-Za-z]|\b_toCloudFormation\b|\b_cfnProperties\b|\brawOverrides\b|\bcfnProperties\b|\brenderProperties\b/.test(line.replace(/\/\/.*$/, '')))
      .map(({ where, line }) => `${where}: ${line.trim()}`));
    expect(files.length).toBeGreaterThan(15);
    expect(offending).toEqual([]);
  });
});
