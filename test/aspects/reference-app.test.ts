import { readFileSync } from 'fs';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { SecurityBaselineMode } from '../../lib';
import { ProtectedServiceStack } from '../../examples/protected-service/stack';
import { allStacks, buildTestApp } from '../helpers/baseline';
import { addBaseline, findingKeys } from './helpers';
import { validationReport } from '../helpers/compliance';

/** Every template file of a synthesized app, by name, as bytes. */
function templateFiles(app: App): Map<string, Buffer> {
  const assembly = app.synth();
  return new Map(assembly.stacks.map((s) => [s.templateFile, readFileSync(join(assembly.directory, s.templateFile))]));
}

// The findings our stacks raise on purpose, each acknowledged on its construct with the reason the rule packs already accept.
// (The example dev has no load balancer, so the ALB deletion-protection opt-out of a stage with deletionProtection: false does not
// appear here; test/stacks/load-balancer-option.test.ts synthesizes dev with its load balancer and checks it has no open finding.)
const ACKNOWLEDGED = [
  'SecurityBaseline-RDS3 @ secbase-dev-data/Database/Cluster/Resource',
  'SecurityBaseline-SECRET1 @ secbase-dev-data/RateLimiter/DisabledDefaultUserPassword/Resource',
  'SecurityBaseline-SECRET1 @ secbase-prod-data/RateLimiter/DisabledDefaultUserPassword/Resource',
];

describe('the project\'s own stacks (dev and prod, example configuration)', () => {
  test('with the Aspect in fix mode they synthesize byte-identical to without it: nothing of ours needs fixing', () => {
    // GIVEN
    const plain = buildTestApp();
    const fixed = buildTestApp();
    const baseline = addBaseline(fixed.app, { mode: SecurityBaselineMode.FIX });
    // WHEN
    const without = templateFiles(plain.app);
    const withAspect = templateFiles(fixed.app);
    // THEN
    expect(baseline.changes).toEqual([]);
    expect([...withAspect.keys()].sort()).toEqual([...without.keys()].sort());
    expect(without.size).toBe(allStacks(plain.stages).length);
    for (const [file, bytes] of without) expect({ file, same: withAspect.get(file)!.equals(bytes) }).toEqual({ file, same: true });
  });

  test('in report mode they have zero open findings; the acknowledged ones are listed in the validation report with their reasons', () => {
    // GIVEN
    const { app } = buildTestApp();
    const baseline = addBaseline(app, { mode: SecurityBaselineMode.REPORT });
    // WHEN
    const assembly = app.synth();
    // THEN
    expect(findingKeys(baseline, { open: true })).toEqual([]);
    expect(findingKeys(baseline)).toEqual(ACKNOWLEDGED);
    const report = validationReport(assembly.directory).pluginReports.find((p) => p.pluginName === 'SecurityBaseline')!;
    expect(report).toMatchObject({ conclusion: 'success', violations: [] });
    const suppressed = report.suppressedViolations!.flatMap((v) => v.violatingConstructs.map((r) => `${v.ruleName} @ ${r.constructPath}`));
    expect(suppressed.sort()).toEqual(ACKNOWLEDGED);
    for (const v of report.suppressedViolations!) expect(v.reason!.length).toBeGreaterThanOrEqual(40);
  });
});

describe('the example stack built from our constructs by another team', () => {
  test('with the Aspect in fix mode it synthesizes byte-identical and has no finding', () => {
    const build = (): App => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      new ProtectedServiceStack(app, 'Inventory', { env: { region: 'eu-west-1' }, zoneId: 'Z0123456789EXAMPLEABC', zoneName: 'example.com' });
      return app;
    };
    const fixed = build();
    const baseline = addBaseline(fixed, { mode: SecurityBaselineMode.FIX });
    const withAspect = templateFiles(fixed);
    const without = templateFiles(build());
    expect(baseline.changes).toEqual([]);
    expect(baseline.findings).toEqual([]);
    for (const [file, bytes] of without) expect({ file, same: withAspect.get(file)!.equals(bytes) }).toEqual({ file, same: true });
  });
});
