/**
 * The one list of the rule packs the baseline is held to. Everything else that names them derives from here:
 * `RulePacks.create()` and `RulePacks.addTo()` (and so `app/main.ts`, the compliance report and the test helpers),
 * `Acknowledgements.of(x).add()` (which records the `<pack>::<rule>` twin aws-cdk-lib matches), and the tests that check the
 * READMEs. This module imports nothing, so constructs can name a pack without loading the optional `cdk-nag`.
 */

/** Names of the rule packs every stack of the baseline passes (as cdk-nag reports them). */
export const RULE_PACK_NAMES = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'Serverless'] as const;

/** The name of one cdk-nag pack of the baseline; its rule ids read `<name>-<rule>`. */
export type RulePackName = (typeof RULE_PACK_NAMES)[number];

/** How the documentation titles each pack. */
export const RULE_PACK_TITLES: Readonly<Record<RulePackName, string>> = {
  'AwsSolutions': 'AWS Solutions',
  'NIST.800.53.R5': 'NIST 800-53 R5',
  'HIPAA.Security': 'HIPAA Security',
  'PCI.DSS.321': 'PCI DSS 3.2.1',
  'Serverless': 'Serverless',
};

/** Name of the validation plugin that runs the AWS Control Tower proactive controls (cfn-guard). */
export const CONTROL_TOWER_PLUGIN_NAME = 'cdk-validator-cfnguard';

/** Prefix of acknowledgement ids for the Control Tower proactive controls: `cdk-validator-cfnguard::<rule>`. */
export const CONTROL_TOWER_ACK_PREFIX = `${CONTROL_TOWER_PLUGIN_NAME}::`;

/** How the compliance report titles the Control Tower controls. */
export const CONTROL_TOWER_TITLE = 'Control Tower (cfn-guard)';
