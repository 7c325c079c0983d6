import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { dirname, relative, resolve } from 'path';
import { Stage } from 'aws-cdk-lib';
import { readAssembly } from './assembly';
import { renderMarkdown } from './markdown';
import { renderOscal } from './oscal';
import { renderSarif } from './sarif';
import type {
  AssemblyEvidence, EvidenceFinding, EvidenceOptions, MarkdownOptions, OscalOptions, ReadAssemblyOptions, SarifOptions, ValidationFindings,
  ValidationFindingsOptions, WrittenEvidence,
} from './types';

export { readAssembly } from './assembly';
export { renderMarkdown } from './markdown';
export { renderOscal } from './oscal';
export { renderSarif } from './sarif';
// The evidence model and the options: every interface of the compliance entry, in one module of types only.
export type * from './types';

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

/**
 * Synthesizes the app with its validation plugins (as `cdk synth` does) and returns the open and the acknowledged
 * findings, read from the validation report: `expect(Evidence.validationFindings(app).message).toBe('')` fails with the
 * findings listed like the synth error. Synth failing on open findings is expected; any other synth error is thrown.
 * Source files are named relative to `options.sourceRoot` (default: the working folder, the project root under jest).
 */
export function validationFindings(app: Stage, options: ValidationFindingsOptions = {}): ValidationFindings {
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

/**
 * The compliance evidence of a cloud assembly (`cdk.out`) of an app in any CDK language: what every validation plugin
 * reported (open findings, acknowledged findings with their reasons, the line of code that created each construct),
 * rendered as a Markdown report, an OSCAL component definition or SARIF. Needs neither `cdk-nag` nor cfn-guard.
 *
 * ```ts
 * Evidence.write('cdk.out', { markdown: 'compliance.md', sarif: 'findings.sarif' });
 * ```
 */
export class Evidence {
  /**
   * Reads a cloud assembly: its stacks and resources, every validation plugin's findings and every acknowledgement.
   * Throws a BaselineError with the code `InvalidAssembly` (one line) when the folder is not a cloud assembly or
   * carries no validation report.
   *
   * @param directory - the cloud assembly folder (usually `cdk.out`)
   */
  public static read(directory: string, options: ReadAssemblyOptions = {}): AssemblyEvidence {
    return readAssembly(directory, options);
  }

  /**
   * Reads the cloud assembly and writes the requested evidence files. Everything is rendered before anything is
   * written, and each file is written whole, so bad input leaves no partial file.
   *
   * @param assembly - the cloud assembly folder (usually `cdk.out`)
   */
  public static write(assembly: string, options: EvidenceOptions): WrittenEvidence {
    return writeEvidence(assembly, options);
  }

  /** The compliance report in Markdown. */
  public static renderMarkdown(evidence: AssemblyEvidence, options: MarkdownOptions = {}): string {
    return renderMarkdown(evidence, options);
  }

  /** The OSCAL 1.1.3 component definition (JSON text, two-space indented, one trailing newline). */
  public static renderOscal(evidence: AssemblyEvidence, options: OscalOptions = {}): string {
    return renderOscal(evidence, options);
  }

  /** The SARIF 2.1.0 log (JSON text, two-space indented, one trailing newline). */
  public static renderSarif(evidence: AssemblyEvidence, options: SarifOptions = {}): string {
    return renderSarif(evidence, options);
  }

  /**
   * Synthesizes the app (or Stage) with its validation plugins, as `cdk synth` does, and returns the open and the
   * acknowledged findings from its validation report: `expect(Evidence.validationFindings(app).message).toBe('')`
   * fails with the findings listed like the synth error. Synth failing on open findings is expected; any other synth
   * error is thrown.
   */
  public static validationFindings(app: Stage, options: ValidationFindingsOptions = {}): ValidationFindings {
    return validationFindings(app, options);
  }

  /** Lists findings the way the synth error does: per plugin, each rule, its construct path and the line that created it. */
  public static formatFindings(findings: EvidenceFinding[]): string {
    return formatFindings(findings);
  }

  private constructor() {}
}
