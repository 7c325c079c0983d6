/**
 * aws-security-baseline/compliance: the rule packs the baseline is held to (cdk-nag AWS Solutions, NIST 800-53 R5,
 * HIPAA Security, PCI DSS 3.2.1 and Serverless, plus the AWS Control Tower proactive controls), as synth-time
 * validation plugins for your app; and the compliance evidence of any app's cloud assembly (a Markdown report, an
 * OSCAL component definition, SARIF), also as the command `aws-security-baseline evidence cdk.out ...`.
 * The rule packs need the optional peer dependencies `cdk-nag` and `@cdklabs/cdk-validator-cfnguard`; the evidence
 * functions need neither.
 *
 * @packageDocumentation
 * @module aws-security-baseline/compliance
 */
export { RULE_PACK_NAMES } from './pack-names';
export { addRulePacks, createRulePacks } from './rule-packs';
export {
  EvidenceError, formatFindings, readAssembly, renderMarkdown, renderOscal, renderSarif, validationFindings, writeEvidence,
} from './evidence';
export type {
  AcknowledgementEvidence, AssemblyEvidence, EvidenceFinding, EvidenceOptions, FindingAcknowledgement, MarkdownOptions, OscalOptions, PluginEvidence,
  ReadAssemblyOptions, ResourceEvidence, SarifOptions, SourceLocation, StackEvidence, Synthesizable, ValidationFindings, WrittenEvidence,
} from './evidence';
