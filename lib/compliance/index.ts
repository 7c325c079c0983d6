/**
 * aws-security-baseline/compliance: the rule packs the baseline is held to (cdk-nag AWS Solutions, NIST 800-53 R5,
 * HIPAA Security, PCI DSS 3.2.1 and Serverless, plus the AWS Control Tower proactive controls), as synth-time
 * validation plugins for your app (`RulePacks`); and the compliance evidence of any app's cloud assembly (`Evidence`:
 * a Markdown report, an OSCAL component definition, SARIF), also as the command `aws-security-baseline evidence cdk.out ...`.
 * The rule packs need the optional peer dependencies `cdk-nag` and `@cdklabs/cdk-validator-cfnguard`; the evidence
 * functions need neither. Also the `compliance` submodule of the package root (Python: `aws_security_baseline.compliance`).
 *
 * @packageDocumentation
 * @module aws-security-baseline/compliance
 */
export { RulePacks } from './rule-packs';
export { Evidence } from './evidence';
// The evidence model and the options of Evidence (a module of interfaces only; jsii needs them re-exported by name or
// wildcard, not as `export type`, to place them in the compliance submodule).
export * from './evidence/types';
