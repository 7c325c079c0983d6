export {
  SecurityBaseline, SECURITY_BASELINE_DEFAULT_THRESHOLDS, SECURITY_BASELINE_PLUGIN_NAME, SECURITY_BASELINE_RULE_PREFIX,
} from './aspect';
export type { SecurityBaselineChange, SecurityBaselineControlInfo, SecurityBaselineFinding, SecurityBaselineProps } from './aspect';
export type { SecurityBaselineArea, SecurityBaselineMode, SecurityBaselineThresholds } from './types';
