import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Finding, withoutNamespace } from '../../lib/compliance/findings';
import { createNagPacks } from '../../lib/compliance/rule-packs';
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

/**
 * The findings of every cdk-nag pack on the app, as if every acknowledgement recorded on `removed` or below it were
 * gone (those elsewhere still apply): what the app would report without them. Public API only: the packs'
 * `validateScope()` (which reports acknowledged findings too: it does not match the `<pack>::<rule>` ids) and the
 * constructs' metadata, read, never changed.
 */
export function ruleFindingsWithout(app: IConstruct, removed: IConstruct): Finding[] {
  settleAcknowledgements(app);
  const cut = removed.node.path;
  const inRemoved = (node: IConstruct): boolean => cut === '' || node.node.path === cut || node.node.path.startsWith(`${cut}/`);
  const acknowledgedOutside = (node: IConstruct, rule: string): boolean => {
    for (let cur: IConstruct | undefined = node; cur; cur = cur.node.scope) {
      if (inRemoved(cur)) continue;
      for (const entry of cur.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
        if (Object.keys(entry.data).some((k) => withoutNamespace(k) === rule)) return true;
      }
    }
    return false;
  };
  const byPath = new Map(app.node.findAll().map((n) => [n.node.path, n]));
  return createNagPacks(app).flatMap((pack) => pack.validateScope(app).violations.flatMap((v) => v.violatingResources.flatMap((r) => {
    const construct = r.constructPath === undefined ? undefined : byPath.get(r.constructPath);
    return construct !== undefined && acknowledgedOutside(construct, v.ruleName) ? []
      : [{ rule: v.ruleName, path: r.constructPath ?? '(unknown)', description: v.description.slice(0, 160) }];
  })));
}
