// Writes docs/compliance.md and docs/compliance.json: the evidence an auditor reads.
// docs/compliance.md is the evidence command's report (lib/compliance/evidence, as `aws-security-baseline evidence`
// writes it for any app) of the reference app's cloud assembly, synthesized with the rule packs as `cdk synth` does;
// then what only this repository can add: how many resources each rule of each pack evaluated, the SecurityBaseline
// Aspect's controls, and checks that every checklist row points at resources, rules and tests that exist.
//
// Usage: npm run compliance            (regenerate)
//        npm run compliance -- --check (fail if the committed report is stale)
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, AspectPriority, Aspects, CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks, IApplyRule, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildBaseline } from '../app/baseline';
import { SecurityBaseline, SecurityBaselineMode } from '../lib/aspects/security-baseline';
import { CHECKLIST, ChecklistRow, SECURITY_BASELINE_DOMAINS, SECURITY_BASELINE_TESTS } from '../lib/compliance/checklist';
import { Evidence, RulePacks } from '../lib/compliance';
import { acknowledgements, controlTowerViolations, isAcknowledged, settleAcknowledgements } from '../lib/compliance/findings';
import { CONTROL_TOWER_TITLE, RULE_PACK_NAMES } from '../lib/compliance/pack-names';
import { createControlTowerValidator, rulePackClasses } from '../lib/compliance/rule-packs';
import { loadConfig } from '../app/config';

const ROOT = join(__dirname, '..');
const check = process.argv.includes('--check');

interface RuleStats { pack: string; rule: string; applicable: number; compliant: number; nonCompliant: number; acknowledged: number }
interface Ack { path: string; rule: string; reason: string }
interface PackSummary { pack: string; rules: number; rulesApplicable: number; evaluations: number; acknowledged: number; unacknowledged: number }

function acknowledgementsOf(scope: IConstruct): Ack[] {
  return acknowledgements(scope)
    .map((a) => ({ path: a.path, rule: a.id, reason: a.reason }))
    .sort((a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule));
}

/**
 * A pack that counts what each of its rules finds on each resource: a subclass overriding the protected `applyRule`
 * (cdk-nag's extension point for packs), which evaluates the rule once for the count, then lets the pack apply it.
 */
function countingPack(Pack: new (scope: IConstruct, props?: NagPackProps) => NagPack, count: (ruleId: string, node: CfnResource, result: unknown) => void) {
  // Typed as one concrete pack: the mixin needs a class with every abstract member implemented, which each pack is.
  const Base = Pack as unknown as typeof AwsSolutionsChecks;
  return class CountingPack extends Base {
    protected override applyRule(params: IApplyRule): void {
      let result: unknown;
      try {
        result = params.rule(params.node);
      } catch {
        result = 'error';
      }
      count(`${this.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`, params.node, result);
      super.applyRule(params);
    }
  };
}

/** Runs each cdk-nag pack with its rule evaluations counted. */
function runNagPacks(app: App): { stats: RuleStats[]; violations: string[] } {
  const stats = new Map<string, RuleStats>();
  const violations: string[] = [];
  const byPath = new Map(app.node.findAll().map((n) => [n.node.path, n]));
  const classes = rulePackClasses();
  for (const name of RULE_PACK_NAMES) {
    const pack = new (countingPack(classes[name], (ruleId, node, result) => {
      const s = stats.get(ruleId) ?? { pack: name, rule: ruleId, applicable: 0, compliant: 0, nonCompliant: 0, acknowledged: 0 };
      stats.set(ruleId, s);
      if (result === NagRuleCompliance.NOT_APPLICABLE) return;
      s.applicable++;
      if (result === NagRuleCompliance.COMPLIANT) s.compliant++;
      else if (isAcknowledged(node, ruleId) || (Array.isArray(result) && result.every((f) => isAcknowledged(node, `${ruleId}[${f}]`)))) s.acknowledged++;
      else s.nonCompliant++;
    }))(app, { verbose: true });
    for (const v of pack.validateScope(app).violations) {
      for (const r of v.violatingResources) {
        const node = byPath.get(r.constructPath ?? '');
        if (!node || !isAcknowledged(node, v.ruleName)) violations.push(`${v.ruleName} @ ${r.constructPath}`);
      }
    }
  }
  return { stats: [...stats.values()], violations };
}

