import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NagPackProps, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { runControlTowerChecks } from './control-tower-run';
import { RULE_PACK_NAMES, RulePackName } from './pack-names';

/** The cdk-nag class of each pack in RULE_PACK_NAMES (a pack added there without a class here does not compile). */
const RULE_PACK_CLASSES: Readonly<Record<RulePackName, new (scope: IConstruct, props?: NagPackProps) => NagPack>> = {
  'AwsSolutions': AwsSolutionsChecks,
  'NIST.800.53.R5': NIST80053R5Checks,
  'HIPAA.Security': HIPAASecurityChecks,
  'PCI.DSS.321': PCIDSS321Checks,
  'Serverless': ServerlessChecks,
};

/** Creates the cdk-nag v3 packs the baseline is held to, one per name in RULE_PACK_NAMES, in that order. */
export function createRulePacks(scope: IConstruct): IPolicyValidationPlugin[] {
  return RULE_PACK_NAMES.map((name) => new RULE_PACK_CLASSES[name](scope, { verbose: true }));
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
    this.validator = new CfnGuardValidator({ controlTowerRulesEnabled: true });
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
 * Wraps a cdk-nag pack so that acknowledged findings reach aws-cdk-lib too: the pack reports every
 * finding, aws-cdk-lib moves the acknowledged ones to `suppressedViolations` (matching the `<pack>::<rule>`
 * id that `acknowledge()` records), and `cdk.out/validation-report.json` names each pack with its
 * acknowledged findings and reasons. Unacknowledged findings, warnings included, are errors: synth fails
 * exactly as with the bare pack.
 */
export class ReportingNagPack implements IPolicyValidationPlugin {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly pack: NagPack) {
    this.name = pack.name;
    this.version = pack.version;
    this.ruleIds = pack.ruleIds;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const internals = this.pack as unknown as { isAcknowledged(node: IConstruct, ruleId: string): boolean };
    const original = internals.isAcknowledged.bind(this.pack);
    const acknowledged = new Set<string>();
    internals.isAcknowledged = (node, ruleId) => {
      if (original(node, ruleId)) acknowledged.add(`${ruleId}@${node.node.path}`);
      return false;
    };
    try {
      const report = this.pack.validate(context);
      let open = 0;
      const violations = report.violations.map((v) => {
        const unacknowledged = v.violatingResources.filter((r) => !acknowledged.has(`${v.ruleName}@${r.constructPath}`)).length;
        open += unacknowledged;
        return unacknowledged > 0 ? { ...v, severity: 'error' } : v;
      });
      return { ...report, violations, success: open === 0 };
    } finally {
      internals.isAcknowledged = original;
    }
  }
}

/**
 * Registers the rule packs and the Control Tower controls as validation plugins:
 * `cdk synth` fails on any finding (errors and warnings) that is not acknowledged on its construct.
 */
export function addRulePacks(scope: IConstruct): void {
  const packs = createRulePacks(scope).map((pack) => new ReportingNagPack(pack as NagPack));
  Validations.of(scope).addPlugins(...packs, createControlTowerValidator());
}
