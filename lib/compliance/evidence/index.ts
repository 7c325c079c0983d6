import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { dirname, relative, resolve } from 'path';
import { Stage } from 'aws-cdk-lib';
import { AssemblyEvidence, EvidenceFinding, readAssembly, ReadAssemblyOptions } from './assembly';
import { MarkdownOptions, renderMarkdown } from './markdown';
import { OscalOptions, renderOscal } from './oscal';
import { renderSarif, SarifOptions } from './sarif';

export { readAssembly } from './assembly';
export type { AcknowledgementEvidence, AssemblyEvidence, EvidenceFinding, FindingAcknowledgement, PluginEvidence, ReadAssemblyOptions, ResourceEvidence, SourceLocation, StackEvidence } from './assembly';
export { renderMarkdown } from './markdown';
export type { MarkdownOptions } from './markdown';
export { renderOscal } from './oscal';
export type { OscalOptions } from './oscal';
export { renderSarif } from './sarif';
export type { SarifOptions } from './sarif';

/** What {@link Evidence.write} writes, and where. */
export interface EvidenceOptions {
  /**
   * File of the Markdown compliance report.
   * @default - no Markdown report
   */
  readonly markdown?: string;
  /**
   * File of the OSCAL 1.1.3 component definition (JSON).
   * @default - no OSCAL file
   */
  readonly oscal?: string;
  /**
   * File of the SARIF 2.1.0 log (JSON).
   * @default - no SARIF file
   */
  readonly sarif?: string;
  /**
   * Folder that source files and the assembly are reported relative to.
   * @default - the folder that contains the assembly
   */
  readonly sourceRoot?: string;
  /**
   * `metadata.last-modified` of the OSCAL file (ISO 8601).
   * @default - none: 1970-01-01T00:00:00Z, so the output stays byte-identical
   */
  readonly lastModified?: string;
}

/** What {@link Evidence.write} read and wrote. */
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

/** Options of {@link Evidence.validationFindings}. */
export interface ValidationFindingsOptions {
  /**
   * Folder that source files are named relative to.
   * @default - the working folder (the project root under jest)
   */
  readonly sourceRoot?: string;
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
   * @param directory the cloud assembly folder (usually `cdk.out`)
   */
  public static read(directory: string, options: ReadAssemblyOptions = {}): AssemblyEvidence {
    return readAssembly(directory, options);
  }

  /**
   * Reads the cloud assembly and writes the requested evidence files. Everything is rendered before anything is
   * written, and each file is written whole, so bad input leaves no partial file.
   *
   * @param assembly the cloud assembly folder (usually `cdk.out`)
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