/** Runs the Control Tower proactive controls (cfn-guard) on the synthesized templates. */
function runControlTower(app: App): { stats: RuleStats[]; violations: string[]; ruleCount: number } {
  const stats = new Map<string, RuleStats>();
  const violations: string[] = [];
  for (const f of controlTowerViolations(app)) {
    const s = stats.get(f.rule) ?? { pack: CONTROL_TOWER_TITLE, rule: f.rule, applicable: 0, compliant: 0, nonCompliant: 0, acknowledged: 0 };
    stats.set(f.rule, s);
    if (f.construct && isAcknowledged(f.construct, f.rule)) s.acknowledged++;
    else { s.nonCompliant++; violations.push(`${f.rule} @ ${f.path}`); }
  }
  return { stats: [...stats.values()], violations, ruleCount: createControlTowerValidator().ruleIds?.length ?? 0 };
}

interface RowEvidence {
  domain: string;
  control: string;
  constructs: string[];
  resources: { type: string; count: number; example: string }[];
  rules: { rule: string; evaluated: number | 'checked' }[];
  tests: string[];
  problems: string[];
}

function evidenceFor(row: ChecklistRow, app: App, ruleStats: Map<string, RuleStats>, ctRuleIds: Set<string>): RowEvidence {
  const problems: string[] = [];
  const resources = row.resources.map((type) => {
    const found = app.node.findAll().filter((n): n is CfnResource => n instanceof CfnResource && n.cfnResourceType === type);
    if (found.length === 0) problems.push(`no ${type} in the app`);
    return { type, count: found.length, example: found[0]?.node.path ?? '-' };
  });
  for (const c of row.constructs) {
    if (!existsSync(join(ROOT, 'lib', 'constructs', c))) problems.push(`construct folder lib/constructs/${c} is missing`);
  }
  const rules = row.rules.map((rule) => {
    if (rule.startsWith('CT.')) {
      if (!ctRuleIds.has(rule)) problems.push(`Control Tower rule ${rule} is not in the plugin's rule set`);
      return { rule, evaluated: 'checked' as const };
    }
    const s = ruleStats.get(rule);
    if (!s) problems.push(`rule ${rule} was not evaluated`);
    else if (s.applicable === 0) problems.push(`rule ${rule} applied to no resource`);
    return { rule, evaluated: s?.applicable ?? 0 };
  });
  for (const t of row.tests) {
    const [file, title] = t.split(' > ');
    const path = join(ROOT, file);
    if (!existsSync(path)) problems.push(`test file ${file} is missing`);
    else if (title && !readFileSync(path, 'utf8').includes(title)) problems.push(`test "${title}" is not in ${file}`);
  }
  return { domain: row.domain, control: row.control, constructs: row.constructs, resources, rules, tests: row.tests, problems };
}

interface AspectControlEvidence {
  id: string; domains: string[]; requirement: string; reports: string; fix: string; evaluated: number; open: number; acknowledged: number;
}

/** Runs the SecurityBaseline Aspect in report mode on a second copy of the app (as a user would) and collects, per control, what it judged. */
function runSecurityBaseline(context: Record<string, unknown>, outdir: string): { controls: AspectControlEvidence[]; tests: string[]; problems: string[] } {
  const app = new App({ outdir: join(outdir, 'security-baseline'), context });
  buildBaseline(app, loadConfig(app));
  const baseline = new SecurityBaseline({ mode: SecurityBaselineMode.REPORT });
  Aspects.of(app).add(baseline, { priority: AspectPriority.MUTATING });
  const problems: string[] = [];
  try {
    app.synth();
  } catch (e) {
    problems.push(`SecurityBaseline: synth failed: ${String(e).split('\n')[0]}`);
  }
  const evaluations = baseline.evaluations;
  const controls = SecurityBaseline.controls().map((c) => {
    const findings = baseline.findings.filter((f) => f.controlId === c.id);
    return {
      id: c.ruleId, domains: c.areas.map((a) => SECURITY_BASELINE_DOMAINS[a]), requirement: c.title, reports: c.reports,
      fix: c.fixes ?? 'reports only', evaluated: evaluations[c.id], open: findings.filter((f) => !f.acknowledged).length,
      acknowledged: findings.filter((f) => f.acknowledged).length,
    };
  });
  for (const c of controls) if (c.open > 0) problems.push(`SecurityBaseline: ${c.id} has ${c.open} open finding(s) on the app`);
  for (const t of SECURITY_BASELINE_TESTS) {
    const [file, title] = t.split(' > ');
    if (!existsSync(join(ROOT, file))) problems.push(`test file ${file} is missing`);
    else if (title && !readFileSync(join(ROOT, file), 'utf8').includes(title)) problems.push(`test "${title}" is not in ${file}`);
  }
  return { controls, tests: SECURITY_BASELINE_TESTS, problems };
}

