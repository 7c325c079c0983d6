import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RULE_PACK_NAMES } from '../compliance/pack-names';

/** The shortest reason we accept for acknowledging a rule-pack finding. */
export const MIN_ACK_REASON_LENGTH = 40;

/**
 * Acknowledges exactly one rule-pack finding on the construct that causes it.
 *
 * A thin wrapper over `Validations.of(scope).acknowledge()` that refuses vague
 * reasons, so every acknowledgement in the baseline reads as audit evidence.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_ACK_REASON_LENGTH) {
    throw new Error(
      `${scope.node.path}: acknowledgement of ${id} has a ${reason.trim().length}-character reason ("${reason}"). ` +
        `Fix: explain in at least ${MIN_ACK_REASON_LENGTH} characters why the finding does not apply or what compensates for it.`,
    );
  }
  Validations.of(scope).acknowledge({ id, reason });
  // cdk-nag reads the plain id; aws-cdk-lib matches plugin reports by `<pack>::<rule>`. Recording both lets
  // cdk.out/validation-report.json list each acknowledged finding under its pack (see ReportingNagPack), and
  // lets a SecurityBaseline finding (`SecurityBaseline-<control>`, reported by the plugin `SecurityBaseline`) be acknowledged.
  const pack = NAG_PACK_PREFIX.exec(id)?.[1];
  if (pack) Validations.of(scope).acknowledge({ id: `${pack}::${id}`, reason });
}

/**
 * The cdk-nag packs' names (the one list in lib/compliance/pack-names.ts) and the SecurityBaseline Aspect's plugin
 * name: their rule ids start with `<name>-`, their report namespace is `<name>::`.
 */
export const NAG_PLUGIN_NAMES: readonly string[] = [...RULE_PACK_NAMES, 'SecurityBaseline'];
const NAG_PACKS = `(${NAG_PLUGIN_NAMES.map((name) => name.replace(/\./g, '\\.')).join('|')})`;
const NAG_PACK_PREFIX = new RegExp(`^${NAG_PACKS}-`);
const NAG_PACK_NAMESPACE = new RegExp(`^${NAG_PACKS}::`);

/** True for the pack-namespaced twin that {@link acknowledge} records next to every cdk-nag acknowledgement. */
export function isNamespacedNagAcknowledgement(recordedId: string): boolean {
  return NAG_PACK_NAMESPACE.test(recordedId);
}

/** Acknowledges several rules on one construct that share the same reason (each rule is still named one by one). */
export function acknowledgeEach(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) acknowledge(scope, id, reason);
}
