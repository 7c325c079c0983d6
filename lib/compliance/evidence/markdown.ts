import { CHECKLIST, ChecklistRow } from '../checklist';
import { CONTROL_TOWER_PLUGIN_NAME } from '../pack-names';
import { AssemblyEvidence, compare, EvidenceFinding, firstSentence, PluginEvidence, ResourceEvidence } from './assembly';
import type { MarkdownOptions } from './types';

/**
 * The compliance report of a cloud assembly, in Markdown: the validation plugins and the rules they reported on,
 * the security checklist (lib/compliance/checklist.ts) mapped to the app's constructs, resources and rules (saying
 * which controls the app does not implement), every acknowledgement with its reason, and the open findings.
 */

/** How one checklist control stands in the app. */
export interface ChecklistEvidence {
  readonly row: ChecklistRow;
  /** `implemented`: the library's constructs create its resources; `resources only`: the resource types exist, built otherwise; `not implemented`. */
  readonly status: 'implemented' | 'resources only' | 'not implemented';
  readonly resources: { type: string; count: number; byLibrary: number; example?: string }[];
  readonly rules: { rule: string; plugin?: string; open: number; acknowledged: number; ran: boolean }[];
}

/** Maps the checklist onto the assembly. */
export function checklistEvidence(evidence: AssemblyEvidence): ChecklistEvidence[] {
  const resources = evidence.stacks.flatMap((s) => s.resources);
  const findings = evidence.plugins.flatMap((p) => [...p.open, ...p.acknowledged]);
  return CHECKLIST.map((row): ChecklistEvidence => {
    const rs = row.resources.map((type) => {
      const ofType = resources.filter((r) => r.resourceType === type);
      const byLibrary = ofType.filter((r) => builtBy(r, row));
      return { type, count: ofType.length, byLibrary: byLibrary.length, example: (byLibrary[0] ?? ofType[0])?.path };
    });
    const rules = row.rules.map((rule) => {
      const plugin = pluginOf(rule, evidence.plugins);
      const of = findings.filter((f) => matches(f, rule));
      return { rule, plugin: plugin?.name, open: of.filter((f) => !f.acknowledgement).length, acknowledged: of.filter((f) => f.acknowledgement).length, ran: plugin !== undefined };
    });
    const implemented = row.constructs.length > 0 ? rs.some((r) => r.byLibrary > 0) : rs.every((r) => r.count > 0);
    const status = implemented ? 'implemented' : rs.some((r) => r.count > 0) ? 'resources only' : 'not implemented';
    return { row, status, resources: rs, rules };
  });
}

function builtBy(r: ResourceEvidence, row: ChecklistRow): boolean {
  return row.constructs.some((c) => r.libraryConstructs.includes(c));
}

/** The plugin a checklist rule belongs to: a cdk-nag id starts with its pack's name, a Control Tower id is a CT.* control. */
function pluginOf(rule: string, plugins: PluginEvidence[]): PluginEvidence | undefined {
  if (rule.startsWith('CT.')) return plugins.find((p) => p.name === CONTROL_TOWER_PLUGIN_NAME);
  return plugins.find((p) => rule.startsWith(`${p.name}-`));
}

function matches(f: EvidenceFinding, rule: string): boolean {
  if (rule.startsWith('CT.')) return f.plugin === CONTROL_TOWER_PLUGIN_NAME && f.description.includes(`[${rule}]`);
  return f.rule === rule || f.rule.startsWith(`${rule}[`);
}

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
const where = (f: EvidenceFinding): string => (f.source ? ` (${code(`${f.source.file}:${f.source.line}`)})` : '');

/** Renders the report (Markdown text, one trailing newline). */
export function renderMarkdown(evidence: AssemblyEvidence, options: MarkdownOptions = {}): string {
  const lines: string[] = [`# ${options.title ?? 'Compliance report'}`, ''];
  if (options.preamble) lines.push(options.preamble, '');
  const resourceCount = evidence.stacks.reduce((n, s) => n + s.resources.length, 0);
  lines.push(`Stacks: ${evidence.stacks.map((s) => `${code(s.id)} (${s.resources.length} resources)`).join(', ')}; ${resourceCount} resources in all.`, '');
  lines.push(...pluginSection(evidence), ...checklistSection(evidence), ...acknowledgedSection(evidence), ...openSection(evidence));
  return `${lines.join('\n')}\n`;
}

