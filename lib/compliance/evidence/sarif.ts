import { AssemblyEvidence, compare, EvidenceFinding, firstSentence, PluginEvidence } from './assembly';
import type { SarifOptions } from './types';

/**
 * SARIF 2.1.0 of a cloud assembly's validation report: one run per validation plugin, its rules with help text and
 * the fix, one result per finding on a construct. A result points at the line of the user's code that created the
 * construct when the assembly records the creation stack (aws-cdk-lib records it unless the context
 * `aws:cdk:disable-creation-stack-traces` is set), else at the stack's template. Acknowledged findings are
 * suppressed results whose justification is the acknowledgement's reason.
 */

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

/** Where the plugins document their rules. */
const INFORMATION_URI: Record<string, string> = {
  'cdk-validator-cfnguard': 'https://github.com/cdklabs/cdk-validator-cfnguard',
  'SecurityBaseline': 'https://github.com/example-org/aws-security-baseline/blob/main/lib/aspects/security-baseline/README.md',
};
const CDK_NAG_URI = 'https://github.com/cdklabs/cdk-nag/blob/main/RULES.md';

/** Renders the SARIF log (JSON text, two-space indented, one trailing newline). */
export function renderSarif(evidence: AssemblyEvidence, options: SarifOptions = {}): string {
  const assemblyPath = (options.assemblyPath ?? 'cdk.out').replace(/\\/g, '/').replace(/\/$/, '');
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: evidence.plugins.map((p) => run(p, assemblyPath)),
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function run(plugin: PluginEvidence, assemblyPath: string): Record<string, unknown> {
  const findings = [...plugin.open, ...plugin.acknowledged];
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort(compare);
  const rules = ruleIds.map((id) => rule(plugin, findings.find((f) => f.rule === id)!));
  const results = findings
    .sort((a, b) => compare(a.rule, b.rule) || compare(a.path, b.path) || compare(a.acknowledgement ? '1' : '0', b.acknowledgement ? '1' : '0'))
    .map((f) => result(f, ruleIds.indexOf(f.rule), assemblyPath));
  const driver: Record<string, unknown> = { name: plugin.name, informationUri: INFORMATION_URI[plugin.name] ?? CDK_NAG_URI, rules };
  if (plugin.version) driver.version = plugin.version;
  return {
    tool: { driver },
    automationDetails: { id: `cdk-validation/${plugin.name}/` },
    columnKind: 'utf16CodeUnits',
    results,
  };
}

function rule(plugin: PluginEvidence, example: EvidenceFinding): Record<string, unknown> {
  const fix = example.fix ?? `Change the resource so that the rule passes; or, if the finding does not apply to it, acknowledge it on the construct `
    + `that causes it with a reason that is true of that construct: Validations.of(construct).acknowledge({ id: '${plugin.name}::${example.rule}', reason: '...' }).`;
  const short = firstSentence(example.description) || example.rule;
  return {
    id: example.rule,
    name: ruleName(example.rule),
    shortDescription: { text: short },
    fullDescription: { text: example.description || short },
    help: {
      text: `${example.description}\n\nFix: ${fix}`,
      markdown: `${escapeMarkdown(example.description)}\n\n**Fix:** ${escapeMarkdown(fix)}`,
    },
    defaultConfiguration: { level: level(example.severity) },
    properties: { tags: ['security', plugin.name] },
  };
}

function result(f: EvidenceFinding, ruleIndex: number, assemblyPath: string): Record<string, unknown> {
  const physicalLocation = f.source
    ? { artifactLocation: artifact(f.source.file), region: { startLine: f.source.line, startColumn: f.source.column } }
    : { artifactLocation: { uri: f.template ? `${assemblyPath}/${f.template}` : `${assemblyPath}/manifest.json`, uriBaseId: SRCROOT } };
  const out: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    level: level(f.severity),
    message: { text: `${f.rule} on ${f.path}: ${firstSentence(f.description) || f.rule}` },
    locations: [{
      physicalLocation,
      logicalLocations: [{ fullyQualifiedName: f.path, kind: 'resource', ...(f.logicalId ? { name: f.logicalId } : {}) }],
    }],
    partialFingerprints: { constructPath: `${f.rule}@${f.path}` },
  };
  if (f.acknowledgement) {
    out.suppressions = [{ kind: 'external', status: 'accepted', justification: `${f.acknowledgement.reason} (acknowledged as ${f.acknowledgement.id} on ${f.acknowledgement.at})` }];
  }
  return out;
}

function artifact(file: string): Record<string, string> {
  if (file.startsWith('/')) return { uri: `file://${encodeURI(file)}` };
  if (/^[A-Za-z]:[\\/]/.test(file)) return { uri: `file:///${encodeURI(file.replace(/\\/g, '/'))}` };
  return { uri: encodeURI(file), uriBaseId: SRCROOT };
}

function level(severity: string): 'error' | 'warning' | 'note' {
  const s = severity.toLowerCase();
  if (s === 'warning') return 'warning';
  if (s === 'info') return 'note';
  return 'error';
}

function ruleName(id: string): string {
  const name = id.replace(/\[.*$/, '').replace(/^[A-Za-z0-9.]+-(?=[A-Z])/, '').replace(/[^A-Za-z0-9]/g, '');
  return name || 'Rule';
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}
