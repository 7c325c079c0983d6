import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import type { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { BaselineError, BaselineErrorCode } from '../internal/errors';
import { runControlTowerChecks } from './control-tower-run';
import { RULE_PACK_NAMES, RulePackName } from './pack-names';

/**
 * Loads an optional peer dependency of the `compliance` entry, or fails with one line that says what to install.
 * Both peers are needed only when the packs run (synth), never to read a cloud assembly (the evidence command).
 * `load` is a `require` of the package by its written name, so a reader (and the import rules) see what synth loads.
 */
export function peer<T>(name: string, why: string, load: () => unknown): T {
  try {
    return load() as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((e as Error).message).includes(name)) throw e;
    const python = PYTHON_PEERS[name];
    throw new BaselineError(BaselineErrorCode.MISSING_PEER_DEPENDENCY, `aws-security-baseline/compliance: ${why} needs the optional peer dependency ${name}, which is not installed. ` +
      `Fix: npm install --save-dev ${name}${python === undefined ? ''
        : ` (from Python: pip install ${python.distribution}, then import ${python.module} before the packs are added, so jsii loads it)`}`, undefined, { cause: e });
  }
}

/**
 * The Python package of each optional peer that is not a jsii dependency of this library (so the jsii kernel loads it
 * only when the app imports it): the Control Tower validator, which Maven Central does not carry.
 */
const PYTHON_PEERS: Record<string, { readonly distribution: string; readonly module: string }> = {
  '@cdklabs/cdk-validator-cfnguard': { distribution: 'cdklabs.cdk-validator-cfnguard', module: 'cdklabs.cdk_validator_cfnguard' },
};

type NagModule = typeof import('cdk-nag');

/** The cdk-nag class of each pack in RULE_PACK_NAMES (a pack added there without a class here does not compile). */
export function rulePackClasses(): Readonly<Record<RulePackName, new (scope: IConstruct, props?: NagPackProps) => NagPack>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on first use so a missing one gets peer()'s line
  const nag = peer<NagModule>('cdk-nag', 'running the rule packs', () => require('cdk-nag'));
  return {
    'AwsSolutions': nag.AwsSolutionsChecks,
    'NIST.800.53.R5': nag.NIST80053R5Checks,
    'HIPAA.Security': nag.HIPAASecurityChecks,
    'PCI.DSS.321': nag.PCIDSS321Checks,
    'Serverless': nag.ServerlessChecks,
  };
}

/** Creates the cdk-nag v3 packs the baseline is held to, one per name in RULE_PACK_NAMES, in that order. */
export function createRulePacks(scope: IConstruct): IPolicyValidationPlugin[] {
  return createNagPacks(scope);
}

/** The packs of {@link createRulePacks} as cdk-nag's type (for `validateScope()`, its public entry for a construct tree). */
export function createNagPacks(scope: IConstruct): NagPack[] {
  const classes = rulePackClasses();
  return RULE_PACK_NAMES.map((name) => new classes[name](scope, { verbose: true }));
}

/**
 * The AWS Control Tower proactive controls (237 cfn-guard rules), run on the synthesized templates.
 *
 * The plugin reports its findings without a severity, which aws-cdk-lib treats as non-blocking; this
 * wrapper marks every finding as an error so an unacknowledged Control Tower finding fails synth like
 * a cdk-nag one. It keeps the plugin's name, so acknowledgements read `cdk-validator-cfnguard::<rule>`.
 *
 * The findings are the plugin's own, computed faster (see `control-tower-run.ts`): each template is checked with
 * only the rules that can apply to it, templates in parallel, and an unchanged template's result is read from a
 * cache inside the cloud assembly (`cdk.out/.control-tower-cache/`), keyed by the template's content hash and the
 * validator's version and rules.
 */
export class ControlTowerChecks implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];
  private readonly validator: CfnGuardValidator;

  constructor() {
    const cfnGuard = peer<{ CfnGuardValidator: typeof CfnGuardValidator }>('@cdklabs/cdk-validator-cfnguard', 'running the Control Tower controls',
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on first use so a missing one gets peer()'s line
      () => require('@cdklabs/cdk-validator-cfnguard'));
    this.validator = new cfnGuard.CfnGuardValidator({ controlTowerRulesEnabled: true });
    this.name = this.validator.name;
    this.version = this.validator.version;
    this.ruleIds = this.validator.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const found = runControlTowerChecks(context.templatePaths, { validatorName: this.name, validatorVersion: this.version ?? '' });
    const violations = found.map((v) => ({ ...v, severity: 'error' }));
    return { violations, success: violations.length === 0 };
  }
}

/** Creates the Control Tower checks plugin. */
export function createControlTowerValidator(): ControlTowerChecks {
  return new ControlTowerChecks();
}

/**
 * A cdk-nag pack as a validation plugin that fails synth on warnings too. The pack reports every finding itself:
 * `Acknowledgements.of(x).add()` records `<pack>::<rule>`, which cdk-nag does not match and aws-cdk-lib does, so aws-cdk-lib moves
 * each acknowledged finding to the suppressed violations of `cdk.out/validation-report.json`, with its reason.
 * Only the pack's public `validate()` is called; every finding it reports becomes an error.
 */
export class RulePackChecks implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly pack: IPolicyValidationPlugin) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.pack.validate(context);
    const violations = report.violations.map((v) => ({ ...v, severity: 'error' }));
    return { ...report, violations, success: violations.length === 0 };
  }
}

/**
 * Registers the rule packs and the Control Tower controls as validation plugins:
 * `cdk synth` fails on any finding (errors and warnings) that is not acknowledged on its construct.
 */
export function addRulePacks(scope: IConstruct): void {
  const packs = createRulePacks(scope).map((pack) => new RulePackChecks(pack));
  Validations.of(scope).addPlugins(...packs, createControlTowerValidator());
}

/**
 * The rule packs the baseline is held to: the cdk-nag v3 packs AWS Solutions, NIST 800-53 R5, HIPAA Security,
 * PCI DSS 3.2.1 and Serverless, and the AWS Control Tower proactive controls (cfn-guard), as validation plugins.
 * Needs the optional peer dependencies `cdk-nag` and `@cdklabs/cdk-validator-cfnguard`.
 *
 * ```ts
 * const app = new App();
 * RulePacks.addTo(app);
 * ```
 */
export class RulePacks {
  /**
   * Names of the cdk-nag packs, as cdk-nag reports them: a pack's rule ids read `<name>-<rule>` and its acknowledgements
   * `<name>::<name>-<rule>` (frozen).
   */
  public static readonly NAMES: string[] = Object.freeze([...RULE_PACK_NAMES]) as string[];

  /**
   * Registers every rule pack and the Control Tower controls as validation plugins of the scope (usually the App):
   * `cdk synth` fails on any finding, errors and warnings, that is not acknowledged on its construct.
   */
  public static addTo(scope: IConstruct): void {
    addRulePacks(scope);
  }

  /**
   * Creates the cdk-nag v3 packs, one per name in `RulePacks.NAMES`, in that order, to register yourself
   * (`Validations.of(app).addPlugins(...)`): they keep cdk-nag's own severities (warnings do not fail synth).
   */
  public static create(scope: IConstruct): IPolicyValidationPlugin[] {
    return createRulePacks(scope);
  }

  private constructor() {}
}
