import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { RULE_PACK_NAMES, RulePackName } from '../compliance/pack-names';
import { BaselineError, BaselineErrorCode } from './errors';

/** The shortest reason we accept for acknowledging a rule-pack finding. */
export const MIN_ACK_REASON_LENGTH = 40;

/**
 * Acknowledges findings on one construct: rule-pack findings (cdk-nag packs, the Control Tower controls), findings
 * of the SecurityBaseline Aspect, and synth warnings of aws-cdk-lib and of this library (`Annotation::<warning id>`).
 * Named and shaped like aws-cdk-lib's `Validations.of(scope).acknowledge()`, which it wraps:
 *
 * ```ts
 * Acknowledgements.of(loadBalancer).add('SecurityBaseline-ALB3', 'A partner client sends header names with underscores until its Q3 release.');
 * ```
 */
export class Acknowledgements {
  /** The shortest reason accepted, in characters (after trimming). */
  public static readonly MIN_REASON_LENGTH: number = MIN_ACK_REASON_LENGTH;

  /** The acknowledgements of one construct: of the construct that causes the findings, never a Stack or App above it. */
  public static of(scope: IConstruct): Acknowledgements {
    return new Acknowledgements(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Acknowledges exactly one finding on this construct (and the resources below it), with a reason an auditor would
   * accept: why the finding does not apply or what compensates for it, in at least {@link Acknowledgements.MIN_REASON_LENGTH}
   * characters. A rule of a cdk-nag pack or of the SecurityBaseline Aspect (`AwsSolutions-IAM5[...]`,
   * `SecurityBaseline-ALB3`) is recorded as `<pack>::<rule>`, which aws-cdk-lib matches and reports with the reason
   * among the suppressed violations of `cdk.out/validation-report.json`; any other id
   * (`cdk-validator-cfnguard::<rule>`, `Annotation::<warning id>`) is recorded as given.
   *
   * @param id - the finding's rule id, as the plugin reports it
   * @param reason - why the finding does not apply to this construct, or what compensates for it
   */
  public add(id: string, reason: string): void {
    acknowledge(this.scope, id, reason);
  }
}

/**
 * Acknowledges exactly one rule-pack finding on the construct that causes it: what {@link Acknowledgements.add} does,
 * as the function the library's own constructs call.
 *
 * A thin wrapper over `Validations.of(scope).acknowledge()` that refuses vague
 * reasons, so every acknowledgement in the baseline reads as audit evidence.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < MIN_ACK_REASON_LENGTH) {
    throw new BaselineError(BaselineErrorCode.INVALID_ACKNOWLEDGEMENT,
      `${scope.node.path}: acknowledgement of ${id} has a ${reason.trim().length}-character reason ("${reason}"). ` +
        `Fix: explain in at least ${MIN_ACK_REASON_LENGTH} characters why the finding does not apply or what compensates for it.`,
      scope,
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

/**
 * The ids of one rule in the packs that carry it, in the order given: `packRuleIds('LambdaDLQ', ['NIST.800.53.R5',
 * 'HIPAA.Security'])` is `['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ']`. The packs are typed by the one
 * list in lib/compliance/pack-names.ts, so a misspelt pack name does not compile (a misspelt id would acknowledge
 * nothing and the finding would fail synth only in the pack that kept the old name).
 */
export function packRuleIds(rule: string, packs: readonly RulePackName[]): string[] {
  return packs.map((pack) => `${pack}-${rule}`);
}

/** Acknowledges several rules on one construct that share the same reason (each rule is still named one by one). */
export function acknowledgeEach(scope: IConstruct, ids: string[], reason: string): void {
  for (const id of ids) acknowledge(scope, id, reason);
}

/**
 * Decides, once the app is complete, whether the construct may acknowledge `ids`: `verify` looks at what the construct
 * can see at synth end (routes, integrations, associations, the stacks its inputs come from) and returns the reason
 * naming what it verified, or `undefined` when it cannot tell, so that the findings reach the user, who decides.
 *
 * The decision runs as a `node.addValidation()` of `scope`: aws-cdk-lib validates the construct tree before it runs
 * the validation plugins, so the rule packs see the acknowledgement. Code that reads findings or acknowledgements
 * without synthesizing calls {@link settleAcknowledgements} first. Each decision is made once.
 */
export function acknowledgeIfVerified(scope: IConstruct, ids: readonly string[], verify: () => string | undefined): void {
  let pending = PENDING.get(scope);
  if (pending === undefined) {
    const list: PendingAcknowledgement[] = [];
    PENDING.set(scope, list);
    pending = list;
    scope.node.addValidation({ validate: () => { settle(scope, list); return []; } });
  }
  pending.push({ ids, verify });
}

/** Makes every pending {@link acknowledgeIfVerified} decision in the scope's subtree now (idempotent). */
export function settleAcknowledgements(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    const pending = PENDING.get(node);
    if (pending !== undefined) settle(node, pending);
  }
}

interface PendingAcknowledgement {
  readonly ids: readonly string[];
  readonly verify: () => string | undefined;
}

const PENDING = new WeakMap<IConstruct, PendingAcknowledgement[]>();

function settle(scope: IConstruct, pending: PendingAcknowledgement[]): void {
  for (const { ids, verify } of pending.splice(0)) {
    const reason = verify();
    if (reason !== undefined) acknowledgeEach(scope, [...ids], reason);
  }
}
