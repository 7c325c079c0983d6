/** The evidence model of a cloud assembly: what `readAssembly` returns (its own module, so readers and renderers share it without a cycle). */

/** Where in the user's code a construct was created: a file relative to the source root, or an absolute one outside it. */
export interface SourceLocation {
  /** Source file, relative to the source root (forward slashes), or absolute when outside it. */
  readonly file: string;
  /** Line, from 1. */
  readonly line: number;
  /** Column, from 1. */
  readonly column: number;
}

/** One finding of one validation plugin on one construct. */
export interface EvidenceFinding {
  /** The plugin that reported it (`AwsSolutions`, `cdk-validator-cfnguard`, `SecurityBaseline`, ...). */
  readonly plugin: string;
  /** The rule as the plugin names it. */
  readonly rule: string;
  /** What the rule requires and why, as the plugin wrote it. */
  readonly description: string;
  /** The fix the plugin suggests, when it gives one. */
  readonly fix?: string;
  /** `error`, `warning`, `info`, or the plugin's own severity. */
  readonly severity: string;
  /** Construct path of the resource. */
  readonly path: string;
  /** Stack artifact id the resource is in, when known. */
  readonly stack?: string;
  /** Logical id of the resource in its template, when known. */
  readonly logicalId?: string;
  /** Template of the stack, relative to the assembly. */
  readonly template?: string;
  /** The line of the user's code that created the construct, when the assembly records its creation stack. */
  readonly source?: SourceLocation;
  /** Set on acknowledged findings: the id acknowledged, on which construct, and why. */
  readonly acknowledgement?: FindingAcknowledgement;
}

/** How a finding was acknowledged. */
export interface FindingAcknowledgement {
  /** The id acknowledged, as aws-cdk-lib recorded it (`<plugin>::<rule>`). */
  readonly id: string;
  /** Construct path of the construct the acknowledgement is on (the resource or one of its scopes). */
  readonly at: string;
  /** Why the finding does not apply or what compensates for it. */
  readonly reason: string;
}

/** What one validation plugin reported. */
export interface PluginEvidence {
  /** The plugin's name (cdk-nag packs: the pack name; the Control Tower checks: `cdk-validator-cfnguard`). */
  readonly name: string;
  /** The plugin's version, when it states one. */
  readonly version?: string;
  /** `success` or `failure`, as aws-cdk-lib concluded after acknowledgements. */
  readonly conclusion: string;
  /** Findings no acknowledgement covers, by rule and construct path. */
  readonly open: EvidenceFinding[];
  /** Findings an acknowledgement covers, by rule and construct path. */
  readonly acknowledged: EvidenceFinding[];
}

/** One CloudFormation resource of the assembly. */
export interface ResourceEvidence {
  /** Logical id in the template. */
  readonly logicalId: string;
  /** CloudFormation resource type. */
  readonly resourceType: string;
  /** Construct path (from the stack's metadata), or `<stack>/<logicalId>` when the assembly does not record it. */
  readonly path: string;
  /** The line of the user's code that created it, when the assembly records the creation stack. */
  readonly source?: SourceLocation;
  /** Frames of the creation stack that are in this library's constructs (`lib/constructs/<folder>/`): the folders. */
  readonly libraryConstructs: string[];
}

/** One stack of the assembly (nested assemblies of Stages included). */
export interface StackEvidence {
  /** Artifact id (the stack's name in `cdk deploy`). */
  readonly id: string;
  /** Construct path of the stack. */
  readonly path: string;
  /** Template file, relative to the assembly. */
  readonly template: string;
  /** Its resources, by construct path. */
  readonly resources: ResourceEvidence[];
}

/** One acknowledgement recorded in the assembly (`Validations.of(x).acknowledge()`), whichever plugin it is for. */
export interface AcknowledgementEvidence {
  /** Construct path the acknowledgement is on. */
  readonly path: string;
  /** The id as recorded (`<plugin>::<rule>`, or the plain rule id). */
  readonly id: string;
  /** The reason given. */
  readonly reason: string;
}

/** Everything the evidence command reads from one cloud assembly. */
export interface AssemblyEvidence {
  /** The assembly folder, as given. */
  readonly directory: string;
  /** The stacks, in manifest order (nested assemblies of Stages included). */
  readonly stacks: StackEvidence[];
  /** Every validation plugin in the report, by name. */
  readonly plugins: PluginEvidence[];
  /** Every acknowledgement recorded in the stacks' metadata, by construct path. */
  readonly acknowledgements: AcknowledgementEvidence[];
}

/** Options of `Evidence.read()`. */
export interface ReadAssemblyOptions {
  /**
   * The folder source files are reported relative to (SARIF's `%SRCROOT%`).
   * @default the folder that contains the assembly (a project's root for `cdk.out`)
   */
  readonly sourceRoot?: string;
}

/** Options of `Evidence.renderMarkdown()`. */
export interface MarkdownOptions {
  /** First heading. @default 'Compliance report' */
  readonly title?: string;
  /** A paragraph after the title (how the report was made, for whom). */
  readonly preamble?: string;
}

/** Options of `Evidence.renderOscal()`. */
export interface OscalOptions {
  /** ISO 8601 time for `metadata.last-modified`; without it the output carries no clock (1970-01-01T00:00:00Z) and stays byte-identical. */
  readonly lastModified?: string;
  /** Title of the component definition. @default 'Compliance evidence of the cloud assembly' */
  readonly title?: string;
}

/** Options of `Evidence.renderSarif()`. */
export interface SarifOptions {
  /**
   * Path of the assembly folder relative to the source root, for results without a source line (they point at the template).
   * @default 'cdk.out'
   */
  readonly assemblyPath?: string;
}

/** What `Evidence.write()` writes, and where. */
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

/** What `Evidence.write()` read and wrote. */
export interface WrittenEvidence {
  /** The evidence read from the assembly. */
  readonly evidence: AssemblyEvidence;
  /** The files written, as given. */
  readonly written: string[];
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

/** Options of `Evidence.validationFindings()`. */
export interface ValidationFindingsOptions {
  /**
   * Folder that source files are named relative to.
   * @default - the working folder (the project root under jest)
   */
  readonly sourceRoot?: string;
}