function ctControlIds(): Set<string> {
  // Control Tower rule files carry their control id (CT.XXX.PR.n) in the failure message.
  const ids = new Set<string>();
  const root = join(ROOT, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard', 'rules', 'control-tower', 'cfn-guard');
  const walk = (dir: string): void => {
    for (const name of require('fs').readdirSync(dir) as string[]) {
      const p = join(dir, name);
      if (require('fs').statSync(p).isDirectory()) walk(p);
      else for (const m of readFileSync(p, 'utf8').matchAll(/\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/g)) ids.add(m[1]);
    }
  };
  walk(root);
  return ids;
}

/** The evidence command's report of the reference app's cloud assembly (synthesized with the rule packs, as app/main.ts does). */
function evidenceReport(context: Record<string, unknown>, outdir: string): string {
  const assembly = join(outdir, 'assembly');
  const app = new App({ outdir: assembly, context });
  RulePacks.addTo(app);
  buildBaseline(app, loadConfig(app));
  app.synth();
  return Evidence.renderMarkdown(Evidence.read(assembly, { sourceRoot: ROOT }), {
    preamble: 'Generated by `npm run compliance` from the cloud assembly of the reference app (example configuration, every stage), '
      + 'with the same code as `aws-security-baseline evidence cdk.out --markdown compliance.md`; the sections after "Open findings" '
      + 'are what only this repository adds. CI fails when this file is stale. Do not edit by hand.',
  });
}

function main(): void {
  const outdir = mkdtempSync(join(tmpdir(), 'compliance-'));
  try {
    const context = { ...JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context, 'aws:cdk:bundling-stacks': [] };
    const app = new App({ outdir, context });
    buildBaseline(app, loadConfig(app));
    settleAcknowledgements(app); // what `cdk synth` decides in node.addValidation() before the packs run
    const nag = runNagPacks(app);
    const ct = runControlTower(app);
    const ruleStats = new Map([...nag.stats, ...ct.stats].map((s) => [s.rule, s]));
    const ctIds = ctControlIds();
    const rows = CHECKLIST.map((row) => evidenceFor(row, app, ruleStats, ctIds));
    const securityBaseline = runSecurityBaseline(context, outdir);
    const acks = acknowledgementsOf(app);
    const packs = RULE_PACK_NAMES.map((pack): PackSummary => {
      const rs = nag.stats.filter((s) => s.pack === pack);
      return {
        pack,
        rules: rs.length,
        rulesApplicable: rs.filter((s) => s.applicable > 0).length,
        evaluations: rs.reduce((a, s) => a + s.applicable, 0),
        acknowledged: rs.reduce((a, s) => a + s.acknowledged, 0),
        unacknowledged: rs.reduce((a, s) => a + s.nonCompliant, 0),
      };
    });
    packs.push({
      pack: CONTROL_TOWER_TITLE, rules: ct.ruleCount, rulesApplicable: -1, evaluations: -1,
      acknowledged: ct.stats.reduce((a, s) => a + s.acknowledged, 0), unacknowledged: ct.violations.length,
    });
    const report = {
      stacks: app.node.children.filter((c) => (c as { templateFile?: string }).templateFile).map((c) => c.node.id), packs, checklist: rows,
      securityBaseline: { controls: securityBaseline.controls, tests: securityBaseline.tests }, acknowledgements: acks,
      unacknowledged: [...nag.violations, ...ct.violations],
    };
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const md = renderMarkdown(report, evidenceReport(context, outdir));
    const mdPath = join(ROOT, 'docs', 'compliance.md');
    const jsonPath = join(ROOT, 'docs', 'compliance.json');
    const problems = [...rows.flatMap((r) => r.problems.map((p) => `${r.domain} / ${r.control}: ${p}`)), ...securityBaseline.problems];
    if (check) {
      const stale = !existsSync(mdPath) || readFileSync(mdPath, 'utf8') !== md || !existsSync(jsonPath) || readFileSync(jsonPath, 'utf8') !== json;
      if (stale) {
        console.error('docs/compliance.md or docs/compliance.json is stale: run `npm run compliance` and commit the result.');
        process.exit(1);
      }
      console.log('docs/compliance.md is up to date.');
    } else {
      writeFileSync(mdPath, md);
      writeFileSync(jsonPath, json);
      console.log(`wrote docs/compliance.md and docs/compliance.json (${rows.length} checklist rows, ${acks.length} acknowledgements)`);
    }
    if (problems.length > 0 || report.unacknowledged.length > 0) {
      console.error([...problems, ...report.unacknowledged.map((v) => `unacknowledged finding: ${v}`)].join('\n'));
      process.exit(1);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function renderMarkdown(r: {
  stacks: string[];
  packs: PackSummary[];
  checklist: RowEvidence[];
  securityBaseline: { controls: AspectControlEvidence[]; tests: string[] };
  acknowledgements: Ack[];
  unacknowledged: string[];
}, evidence: string): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines: string[] = [evidence.trimEnd(), ''];
  lines.push('## Rule evaluations per pack', '');
  lines.push('Counted on the app\'s construct tree (each rule called on each resource), which a cloud assembly does not record.', '');
  lines.push('| pack | rules | rules that applied to a resource | rule evaluations | acknowledged | unacknowledged |', '|---|---|---|---|---|---|');
  for (const p of r.packs) {
    lines.push(`| ${p.pack} | ${p.rules} | ${p.rulesApplicable < 0 ? 'n/a' : p.rulesApplicable} | ${p.evaluations < 0 ? 'every template' : p.evaluations} | ${p.acknowledged} | ${p.unacknowledged} |`);
  }
  lines.push('');
  lines.push('## Checklist rules: resources each evaluated', '');
  for (const row of r.checklist) {
    lines.push(`- ${row.control}: ${row.rules.map((x) => `${x.rule}${typeof x.evaluated === 'number' ? ` (${x.evaluated} evaluated)` : ''}`).join(', ')}`);
    if (row.problems.length) lines.push(`  - **Gaps:** ${row.problems.join('; ')}`);
  }
  lines.push('');
  lines.push('## SecurityBaseline Aspect: the baseline for existing apps', '');
  lines.push('`Aspects.of(app).add(new SecurityBaseline({ mode: SecurityBaselineMode.REPORT | FIX }))` judges every L1 resource of any app by the controls below ' +
    '(details: `lib/aspects/security-baseline/README.md`). The last three columns are its report-mode run on this app: resources judged, ' +
    'open findings, acknowledged findings.', '');
  lines.push('| control | domain | requirement | report says | fix does | judged | open | acknowledged |', '|---|---|---|---|---|---|---|---|');
  for (const c of r.securityBaseline.controls) {
    lines.push(`| ${c.id} | ${esc(c.domains.join(', '))} | ${esc(c.requirement)} | ${esc(c.reports)} | ${esc(c.fix)} | ${c.evaluated} | ${c.open} | ${c.acknowledged} |`);
  }
  lines.push('', `- **Tests:** ${r.securityBaseline.tests.map((t) => `\`${t}\``).join('; ')}`, '');
  if (r.unacknowledged.length) {
    lines.push('## Unacknowledged findings (construct tree)', '', ...r.unacknowledged.map((v) => `- ${v}`), '');
  }
  return `${lines.join('\n')}\n`;
}

main();
