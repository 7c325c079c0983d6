// Public entry `aws-security-baseline/compliance`: the rule-pack helpers (cdk-nag packs and Control Tower controls).
export { addRulePacks, createRulePacks, RULE_PACK_NAMES } from './rule-packs';
