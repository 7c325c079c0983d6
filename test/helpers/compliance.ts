import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Finding } from '../../lib/compliance/findings';
import { settleAcknowledgements } from '../../lib/internal/acknowledge';

// The evidence functions live in lib/compliance (also used by scripts/compliance.ts and scripts/findings.ts).
export { acknowledgements, controlTowerViolations, ruleFindings } from '../../lib/compliance/findings';
export type { Acknowledgement, Finding } from '../../lib/compliance/findings';

/** Formats findings one per line, for readable test failures. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.rule} @ ${f.path}: ${f.description}`).join('\n');
}

/** Namespace of the acknowledgements aws-cdk-lib itself records for its built-in CloudFormation validation. */
export const BUILT_IN_VALIDATION = 'CloudFormation-Validate::';

/** Deletes every rule-pack acknowledgement below the scope (to prove each one is needed); aws-cdk-lib's own stay. */
export function removeAcknowledgements(scope: IConstruct): void {
  settleAcknowledgements(scope); // the synth-end decisions first, so a later synth does not record them again
  for (const node of scope.node.findAll()) {
    const internal = node.node as unknown as { _metadata?: { type: string; data?: Record<string, string> }[] };
    if (!internal._metadata) continue;
    internal._metadata = internal._metadata.filter((m) => m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY
      || Object.keys(m.data ?? {}).every((id) => id.startsWith(BUILT_IN_VALIDATION)));
  }
}
