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
