import { readFileSync } from 'fs';
import { join } from 'path';
import { Finding } from '../../lib/compliance/findings';

// The evidence functions live in lib/compliance (also used by scripts/compliance.ts and scripts/findings.ts).
export { acknowledgements, controlTowerViolations, ruleFindings, ruleFindingsWithout } from '../../lib/compliance/findings';
export type { Acknowledgement, Finding } from '../../lib/compliance/findings';

/** Formats findings one per line, for readable test failures. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.rule} @ ${f.path}: ${f.description}`).join('\n');
}

/** Namespace of the acknowledgements aws-cdk-lib itself records for its built-in CloudFormation validation. */
export const BUILT_IN_VALIDATION = 'CloudFormation-Validate::';

/** The validation report aws-cdk-lib writes next to the templates (`validation-report.json`). */
export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; description: string; severity?: string; violatingConstructs: { constructPath?: string }[] }[];
    suppressedViolations?: { ruleName: string; reason?: string; acknowledgedId?: string; violatingConstructs: { constructPath?: string }[] }[];
  }[];
}

/** The validation report of the assembly in `directory` (synth writes one when any validation plugin ran). */
export function validationReport(directory: string): ValidationReport {
  return JSON.parse(readFileSync(join(directory, 'validation-report.json'), 'utf8')) as ValidationReport;
}
