/**
 * aws-security-baseline/compliance: the rule packs the baseline is held to (cdk-nag AWS Solutions, NIST 800-53 R5,
 * HIPAA Security, PCI DSS 3.2.1 and Serverless, plus the AWS Control Tower proactive controls), as synth-time
 * validation plugins for your app. Needs the optional peer dependency `cdk-nag`.
 *
 * @packageDocumentation
 * @module aws-security-baseline/compliance
 */
export { RULE_PACK_NAMES } from './pack-names';
export { addRulePacks, createRulePacks } from './rule-packs';
