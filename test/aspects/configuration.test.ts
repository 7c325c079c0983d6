import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BaselineErrorCode, BaselineErrors, SecurityBaseline, SecurityBaselineArea, SecurityBaselineMode, SecurityBaselineProps } from '../../lib';
import { addBaseline, synthError } from './helpers';

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
    expect(baseline.mode).toBe(SecurityBaselineMode.REPORT);
    expect(baseline.thresholds).toEqual({ logRetention: logs.RetentionDays.ONE_YEAR, hstsMaxAge: Duration.days(365), backupRetention: Duration.days(7), minimumPasswordLength: 14 });
  });

  test('a control turned off by id (with or without the SecurityBaseline- prefix) reports nothing', () => {
    const { baseline, error } = app({ disabledControls: ['SecurityBaseline-KMS1', 'LOGS2'] });
    expect(baseline.findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  test('a threshold raises the bar: 400 days of logs pass at 365 and fail at 731, and fix sets 731', () => {
    expect(app({ disabledControls: ['KMS1', 'LOGS2'] }).baseline.findings).toEqual([]);
    const strict = app({ disabledControls: ['KMS1', 'LOGS2'], thresholds: { logRetention: logs.RetentionDays.TWO_YEARS } });
    expect(strict.baseline.findings.map((f) => f.message)).toEqual(['S/Logs: RetentionInDays = 400. Fix: set it to at least 731 days.']);
    const fixed = app({ mode: SecurityBaselineMode.FIX, disabledControls: ['KMS1', 'LOGS2'], thresholds: { logRetention: logs.RetentionDays.TWO_YEARS } });
    expect(fixed.template().Resources.Logs.Properties.RetentionInDays).toBe(731);
  });

  test('per-control mode: fix everything except key rotation, which is only reported', () => {
    const { baseline } = app({ mode: SecurityBaselineMode.FIX, controlModes: { KMS1: SecurityBaselineMode.REPORT }, disabledControls: ['LOGS2'], thresholds: { logRetention: logs.RetentionDays.TWO_YEARS } });
    expect(baseline.findings.map((f) => f.ruleId)).toEqual(['SecurityBaseline-KMS1']);
    expect(baseline.changes.map((c) => c.ruleId)).toEqual(['SecurityBaseline-LOGS1']);
  });

  test('per-control mode: report everything except key rotation, which is fixed', () => {
    const { baseline, template } = app({ mode: SecurityBaselineMode.REPORT, controlModes: { 'SecurityBaseline-KMS1': SecurityBaselineMode.FIX }, disabledControls: ['LOGS2'] });
    expect(baseline.findings).toEqual([]);
    expect(baseline.changes.map((c) => c.ruleId)).toEqual(['SecurityBaseline-KMS1']);
    expect(template().Resources.Key.Properties.EnableKeyRotation).toBe(true);
  });

  test('the controls table lists every control with its areas and what fix does', () => {
    expect(SecurityBaseline.controls()).toHaveLength(40);
    expect(new Set(SecurityBaseline.controls().map((c) => c.id)).size).toBe(40);
    for (const c of SecurityBaseline.controls()) {
      expect(c.ruleId).toBe(`SecurityBaseline-${c.id}`);
      expect(c.areas.length).toBeGreaterThan(0);
      expect(c.title.length).toBeGreaterThan(10);
    }
    expect(SecurityBaseline.controls().filter((c) => c.fixes).map((c) => c.id)).toEqual(
      ['ALB1', 'ALB2', 'ALB3', 'ALB4', 'ALB5', 'NLB1', 'APIGW1', 'APIGW6', 'HTTPAPI3', 'CF1', 'CF2', 'BUCKET1', 'BUCKET2', 'LOGS1', 'KMS1']);
  });
});

describe('invalid props', () => {
  test('fails if a disabled control id is unknown', () => {
    expect(() => new SecurityBaseline({ disabledControls: ['KMS1', 'ALB9'] })).toThrow(
      /^SecurityBaseline: invalid disabledControls\[1\] = "ALB9"\. Fix: use a control id: ALB1, ALB2, .*WAF1\.$/);
  });

  test('fails if a per-control mode names an unknown control', () => {
    expect(() => new SecurityBaseline({ controlModes: { S3: SecurityBaselineMode.FIX } })).toThrow(/invalid controlModes\.S3 = "S3"\. Fix: use a control id/);
  });

  test('fails if a report-only control is set to fix', () => {
    expect(() => new SecurityBaseline({ controlModes: { RDS1: SecurityBaselineMode.FIX } })).toThrow(
      /invalid controlModes\.RDS1 = "fix"\. Fix: RDS1 only reports; set it to 'report' or leave it out\. Controls that fix: ALB1/);
  });

  test('fails if the mode is not report or fix', () => {
    expect(() => new SecurityBaseline({ mode: 'enforce' as never })).toThrow(/invalid mode = "enforce"\. Fix: use 'report' or 'fix'\./);
  });

  test('fails if the log retention threshold is below a year or not a CloudWatch Logs value', () => {
    expect(() => new SecurityBaseline({ thresholds: { logRetention: logs.RetentionDays.THREE_MONTHS } })).toThrow(
      /invalid thresholds\.logRetention = 90\. Fix: use a logs\.RetentionDays of at least one year: ONE_YEAR \(365\), THIRTEEN_MONTHS \(400\), .*TEN_YEARS \(3653\)\.$/);
    expect(() => new SecurityBaseline({ thresholds: { logRetention: 500 as logs.RetentionDays } })).toThrow(/invalid thresholds\.logRetention = 500\. Fix: use a logs\.RetentionDays/);
    expect(() => new SecurityBaseline({ thresholds: { logRetention: logs.RetentionDays.INFINITE } })).toThrow(/invalid thresholds\.logRetention = 9999\./);
  });

  test('a log retention threshold of any offered value from one to ten years is accepted', () => {
    expect(new SecurityBaseline({ thresholds: { logRetention: logs.RetentionDays.TEN_YEARS } }).thresholds.logRetention).toBe(logs.RetentionDays.TEN_YEARS);
  });

  test('fails if the HSTS threshold is shorter than a year, longer than two, or not whole seconds', () => {
    const fix = /Fix: use a whole number of seconds from one year to two years \(Duration\.days\(365\) to Duration\.days\(730\)\)\.$/;
    expect(() => new SecurityBaseline({ thresholds: { hstsMaxAge: Duration.seconds(86400) } })).toThrow(/invalid thresholds\.hstsMaxAge = Duration\.seconds\(86400\)\. Fix/);
    expect(() => new SecurityBaseline({ thresholds: { hstsMaxAge: Duration.days(731) } })).toThrow(fix);
    expect(() => new SecurityBaseline({ thresholds: { hstsMaxAge: Duration.millis(31536000500) } })).toThrow(/hstsMaxAge = Duration\.millis\(31536000500\)/);
    expect(new SecurityBaseline({ thresholds: { hstsMaxAge: Duration.days(730) } }).thresholds.hstsMaxAge!.toSeconds()).toBe(63072000);
  });

  test('fails if the backup retention is out of range or not whole days, or the password threshold is out of range', () => {
    expect(() => new SecurityBaseline({ thresholds: { backupRetention: Duration.days(3) } })).toThrow(
      /invalid thresholds\.backupRetention = Duration\.days\(3\)\. Fix: use a whole number of days from 7 to 35 \(Duration\.days\(7\) to Duration\.days\(35\)\)\./);
    expect(() => new SecurityBaseline({ thresholds: { backupRetention: Duration.hours(180) } })).toThrow(/invalid thresholds\.backupRetention = Duration\.hours\(180\)\. Fix: use a whole number of days/);
    expect(new SecurityBaseline({ thresholds: { backupRetention: Duration.hours(168) } }).thresholds.backupRetention!.toDays()).toBe(7);
    expect(() => new SecurityBaseline({ thresholds: { minimumPasswordLength: 8 } })).toThrow(/invalid thresholds\.minimumPasswordLength = 8\. Fix: use a whole number from 14 to 99\./);
  });

  test('every invalid prop is a BaselineError with the code InvalidProp', () => {
    const thrown = (f: () => unknown) => { try { f(); } catch (e) { return e; } return undefined; };
    for (const props of [{ disabledControls: ['ALB9'] }, { mode: 'enforce' as never }, { thresholds: { backupRetention: Duration.days(3) } }]) {
      const error = thrown(() => new SecurityBaseline(props));
      expect(BaselineErrors.isBaselineError(error)).toBe(true);
      expect(BaselineErrors.codeOf(error)).toBe(BaselineErrorCode.INVALID_PROP);
    }
  });

  test('the thresholds in force, the defaults and the controls cannot be changed through what they return', () => {
    // Each read is a new copy (values crossing jsii must be extensible, so they are copies, not frozen objects):
    // changing one changes nothing the Aspect or the next reader sees.
    const baseline = new SecurityBaseline();
    expect(SecurityBaseline.defaultThresholds()).toEqual(baseline.thresholds);
    const thresholds = baseline.thresholds as { minimumPasswordLength?: number };
    thresholds.minimumPasswordLength = 1;
    const defaults = SecurityBaseline.defaultThresholds() as { minimumPasswordLength?: number };
    defaults.minimumPasswordLength = 1;
    expect([baseline.thresholds.minimumPasswordLength, SecurityBaseline.defaultThresholds().minimumPasswordLength]).toEqual([14, 14]);
    const controls = SecurityBaseline.controls();
    controls[0].areas.push(SecurityBaselineArea.INPUT);
    controls[0].resourceTypes.length = 0;
    controls.length = 0;
    expect(SecurityBaseline.controls().length).toBeGreaterThan(30);
    expect(SecurityBaseline.controls()[0].areas).not.toContain(SecurityBaselineArea.INPUT);
    expect(SecurityBaseline.controls()[0].resourceTypes.length).toBeGreaterThan(0);
    for (const c of SecurityBaseline.controls()) expect([c.id, Object.isExtensible(c)]).toEqual([c.id, true]);
  });
});

describe('README', () => {
  test('the controls table in the README matches SecurityBaseline.controls()', () => {
    const readme = readFileSync(join(__dirname, '../../lib/aspects/security-baseline/README.md'), 'utf8');
    const table = readme.split('<!-- controls-table:start -->\n')[1].split('<!-- controls-table:end -->')[0];
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const expected = ['| id | area | requirement | report says | fix does |', '|---|---|---|---|---|',
      ...SecurityBaseline.controls().map((c) => `| \`${c.id}\` | ${c.areas.join(', ')} | ${esc(c.title)} | ${esc(c.reports)} | ${c.fixes ? esc(c.fixes) : 'reports only'} |`)];
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
