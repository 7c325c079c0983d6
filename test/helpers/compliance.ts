import { join } from 'path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { IConstruct } from 'constructs';
import { createRulePacks } from '../../lib/compliance/rule-packs';
import { isNamespacedNagAcknowledgement } from '../../lib/internal/acknowledge';

/** One acknowledged rule-pack finding. */
export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** One unacknowledged finding. */
export interface Finding {
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

interface NagReport {
  violations: { ruleName: string; description: string; violatingResources: { constructPath?: string }[] }[];
}

/** Runs every rule pack on the scope (as `cdk synth` does) and returns the unacknowledged findings. */
export function ruleFindings(scope: IConstruct): Finding[] {
  const findings: Finding[] = [];
  for (const pack of createRulePacks(scope)) {
    const report = (pack as unknown as { validateScope(s: IConstruct): NagReport }).validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) {
        findings.push({ rule: v.ruleName, path: r.constructPath ?? '(unknown)', description: v.description.slice(0, 160) });
      }
    }
  }
  return findings;
}

/** Formats findings one per line, for readable test failures. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.rule} @ ${f.path}: ${f.description}`).join('\n');
}

/** Namespace of the acknowledgements aws-cdk-lib itself records for its built-in CloudFormation validation. */
export const BUILT_IN_VALIDATION = 'CloudFormation-Validate::';

/** Every acknowledgement recorded with `Validations.of(x).acknowledge()` below the scope (aws-cdk-lib's own included). */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (isNamespacedNagAcknowledgement(id)) continue; // the twin acknowledge() records for aws-cdk-lib's report
        out.push({ path: node.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

/** Deletes every rule-pack acknowledgement below the scope (to prove each one is needed); aws-cdk-lib's own stay. */
export function removeAcknowledgements(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    const internal = node.node as unknown as { _metadata?: { type: string; data?: Record<string, string> }[] };
    if (!internal._metadata) continue;
    internal._metadata = internal._metadata.filter((m) => m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY
      || Object.keys(m.data ?? {}).every((id) => id.startsWith(BUILT_IN_VALIDATION)));
  }
}

/**
 * Runs the Control Tower proactive controls (cfn-guard) on the app's synthesized templates, as `cdk synth` does,
 * and returns the findings with their construct paths, acknowledged or not.
 */
export function controlTowerViolations(app: App): Finding[] {
  const assembly = app.synth({ validateOnSynthesis: false } as never);
  const byLogicalId = new Map<string, string>();
  for (const node of app.node.findAll()) {
    if (node instanceof CfnResource) byLogicalId.set(`${node.stack.templateFile}#${node.stack.resolve(node.logicalId)}`, node.node.path);
  }
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: true }).validate({
    templatePaths: assembly.stacks.map((s) => join(assembly.directory, s.templateFile)),
  } as never);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => ({
    rule: v.ruleName,
    path: byLogicalId.get(`${r.templatePath.split('/').pop()}#${r.resourceLogicalId}`) ?? `${r.templatePath}#${r.resourceLogicalId}`,
    description: v.description.slice(0, 160),
  })));
}
