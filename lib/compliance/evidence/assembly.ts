import { existsSync, readFileSync, statSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';
import { compare, libraryConstructsOf, nearestSource, userFrame } from './frames';
import type { AcknowledgementEvidence, AssemblyEvidence, EvidenceFinding, PluginEvidence, ReadAssemblyOptions, ResourceEvidence, SourceLocation, StackEvidence } from './types';

export { compare, userFrame } from './frames';
export type { AcknowledgementEvidence, AssemblyEvidence, EvidenceFinding, FindingAcknowledgement, PluginEvidence, ReadAssemblyOptions, ResourceEvidence, SourceLocation, StackEvidence } from './types';

/**
 * Reads the compliance evidence of a cloud assembly (`cdk.out`) of an app in any CDK language: the stacks and their
 * resources (manifest.json, the templates, each stack's metadata file with the construct paths and creation stacks),
 * and what every validation plugin reported (validation-report.json: open findings, acknowledged findings with
 * their reasons, the stack trace of the construct that caused each).
 */

/** Bad input: one line that says what is wrong with the folder and how to fix it (code `InvalidAssembly`). */
function evidenceError(message: string): BaselineError {
  return new BaselineError(BaselineErrorCode.INVALID_ASSEMBLY, message);
}

/** Oldest cloud assembly schema whose validation report carries suppressed violations (aws-cdk-lib 2.270.0). */
const MIN_REPORT_MAJOR = 50;

const VALIDATION_FIX = 'Fix: add a validation plugin and synthesize again: RulePacks.addTo(app) from aws-security-baseline/compliance '
  + '(Python: aws_security_baseline.compliance), or Validations.of(app).addPlugins(new AwsSolutionsChecks(app)) with cdk-nag v3, or the CfnGuardValidator of @cdklabs/cdk-validator-cfnguard.';

/** Reads a cloud assembly; throws a BaselineError with the code `InvalidAssembly` (one line) when the folder is not one or carries no validation report. */
export function readAssembly(directory: string, options: ReadAssemblyOptions = {}): AssemblyEvidence {
  const dir = resolve(directory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw evidenceError(`${directory} is not a folder. Fix: pass the output folder of cdk synth (usually cdk.out).`);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw evidenceError(`${directory} is not a cloud assembly: it has no manifest.json. Fix: run cdk synth and pass its output folder (usually cdk.out).`);
  }
  const sourceRoot = resolve(options.sourceRoot ?? dirname(dir));
  const stacks = readStacks(dir, '', sourceRoot, directory);
  const reportPath = join(dir, 'validation-report.json');
  if (!existsSync(reportPath)) {
    throw evidenceError(`${directory} has no validation-report.json: the app was synthesized without any validation plugin. ${VALIDATION_FIX}`);
  }
  const report = readJson(reportPath, `${directory}/validation-report.json`) as RawReport;
  checkReportFormat(report, directory);
  const byPath = new Map(stacks.flatMap((s) => s.resources.map((r) => [r.path, { stack: s, resource: r }] as const)));
  const near = nearestSource(stacks);
  const plugins = (report.pluginReports ?? []).map((p) => pluginEvidence(p, byPath, sourceRoot, near));
  if (plugins.length === 0) {
    throw evidenceError(`${directory}/validation-report.json names no validation plugin: none was added, or every plugin passed without a finding or an acknowledgement, which leaves no record. ${VALIDATION_FIX}`);
  }
  return { directory, stacks, plugins: plugins.sort((a, b) => compare(a.name, b.name)), acknowledgements: readAcknowledgements(dir) };
}

interface RawConstruct {
  constructPath?: string;
  cloudFormationResource?: { templatePath?: string; logicalId?: string };
  stackTraces?: string[];
}
interface RawViolation {
  ruleName: string;
  description?: string;
  suggestedFix?: string;
  severity?: string;
  customSeverity?: string;
  violatingConstructs?: RawConstruct[];
  acknowledgedId?: string;
  acknowledgedAt?: string;
  reason?: string;
}
interface RawPluginReport {
  pluginName: string;
  pluginVersion?: string;
  conclusion?: string;
  violations?: RawViolation[];
  suppressedViolations?: RawViolation[];
  summary?: unknown;
}
interface RawReport {
  version?: string;
  pluginReports?: RawPluginReport[];
}

function readJson(path: string, shown: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw evidenceError(`${shown} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Fix: synthesize again with cdk synth.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw evidenceError(`${shown} is not valid JSON (a cut-off or edited file?). Fix: synthesize again with cdk synth.`);
  }
}

function checkReportFormat(report: RawReport, directory: string): void {
  const where = `${directory}/validation-report.json`;
  const legacy = !report || typeof report !== 'object' || !Array.isArray(report.pluginReports)
    || report.pluginReports.some((p) => p.summary !== undefined || typeof p.pluginName !== 'string');
  const major = Number(String(report?.version ?? '').split('.')[0]);
  if (legacy || !Number.isInteger(major) || !report.version) {
    throw evidenceError(`${where} is in an older format than this command reads (no schema version or per-plugin summaries). `
      + 'Fix: synthesize with aws-cdk-lib 2.270.0 or later.');
  }
  if (major < MIN_REPORT_MAJOR) {
    throw evidenceError(`${where} has schema version ${report.version}; this command reads ${MIN_REPORT_MAJOR}.0.0 or later, which records acknowledged findings. `
      + 'Fix: synthesize with aws-cdk-lib 2.270.0 or later.');
  }
}

interface ManifestArtifact {
  type: string;
  displayName?: string;
  properties?: { templateFile?: string; directoryName?: string };
  metadata?: Record<string, { type: string; data?: unknown }[]>;
  additionalMetadataFile?: string;
}

/** Stacks of the assembly and of nested assemblies (Stages), in manifest order. */
function readStacks(dir: string, prefix: string, sourceRoot: string, shown: string): StackEvidence[] {
  const manifest = readJson(join(dir, 'manifest.json'), `${shown}/manifest.json`) as { artifacts?: Record<string, ManifestArtifact> };
  if (!manifest || typeof manifest !== 'object' || typeof manifest.artifacts !== 'object') {
    throw evidenceError(`${shown}/manifest.json lists no artifacts: it is not a cloud assembly. Fix: run cdk synth and pass its output folder.`);
  }
  const out: StackEvidence[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      const nested = artifact.properties.directoryName;
      out.push(...readStacks(join(dir, nested), `${prefix}${nested}/`, sourceRoot, `${shown}/${nested}`));
    } else if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      out.push(stackEvidence(dir, prefix, id, artifact, sourceRoot, shown));
    }
  }
  return out;
}

function stackEvidence(dir: string, prefix: string, id: string, artifact: ManifestArtifact, sourceRoot: string, shown: string): StackEvidence {
  const templateFile = artifact.properties!.templateFile!;
  const template = readJson(join(dir, templateFile), `${shown}/${templateFile}`) as { Resources?: Record<string, { Type: string }> };
  const metadata: Record<string, { type: string; data?: unknown }[]> = { ...artifact.metadata };
  if (artifact.additionalMetadataFile) {
    Object.assign(metadata, readJson(join(dir, artifact.additionalMetadataFile), `${shown}/${artifact.additionalMetadataFile}`));
  }
  const pathByLogicalId = new Map<string, { path: string; stack?: string[] }>();
  let stackPath = artifact.displayName ?? id;
  for (const [path, entries] of Object.entries(metadata)) {
    const logicalId = entries.find((e) => e.type === 'aws:cdk:logicalId')?.data;
    const creation = entries.find((e) => e.type === 'aws:cdk:creationStack')?.data;
    if (typeof logicalId === 'string') pathByLogicalId.set(logicalId, { path: path.replace(/^\//, ''), stack: Array.isArray(creation) ? creation as string[] : undefined });
    if (entries.some((e) => e.type === 'aws:cdk:stack-tags' || e.type === 'aws:cdk:templateFile')) stackPath = path.replace(/^\//, '');
  }
  const resources = Object.entries(template?.Resources ?? {}).filter(([, r]) => r.Type !== 'AWS::CDK::Metadata').map(([logicalId, r]): ResourceEvidence => {
    const known = pathByLogicalId.get(logicalId);
    const frames = known?.stack ?? [];
    return {
      logicalId, resourceType: r.Type, path: known?.path ?? `${stackPath}/${logicalId}`,
      source: userFrame(frames, sourceRoot), libraryConstructs: libraryConstructsOf(frames),
    };
  });
  return { id, path: stackPath, template: `${prefix}${templateFile}`, resources: resources.sort((a, b) => compare(a.path, b.path)) };
}

function pluginEvidence(p: RawPluginReport, byPath: Map<string, { stack: StackEvidence; resource: ResourceEvidence }>, sourceRoot: string,
  near: (path: string) => SourceLocation | undefined): PluginEvidence {
  const findings = (violations: RawViolation[] | undefined, acknowledged: boolean): EvidenceFinding[] => (violations ?? []).flatMap((v) =>
    (v.violatingConstructs ?? []).map((c): EvidenceFinding => {
      const path = c.constructPath ?? '';
      const known = byPath.get(path);
      const traceLines = (c.stackTraces ?? []).flatMap((t) => t.split('\n'));
      return {
        plugin: p.pluginName,
        rule: v.ruleName,
        description: (v.description ?? '').trim(),
        fix: v.suggestedFix?.trim() || undefined,
        severity: v.severity === 'custom' ? v.customSeverity ?? 'custom' : v.severity ?? 'error',
        path,
        stack: known?.stack.id,
        logicalId: c.cloudFormationResource?.logicalId ?? known?.resource.logicalId,
        template: known?.stack.template,
        source: userFrame(traceLines, sourceRoot) ?? known?.resource.source ?? near(path),
        acknowledgement: acknowledged ? { id: v.acknowledgedId ?? v.ruleName, at: v.acknowledgedAt ?? path, reason: v.reason ?? '' } : undefined,
      };
    }));
  const byRuleAndPath = (a: EvidenceFinding, b: EvidenceFinding) => compare(a.rule, b.rule) || compare(a.path, b.path);
  return {
    name: p.pluginName,
    version: p.pluginVersion,
    conclusion: p.conclusion ?? 'unknown',
    open: findings(p.violations, false).sort(byRuleAndPath),
    acknowledged: findings(p.suppressedViolations, true).sort(byRuleAndPath),
  };
}

/** Every `aws:cdk:acknowledged-rules` entry of the stacks' metadata files, in path order. */
function readAcknowledgements(dir: string): AcknowledgementEvidence[] {
  const out = new Map<string, AcknowledgementEvidence>();
  const visit = (folder: string): void => {
    const manifest = readJson(join(folder, 'manifest.json'), 'manifest.json') as { artifacts?: Record<string, ManifestArtifact> };
    for (const artifact of Object.values(manifest.artifacts ?? {})) {
      if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) visit(join(folder, artifact.properties.directoryName));
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const metadata: Record<string, { type: string; data?: unknown }[]> = { ...artifact.metadata };
      if (artifact.additionalMetadataFile) Object.assign(metadata, readJson(join(folder, artifact.additionalMetadataFile), artifact.additionalMetadataFile));
      for (const [path, entries] of Object.entries(metadata)) {
        for (const e of entries) {
          if (e.type !== 'aws:cdk:acknowledged-rules' || !e.data || typeof e.data !== 'object') continue;
          for (const [id, reason] of Object.entries(e.data as Record<string, string>)) {
            const a = { path: path.replace(/^\//, ''), id: id.replace(/^Annotation::/i, ''), reason: String(reason) };
            out.set(`${a.path}\n${a.id}`, a);
          }
        }
      }
    }
  };
  visit(dir);
  return [...out.values()].sort((a, b) => compare(a.path, b.path) || compare(a.id, b.id));
}

/** The first sentence of a rule's description (its one-line summary). */
export function firstSentence(text: string): string {
  const m = /^(.*?[.!?])(\s|$)/.exec(text);
  return (m ? m[1] : text).trim();
}
