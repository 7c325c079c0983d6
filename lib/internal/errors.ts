import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The stable code of every error this library throws, in the spirit of aws-cdk-lib's error names: match on the code,
 * never on the message (messages name the construct, the prop, the value and the fix, and may be reworded).
 */
export enum BaselineErrorCode {
  /** A prop of a construct or of the SecurityBaseline Aspect is invalid; the message names the prop, the value and the fix. */
  INVALID_PROP = 'InvalidProp',
  /**
   * An acknowledgement is refused: its reason is too short, it names a SecurityBaseline rule no control reports, or it
   * is on an App, Stage or Stack, where it would silence every resource below.
   */
  INVALID_ACKNOWLEDGEMENT = 'InvalidAcknowledgement',
  /** A Stage was synthesized without the SecurityBaseline Aspect, or `SecurityBaseline.applyToStage()` found none to apply. */
  STAGE_WITHOUT_BASELINE = 'StageWithoutBaseline',
  /** An optional peer dependency (`cdk-nag`, `@cdklabs/cdk-validator-cfnguard`) that the rule packs need is not installed. */
  MISSING_PEER_DEPENDENCY = 'MissingPeerDependency',
  /** The rule packs' Control Tower checks (cfn-guard) failed to run or did not finish. */
  CONTROL_TOWER_CHECKS_FAILED = 'ControlTowerChecksFailed',
  /** A folder is not a cloud assembly the evidence functions can read, or it carries no usable validation report. */
  INVALID_ASSEMBLY = 'InvalidAssembly',
  /** An option of the evidence output is invalid (for example the OSCAL `lastModified` time). */
  INVALID_EVIDENCE_OPTION = 'InvalidEvidenceOption',
  /** The web ACL capacity (WCU) of a rule cannot be computed: an unknown managed rule group or statement, or a token. */
  UNKNOWN_WAF_CAPACITY = 'UnknownWafCapacity',
  /** A handler bundle the package ships is missing: a broken or partial install of the package. */
  MISSING_HANDLER_BUNDLE = 'MissingHandlerBundle',
  /**
   * The library met a case it was written not to meet (an aws-cdk-lib change, or a bug of this library): report it
   * with the message.
   */
  ASSUMPTION_FAILED = 'AssumptionFailed',
}

/** Marks the library's errors across copies of the package, as aws-cdk-lib marks its own (`Symbol.for`). */
const BASELINE_ERROR_SYMBOL = Symbol.for('aws-security-baseline.BaselineError');

/**
 * The one error type this library throws, with a stable {@link BaselineErrorCode}. Not exported: jsii cannot carry
 * a class that extends JavaScript's `Error`, so users test an error with {@link BaselineErrors} (as aws-cdk-lib's
 * `ValidationError` is tested with `Errors.isValidationError()`).
 */
export class BaselineError extends Error {
  /** The stable code. */
  public readonly code: BaselineErrorCode;
  /** Construct path of the construct the error is about, when there is one. */
  public readonly constructPath?: string;

  constructor(code: BaselineErrorCode, message: string, scope?: IConstruct, options?: { readonly cause?: unknown }) {
    super(message, options);
    Object.setPrototypeOf(this, BaselineError.prototype);
    Object.defineProperty(this, BASELINE_ERROR_SYMBOL, { value: true });
    this.name = 'BaselineError';
    this.code = code;
    if (scope !== undefined) this.constructPath = scope.node.path;
  }
}

/**
 * Tests errors thrown by this library, like aws-cdk-lib's `Errors` class:
 *
 * ```ts
 * try { new SecurityBaseline({ thresholds: { backupRetention: Duration.days(3) } }); }
 * catch (e) { if (BaselineErrors.codeOf(e) === BaselineErrorCode.INVALID_PROP) { ... } }
 * ```
 */
export class BaselineErrors {
  /** True when `x` is an error this library threw (whichever copy of the package threw it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii carries `any`, not `unknown` (aws-cdk-lib's Errors does the same)
  public static isBaselineError(x: any): boolean {
    return x !== null && typeof x === 'object' && BASELINE_ERROR_SYMBOL in x;
  }

  /**
   * The stable code of an error this library threw.
   * @returns the code, or `undefined` when `x` is not an error of this library
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii carries `any`, not `unknown`
  public static codeOf(x: any): BaselineErrorCode | undefined {
    return BaselineErrors.isBaselineError(x) ? (x as BaselineError).code : undefined;
  }

  private constructor() {}
}

/**
 * Throws an error that names the construct, the prop, the value received and the fix.
 * Use it for every props validation so messages read the same everywhere.
 */
export function invalidProp(scope: IConstruct, prop: string, value: unknown, fix: string): never {
  throw new BaselineError(BaselineErrorCode.INVALID_PROP, `${scope.node.path}: invalid ${prop} = ${describe(value)}. ${fix}`, scope);
}

/** Validates a whole-number prop within [min, max], skipping unresolved tokens. */
export function checkRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || !Number.isInteger(value) || value < min || value > max) {
    invalidProp(scope, prop, value, `Fix: use a whole number from ${min} to ${max}.`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}
