import { readFileSync } from 'fs';
import { join } from 'path';
import { AspectPriority, Aspects } from 'aws-cdk-lib';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib/aspects/security-baseline';
import { RulePacks } from '../../lib/compliance';
import { MIN_ACK_REASON_LENGTH } from '../../lib/internal/acknowledge';
import { CONTROL_TOWER_ACK_PREFIX, CONTROL_TOWER_PLUGIN_NAME, RULE_PACK_NAMES } from '../../lib/compliance/pack-names';
import { buildTestApp } from '../helpers/baseline';
import { acknowledgements, BUILT_IN_VALIDATION, controlTowerViolations, ruleFindings, ruleFindingsWithout } from '../helpers/compliance';

describe('acknowledgements on the whole app (dev and prod)', () => {
  const { app } = buildTestApp();

  test('every acknowledgement names one rule of a registered pack and gives a reason an auditor can check', () => {
    // aws-cdk-lib records its own CloudFormation-Validate acknowledgements (for example W3010 on explicit zones); ours are rule-pack ones.
    const acks = acknowledgements(app).filter((a) => !a.id.startsWith(BUILT_IN_VALIDATION));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // A rule of a cdk-nag pack, a Control Tower control, a SecurityBaseline control, or one of the baseline's own opt-out warnings.
      expect(ack.id.startsWith(CONTROL_TOWER_ACK_PREFIX) || ack.id.startsWith('aws-security-baseline/') || ack.id.startsWith(SecurityBaseline.RULE_PREFIX)
        || RULE_PACK_NAMES.some((p) => ack.id.startsWith(`${p}-`))).toBe(true);
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(MIN_ACK_REASON_LENGTH);
    }
    // The full list, as an auditor reads it (path, rule, reason); a change shows up in review.
    expect(acks.map((a) => `${a.path} | ${a.id} | ${a.reason}`).sort()).toMatchSnapshot();
  });
});

describe('synth gate', () => {
  // The same plugins `npx cdk synth` runs; a failure prints every unacknowledged finding with its construct path.
  test('every pack passes with zero unacknowledged findings: cdk synth with every rule pack and the Control Tower controls succeeds', () => {
    const { app } = buildTestApp({ stages: ['dev', 'prod'] });
    RulePacks.addTo(app);
    const assembly = app.synth();
    // cdk.out/validation-report.json names every pack and the Control Tower plugin, each with zero open findings
    // and its acknowledged findings listed as suppressed (rule, construct path, reason).
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations?: { reason?: string }[] }[];
    };
    const ours: string[] = [...RULE_PACK_NAMES, CONTROL_TOWER_PLUGIN_NAME];
    expect(report.pluginReports.map((p) => p.pluginName)).toEqual(expect.arrayContaining(ours));
    for (const plugin of report.pluginReports) {
      // Every plugin (aws-cdk-lib's own CloudFormation validation included) ends with zero open findings.
      expect({ plugin: plugin.pluginName, conclusion: plugin.conclusion, open: plugin.violations.length }).toEqual({ plugin: plugin.pluginName, conclusion: 'success', open: 0 });
    }
    for (const plugin of report.pluginReports.filter((p) => ours.includes(p.pluginName))) {
      expect((plugin.suppressedViolations ?? []).length).toBeGreaterThan(0);
    }
  });
});

describe('acknowledgements are all needed', () => {
  test('without the acknowledgements, the app has exactly the findings they covered', () => {
    // GIVEN
    const { app } = buildTestApp({ stages: ['dev'] });
    const acks = acknowledgements(app).filter((a) => !a.id.startsWith(BUILT_IN_VALIDATION));
    // WHEN every acknowledgement is taken away (the findings are computed without them; the app is not changed)
    const findings = ruleFindingsWithout(app, app);
    // THEN every acknowledgement covered a finding on its construct or below it. The Control Tower findings are
    // reported acknowledged or not, and so are the Aspect's (flagged): one synth of the same app gives both.
    const securityBaseline = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
    Aspects.of(app).add(securityBaseline, { priority: AspectPriority.MUTATING });
    const controlTower = controlTowerViolations(app);
    for (const ack of acks.filter((a) => a.id.startsWith(CONTROL_TOWER_ACK_PREFIX))) {
      const rule = ack.id.slice(CONTROL_TOWER_ACK_PREFIX.length);
      if (!controlTower.some((f) => f.rule === rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)))) {
        throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no Control Tower finding`);
      }
    }
    expect(securityBaseline.findings.length).toBeGreaterThan(0);
    expect(securityBaseline.findings.filter((f) => !f.acknowledged).map((f) => `${f.ruleId} @ ${f.path}`)).toEqual([]);
    for (const ack of acks.filter((a) => a.id.startsWith(SecurityBaseline.RULE_PREFIX))) {
      if (!securityBaseline.findings.some((f) => f.ruleId === ack.id && f.acknowledged && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)))) {
        throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no SecurityBaseline finding`);
      }
    }
    for (const ack of acks.filter((a) => !a.id.startsWith(CONTROL_TOWER_ACK_PREFIX) && !a.id.startsWith('aws-security-baseline/')
      && !a.id.startsWith(SecurityBaseline.RULE_PREFIX))) {
      const rule = ack.id.replace(/\[.*$/, '');
      const covered = findings.some((f) => (f.rule === ack.id || f.rule === rule) && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      if (!covered) throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no finding`);
    }
    // and the app with them has none of those findings open
    expect(ruleFindings(app)).toEqual([]);
  });

  test('the public route to the internet gateway has a finding that only its own acknowledgement covers', () => {
    const { app, stages } = buildTestApp({ stages: ['dev'] });
    const route = stages[0].network.node.findAll().find((c) => c.node.path.endsWith('publicSubnet1/DefaultRoute'))!;
    const rule = 'PCI.DSS.321-VPCNoUnrestrictedRouteToIGW';
    // acknowledged on the route itself (a rule-pack finding fails synth unless acknowledged: see the synth gate)
    expect(acknowledgements(route).filter((a) => a.path === route.node.path).map((a) => a.id)).toContain(rule);
    expect(ruleFindings(app).filter((f) => f.path === route.node.path)).toEqual([]);
    // without the route's own acknowledgements, the finding is open on it
    expect(ruleFindingsWithout(app, route).filter((f) => f.path === route.node.path).map((f) => f.rule)).toContain(rule);
  });
});
