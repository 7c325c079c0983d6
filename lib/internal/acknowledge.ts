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
  // A pack's finding is acknowledged as `<pack>::<rule>` only: cdk-nag matches the plain id and would then drop the
  // finding from its report, while aws-cdk-lib matches `<pack>::<rule>` and moves it to the suppressed violations of
  // cdk.out/validation-report.json with this reason, which is where the evidence command reads it.
  const pack = NAG_PACK_PREFIX.exec(id)?.[1];
  Validations.of(scope).acknowledge({ id: pack ? `${pack}::${id}` : id, reason });
}

/**
 * The cdk-nag packs' names (the one list in lib/compliance/pack-names.ts) and the SecurityBaseline Aspect's plugin
 * name: their rule ids start with `<name>-`, their report namespace is `<name>::`.
 */
export const NAG_PLUGIN_NAMES: readonly string[] = [...RULE_PACK_NAMES, 'SecurityBaseline'];
const NAG_PACKS = `(${NAG_PLUGIN_NAMES.map((name) => name.replace(/\./g, '\\.')).join('|')})`;
const NAG_PACK_PREFIX = new RegExp(`^${NAG_PACKS}-`);
const NAG_PACK_NAMESPACE = new RegExp(`^${NAG_PACKS}::`);

/** True for the pack-namespaced id that {@link acknowledge} records for every cdk-nag and SecurityBaseline acknowledgement. */
export function isNamespacedNagAcknowledgement(recordedId: string): boolean {
  return NAG_PACK_NAMESPACE.test(recordedId);
}

/** Acknowledges several rules on one construct that share the same reason (each rule is still named one by one). */
export function acknowledgeEach(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) acknowledge(scope, id, reason);
}
