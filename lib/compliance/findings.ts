import { join } from 'path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { isNamespacedNagAcknowledgement, settleAcknowledgements } from '../internal/acknowledge';
import { createControlTowerValidator, createNagPacks } from './rule-packs';

/** The synth-end acknowledgement decisions, for code that runs the packs on a finished app without synthesizing it. */
export { settleAcknowledgements } from '../internal/acknowledge';

/** One acknowledged finding, as recorded with `Validations.of(x).acknowledge()`. */
export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** One finding of a rule pack or a Control Tower control. */
export interface Finding {
  readonly rule: string;
  readonly path: string;
  readonly description: string;
  /** The construct the finding is on, when it could be resolved. */
  readonly construct?: IConstruct;
}

/** Runs every cdk-nag pack on the scope (as `cdk synth` does) and returns the unacknowledged findings. */
export function ruleFindings(scope: IConstruct): Finding[] {
  return packFindings(scope, undefined);
}

/**
 * The findings of every cdk-nag pack on the scope as if every acknowledgement recorded on `removed` or below it were
 * gone (those elsewhere still apply): what the app would report without them. Nothing in the app is changed.
 */
export function ruleFindingsWithout(scope: IConstruct, removed: IConstruct): Finding[] {
  return packFindings(scope, removed);
}

function packFindings(scope: IConstruct, removed: IConstruct | undefined): Finding[] {
  settleAcknowledgements(scope); // the decisions constructs make at synth end, which validateScope alone would not run
  const byPath = new Map(scope.node.findAll().map((n) => [n.node.path, n]));
  const findings: Finding[] = [];
  // validateScope reports acknowledged findings too: cdk-nag does not match the `<pack>::<rule>` ids recorded for them.
  for (const pack of createNagPacks(scope)) {
    for (const v of pack.validateScope(scope).violations) {
      for (const r of v.violatingResources) {
        const construct = r.constructPath === undefined ? undefined : byPath.get(r.constructPath);
        if (construct && isAcknowledged(construct, v.ruleName, removed)) continue;
        findings.push({ rule: v.ruleName, path: r.constructPath ?? '(unknown)', description: v.description.slice(0, 160) });
      }
    }
  }
  return findings;
}

/** Every acknowledgement recorded below the scope (aws-cdk-lib's own included; the pack-namespaced twins left out). */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  settleAcknowledgements(scope);
  const out: Acknowledgement[] = [];
  for (const node of scope.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const plain = isNamespacedNagAcknowledgement(id) ? withoutNamespace(id) : id.replace(/^annotation::/i, '');
        out.push({ path: node.node.path, id: plain, reason });
      }
    }
  }
  return out;
}

/**
 * True when `rule` (a cdk-nag id or a Control Tower rule name) is acknowledged on the construct or one of its
 * ancestors; acknowledgements recorded on `ignored` or below it do not count.
 */
export function isAcknowledged(node: IConstruct, rule: string, ignored?: IConstruct): boolean {
  const cut = ignored?.node.path;
  for (let cur: IConstruct | undefined = node; cur; cur = cur.node.scope) {
    const path = cur.node.path;
    if (cut !== undefined && (cut === '' || path === cut || path.startsWith(`${cut}/`))) continue;
    for (const entry of cur.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      if (Object.keys(entry.data).some((k) => withoutNamespace(k) === rule)) return true;
    }
  }
  return false;
}

/**
 * The rule of a recorded acknowledgement id: `Annotation::r`, `<pack>::r` and `cdk-validator-cfnguard::r` all name `r`.
 * The namespace ends at the first `::` outside brackets (`AwsSolutions-IAM5[Action::s3:*]` has none), as aws-cdk-lib parses it.
 */
export function withoutNamespace(id: string): string {
  let depth = 0;
  for (let i = 0; i < id.length - 1; i++) {
    const c = id[i];
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') depth--;
    else if (depth === 0 && c === ':' && id[i + 1] === ':') return id.slice(i + 2);
  }
  return id;
}

/**
 * Runs the Control Tower proactive controls (cfn-guard) on the app's synthesized templates, as `cdk synth` does,
 * and returns the findings with their constructs, acknowledged or not.
 */
export function controlTowerViolations(app: App): Finding[] {
  const assembly = app.synth({ validateOnSynthesis: false } as never);
  const byLogicalId = new Map<string, IConstruct>();
  for (const node of app.node.findAll()) {
    if (node instanceof CfnResource) byLogicalId.set(`${node.stack.templateFile}#${node.stack.resolve(node.logicalId)}`, node);
  }
  const report = createControlTowerValidator().validate({
    templatePaths: assembly.stacks.map((s) => join(assembly.directory, s.templateFile)),
  } as never);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => {
    const construct = byLogicalId.get(`${r.templatePath?.split('/').pop()}#${r.resourceLogicalId}`);
    return {
      rule: v.ruleName,
      path: construct?.node.path ?? `${r.templatePath}#${r.resourceLogicalId}`,
      description: v.description.slice(0, 160),
      construct,
    };
  }));
}
