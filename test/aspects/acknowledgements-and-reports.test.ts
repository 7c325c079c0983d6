import { App, Aspects, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Acknowledgements, SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { addBaseline, findingKeys, synthError } from './helpers';
import { validationReport } from '../helpers/compliance';

/** An app with three keys that do not rotate (KMS1) in one stack; every other control off. */
function threeKeys() {
  const app = new App();
  const stage = new Stage(app, 'Prod');
  const stack = new Stack(app, 'S');
  const keys = ['A', 'B', 'C'].map((id) => new kms.CfnKey(stack, id, {}));
  return { app, stage, stack, keys };
}
const ONLY_KMS1 = { disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((id) => id !== 'KMS1') };

describe('acknowledgements stay as narrow as documented', () => {
  test.each([
    ['a Stack', (a: ReturnType<typeof threeKeys>) => a.stack, 'S acknowledges SecurityBaseline-KMS1 on a Stack'],
    ['the App', (a: ReturnType<typeof threeKeys>) => a.app, '(app) acknowledges SecurityBaseline-KMS1 on a Stage or App'],
  ])('fails if a SecurityBaseline control is acknowledged on %s (it would silence every resource below)', (_name, scope, message) => {
    const built = threeKeys();
    addBaseline(built.app, ONLY_KMS1);
    Acknowledgements.of(scope(built)).add('SecurityBaseline-KMS1', 'Test: three keys acknowledged with one call on the scope above them.');
    expect(synthError(built.app)?.message).toContain(`SecurityBaseline: ${message}, which would silence it on every resource below. Fix: acknowledge it on each resource`);
  });

  test('fails if a nested Stage carries the acknowledgement, even when the Aspect is added only to a stack inside it', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod');
    const stack = new Stack(stage, 'Data');
    new kms.CfnKey(stack, 'Key', {});
    Validations.of(stage).acknowledge({ id: 'SecurityBaseline::SecurityBaseline-KMS1', reason: 'Test: the whole stage is acknowledged at once.' });
    Aspects.of(stack).add(new SecurityBaseline());
    expect(synthError(app)?.message).toMatch(/SecurityBaseline: Prod acknowledges SecurityBaseline-KMS1 on a Stage or App/);
  });

  test('fails if an acknowledgement names an id no control reports, listing the known ids', () => {
    const app = new App();
    const bucket = new s3.CfnBucket(new Stack(app, 'S'), 'B');
    addBaseline(app);
    Acknowledgements.of(bucket).add('SecurityBaseline-BUCKET9', 'Test: a typo in the control id that would otherwise silence nothing.');
    expect(synthError(app)?.message).toMatch(
      /SecurityBaseline: S\/B acknowledges SecurityBaseline-BUCKET9, which no control reports\. Fix: acknowledge one of SecurityBaseline-ALB1, .*SecurityBaseline-BUCKET3, .*SecurityBaseline-WAF1\./);
  });

  test('an acknowledgement on the resource silences that resource only (the documented use)', () => {
    const built = threeKeys();
    const baseline = addBaseline(built.app, ONLY_KMS1);
    Acknowledgements.of(built.keys[0]).add('SecurityBaseline-KMS1', 'Test: this key wraps an imported key material that cannot rotate.');
    expect(synthError(built.app)?.message).toContain('S/B: EnableKeyRotation = not set');
    expect(baseline.findings.map((f) => `${f.path} ${f.acknowledged}`)).toEqual(['S/A true', 'S/B false', 'S/C false']);
  });
});

describe('each finding is reported once however often the Aspect is added', () => {
  test.each([
    ['two instances on the App', (app: App, stack: Stack) => { addBaseline(app, ONLY_KMS1); addBaseline(app, ONLY_KMS1); void stack; }],
    ['one instance on the App and on the Stack', (app: App, stack: Stack) => { const b = new SecurityBaseline(ONLY_KMS1); Aspects.of(app).add(b); Aspects.of(stack).add(b); }],
    ['a report and a fix instance (fix runs first, report sees the fixed key)', (app: App, stack: Stack) => {
      addBaseline(app, { ...ONLY_KMS1, mode: SecurityBaselineMode.FIX, controlModes: { KMS1: SecurityBaselineMode.REPORT } }); Aspects.of(stack).add(new SecurityBaseline(ONLY_KMS1));
    }],
  ])('%s', (_name, add) => {
    const { app, stack } = threeKeys();
    add(app, stack);
    const error = synthError(app);
    const report = validationReport(app.outdir).pluginReports.filter((p) => p.pluginName === 'SecurityBaseline');
    expect(report).toHaveLength(1);
    expect(report[0].violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} @ ${c.constructPath}`)).sort())
      .toEqual(['SecurityBaseline-KMS1 @ S/A', 'SecurityBaseline-KMS1 @ S/B', 'SecurityBaseline-KMS1 @ S/C']);
    expect(error!.message.match(/S\/A: EnableKeyRotation/g)).toHaveLength(1);
  });
});

describe('state per synthesis', () => {
  test('the same app synthesized twice lists the same findings, not twice as many', () => {
    const { app } = threeKeys();
    const baseline = addBaseline(app, ONLY_KMS1);
    synthError(app);
    const first = findingKeys(baseline);
    expect(synthError(app)).toBeDefined();
    expect(findingKeys(baseline)).toEqual(first);
    expect(first).toHaveLength(3);
  });
});