function pluginSection(evidence: AssemblyEvidence): string[] {
  const lines = ['## Validation plugins', ''];
  lines.push('Each plugin ran at synth and wrote its findings to `validation-report.json`. "Rules reported" are the rules with at least one finding, '
    + 'open or acknowledged; a rule that passed on every resource leaves no record in the cloud assembly.', '');
  lines.push('| plugin | version | conclusion | rules reported | acknowledged findings | open findings |', '|---|---|---|---|---|---|');
  const rulesOf = (p: PluginEvidence) => [...new Set([...p.open, ...p.acknowledged].map((f) => f.rule.replace(/\[.*$/, '')))].sort(compare);
  for (const p of evidence.plugins) {
    lines.push(`| ${p.name} | ${p.version ?? '-'} | ${p.conclusion} | ${rulesOf(p).length} | ${p.acknowledged.length} | ${p.open.length} |`);
  }
  lines.push('');
  for (const p of evidence.plugins) {
    const rules = rulesOf(p);
    if (rules.length) lines.push(`- **${p.name}** rules reported: ${rules.map((r) => code(r)).join(', ')}`);
  }
  lines.push('');
  return lines;
}

function checklistSection(evidence: AssemblyEvidence): string[] {
  const checklist = checklistEvidence(evidence);
  const missing = checklist.filter((c) => c.status !== 'implemented');
  const lines = ['## Checklist: control → implementation → rules', ''];
  lines.push(missing.length === 0 ? 'Every control of the checklist is implemented in this app.'
    : `${checklist.length - missing.length} of ${checklist.length} controls are implemented by the library's constructs in this app; `
      + `these have no implementation by them here: ${missing.map((c) => `"${c.row.control}"`).join('; ')}.`, '');
  const ruleState = (r: ChecklistEvidence['rules'][number]) => (!r.ran ? 'plugin not in the report'
    : r.acknowledged + r.open === 0 ? 'no finding' : `${r.acknowledged} acknowledged, ${r.open} open`);
  let domain = '';
  for (const c of checklist) {
    if (c.row.domain !== domain) { domain = c.row.domain; lines.push(`### ${domain}`, ''); }
    lines.push(`#### ${c.row.control}`, '');
    lines.push(`- **Status:** ${c.status === 'implemented' ? 'implemented' : c.status === 'resources only'
      ? 'no implementation by the library\'s constructs (the resource types exist, built otherwise: check them against the control)' : 'no implementation in this app'}`);
    lines.push(`- **Constructs:** ${c.row.constructs.map((x) => code(`lib/constructs/${x}`)).join(', ') || '-'}`);
    lines.push(`- **Resources:** ${c.resources.map((r) => `${r.type} ×${r.count}${r.count ? `, ${r.byLibrary} by the library's constructs (e.g. ${code(r.example ?? '-')})` : ''}`).join('; ')}`);
    lines.push(`- **Rules:** ${c.rules.map((r) => `${r.rule} (${ruleState(r)})`).join(', ')}`);
    lines.push(`- **Tests in the library:** ${c.row.tests.map((t) => code(t)).join('; ')}`);
    lines.push('');
  }
  return lines;
}

function acknowledgedSection(evidence: AssemblyEvidence): string[] {
  const acknowledged = evidence.plugins.flatMap((p) => p.acknowledged);
  const lines = ['## Acknowledged findings', ''];
  lines.push(`${acknowledged.length} findings acknowledged, each with the reason recorded on the construct that causes it.`, '');
  lines.push('| plugin | rule | construct path | acknowledged at | reason |', '|---|---|---|---|---|');
  for (const f of acknowledged) {
    lines.push(`| ${f.plugin} | ${esc(f.rule)} | ${code(f.path)}${where(f)} | ${code(f.acknowledgement!.at)} | ${esc(f.acknowledgement!.reason)} |`);
  }
  lines.push('');
  const reported = new Set(acknowledged.map((f) => `${f.acknowledgement!.at}\n${f.acknowledgement!.id}`));
  const unused = evidence.acknowledgements.filter((a) => !reported.has(`${a.path}\n${a.id}`));
  if (unused.length) {
    lines.push('### Other acknowledgements recorded in the assembly', '');
    lines.push('Recorded with `Validations.of(x).acknowledge()` but matched by no finding in the report (acknowledged under a plain rule id, '
      + 'which the plugin handles itself, or for aws-cdk-lib\'s built-in validation):', '');
    lines.push('| construct path | id | reason |', '|---|---|---|');
    for (const a of unused) lines.push(`| ${code(a.path)} | ${esc(a.id)} | ${esc(a.reason)} |`);
    lines.push('');
  }
  return lines;
}

function openSection(evidence: AssemblyEvidence): string[] {
  const open = evidence.plugins.flatMap((p) => p.open);
  const lines = ['## Open findings', ''];
  if (open.length === 0) return [...lines, 'None: every finding of every plugin is acknowledged with a reason.', ''];
  lines.push('| plugin | rule | construct path | finding |', '|---|---|---|---|');
  for (const f of open) lines.push(`| ${f.plugin} | ${esc(f.rule)} | ${code(f.path)}${where(f)} | ${esc(firstSentence(f.description))} |`);
  lines.push('');
  return lines;
}
