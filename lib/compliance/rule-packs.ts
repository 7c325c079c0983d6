import { IPolicyValidationPlugin, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** Names of the rule packs every stack of the baseline passes (as cdk-nag reports them). */
export const RULE_PACK_NAMES = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'Serverless'] as const;

/** Creates the cdk-nag v3 packs the baseline is held to. */
export function createRulePacks(scope: IConstruct): IPolicyValidationPlugin[] {
  return [
    new AwsSolutionsChecks(scope, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new NIST80053R5Checks(scope, { verbose: true }),
    new HIPAASecurityChecks(scope, { verbose: true }),
    new PCIDSS321Checks(scope, { verbose: true }),
    new ServerlessChecks(scope, { verbose: true }),
  ];
}

/**
 * Registers the rule packs as validation plugins: `cdk synth` fails on any
 * finding (errors and warnings) that is not acknowledged on its construct.
 */
export function addRulePacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(...createRulePacks(scope));
}
