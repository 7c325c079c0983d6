import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
}

/** Acknowledges several rules on one construct that share the same reason (each rule is still named one by one). */
export function acknowledgeEach(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) acknowledge(scope, id, reason);
}
