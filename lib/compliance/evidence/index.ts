import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { dirname, relative, resolve } from 'path';
import { AssemblyEvidence, EvidenceFinding, readAssembly } from './assembly';
import { renderMarkdown } from './markdown';
import { renderOscal } from './oscal';
import { renderSarif } from './sarif';

export { EvidenceError, readAssembly } from './assembly';
export type { AcknowledgementEvidence, AssemblyEvidence, EvidenceFinding, FindingAcknowledgement, PluginEvidence, ReadAssemblyOptions, ResourceEvidence, SourceLocation, StackEvidence } from './assembly';
export { renderMarkdown } from './markdown';
export type { MarkdownOptions } from './markdown';
export { renderOscal } from './oscal';
export type { OscalOptions } from './oscal';
export { renderSarif } from './sarif';
export type { SarifOptions } from './sarif';

/** What {@link writeEvidence} writes, and where. */
export interface EvidenceOptions {
  /** The Markdown compliance report. */
  readonly markdown?: string;
  /** The OSCAL 1.1.3 component definition (JSON). */
  readonly oscal?: string;
  /** The SARIF 2.1.0 log (JSON). */
  readonly sarif?: string;
  /** Folder that source files and the assembly are reported relative to. @default the folder that contains the assembly */
  readonly sourceRoot?: string;
  /** `metadata.last-modified` of the OSCAL file (ISO 8601). @default none: 1970-01-01T00:00:00Z, so the output stays byte-identical */
  readonly lastModified?: string;
}

/** What {@link writeEvidence} read and wrote. */
export interface WrittenEvidence {
  /** The evidence read from the assembly. */
  readonly evidence: AssemblyEvidence;
  /** The files written, as given. */
  readonly written: string[];
}

/**
 * Reads the cloud assembly and writes the requested evidence files. Everything is rendered before anything is
 * written, and each file is written whole (a temporary file renamed into place), so bad input leaves no partial file.
 */
export function writeEvidence(assembly: string, options: EvidenceOptions): WrittenEvidence {
  const evidence = readAssembly(assembly, { sourceRoot: options.sourceRoot });
  const sourceRoot = resolve(options.sourceRoot ?? dirname(resolve(assembly)));
  const outputs: [string, string][] = [];
  if (options.markdown) outputs.push([options.markdown, renderMarkdown(evidence)]);
  if (options.oscal) outputs.push([options.oscal, renderOscal(evidence, { lastModified: options.lastModified })]);
  if (options.sarif) outputs.push([options.sarif, renderSarif(evidence, { assemblyPath: relative(sourceRoot, resolve(assembly)) || '.' })]);
  for (const [path, text] of outputs) {
    const tmp = `${path}.tmp-${process.pid}`;
    mkdirSync(dirname(resolve(path)), { recursive: true });
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return { evidence, written: outputs.map(([p]) => p) };
}

/** The open and acknowledged findings of an app, for assertions in tests. */
export interface ValidationFindings {
  /** Findings no acknowledgement covers: synth fails on these. */
  readonly open: EvidenceFinding[];
  /** Findings acknowledged with a reason. */
  readonly acknowledged: EvidenceFinding[];
  /** The open findings as the synth error lists them (empty when there is none), for a readable test failure. */
  readonly message: string;
}

/** An App or Stage (anything aws-cdk-lib can synthesize into a folder with its validation report). */
export interface Synthesizable {
  /** Synthesizes into {@link Synthesizable.outdir}, running the validation plugins. */
  synth(): unknown;
  /** The cloud assembly folder. */
  readonly outdir: string;
}

/**
 * Synthesizes the app with its validation plugins (as `cdk synth` does) and returns the open and the acknowledged
 * findings, read from the validation report: `expect(validationFindings(app).message).toBe('')` fails with the
 * findings listed like the synth error. Synth failing on open findings is expected; any other synth error is thrown.
 * Source files are named relative to `options.sourceRoot` (default: the working folder, the project root under jest).
 */
export function validationFindings(app: Synthesizable, options: { readonly sourceRoot?: string } = {}): ValidationFindings {
  let failure: unknown;
  try {
    app.synth();
  } catch (e) {
    failure = e;
  }
  let evidence: AssemblyEvidence;
  try {
    evidence = readAssembly(app.outdir, { sourceRoot: options.sourceRoot ?? process.cwd() });
  } catch (e) {
    throw failure ?? e;
  }
  const open = evidence.plugins.flatMap((p) => p.open);
  if (failure && open.length === 0) throw failure;
  const acknowledged = evidence.plugins.flatMap((p) => p.acknowledged);
  return { open, acknowledged, message: formatFindings(open) };
}

/** Lists findings the way the synth error does: per plugin, each rule, its construct path and the line that created it. */
export function formatFindings(findings: EvidenceFinding[]): string {
  if (findings.length === 0) return '';
  const lines = [`Validation failed: ${findings.length} open finding${findings.length === 1 ? '' : 's'}`];
  for (const plugin of [...new Set(findings.map((f) => f.plugin))]) {
    lines.push(`(${plugin})`);
    for (const f of findings.filter((x) => x.plugin === plugin)) {
      lines.push(`  [${f.severity}] ${f.rule}: ${f.path}${f.source ? ` (${f.source.file}:${f.source.line})` : ''}`, `    ${f.description.split('\n')[0]}`);
      if (f.fix) lines.push(`    Fix: ${f.fix}`);
    }
  }
  return lines.join('\n');
}
