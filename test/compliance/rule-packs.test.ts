import { readFileSync } from 'fs';
import { join } from 'path';
import { AspectPriority, Aspects } from 'aws-cdk-lib';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib/aspects/security-baseline';
import { RulePacks } from '../../lib/compliance';
import { MIN_ACK_REASON_LENGTH } from '../../lib/internal/acknowledge';
import { CONTROL_TOWER_ACK_PREFIX, CONTROL_TOWER_PLUGIN_NAME, RULE_PACK_NAMES } from '../../lib/compliance/pack-names';
import { buildTestApp } from '../helpers/baseline';
import { acknowledgements, BUILT_IN_VALIDATION, controlTowerViolations, removeAcknowledgements, ruleFindings } from '../helpers/compliance';

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
  test('removing the acknowledgements brings back exactly the findings they covered', () => {
    // GIVEN
    const { app } = buildTestApp({ stages: ['dev'] });
    const acks = acknowledgements(app).filter((a) => !a.id.startsWith(BUILT_IN_VALIDATION));
    // WHEN
    removeAcknowledgements(app);
    const findings = ruleFindings(app);
    // THEN every acknowledgement covered a finding on its construct or below it
    const bare = buildTestApp({ stages: ['dev'] }).app;
    removeAcknowledgements(bare);
    const controlTower = controlTowerViolations(bare);
    for (const ack of acks.filter((a) => a.id.startsWith(CONTROL_TOWER_ACK_PREFIX))) {
      const rule = ack.id.slice(CONTROL_TOWER_ACK_PREFIX.length);
      if (!controlTower.some((f) => f.rule === rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)))) {
        throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no Control Tower finding`);
      }
    }
    const baselineApp = buildTestApp({ stages: ['dev'] }).app;
    removeAcknowledgements(baselineApp);
    const securityBaseline = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
    Aspects.of(baselineApp).add(securityBaseline, { priority: AspectPriority.MUTATING });
    expect(() => baselineApp.synth()).toThrow(/SecurityBaseline/);
    for (const ack of acks.filter((a) => a.id.startsWith(SecurityBaseline.RULE_PREFIX))) {
      if (!securityBaseline.findings.some((f) => f.ruleId === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)))) {
        throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no SecurityBaseline finding`);
      }
    }
    for (const ack of acks.filter((a) => !a.id.startsWith(CONTROL_TOWER_ACK_PREFIX) && !a.id.startsWith('aws-security-baseline/')
      && !a.id.startsWith(SecurityBaseline.RULE_PREFIX))) {
      const rule = ack.id.replace(/\[.*$/, '');
      const covered = findings.some((f) => (f.rule === ack.id || f.rule === rule) && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      if (!covered) throw new Error(`stale acknowledgement: ${ack.id} on ${ack.path} covers no finding`);
    }
  });

  test('removing one acknowledgement (the public route to the internet gateway) fails synth', () => {
    const { app, stages } = buildTestApp({ stages: ['dev'] });
    const route = stages[0].network.node.findAll().find((c) => c.node.path.endsWith('publicSubnet1/DefaultRoute'))!;
    removeAcknowledgements(route);
    RulePacks.addTo(app);
    expect(() => app.synth()).toThrow(/secbase-dev-network\/Vpc\/Resource\/publicSubnet1\/DefaultRoute aws-cdk-lib\.aws_ec2\.CfnRoute\s+Acknowledge with 'PCI\.DSS\.321::PCI\.DSS\.321-VPCNoUnrestrictedRouteToIGW'/);
  });
});
