export { SecurityBaseline } from './aspect';
export type { SecurityBaselineChange, SecurityBaselineControlInfo, SecurityBaselineFinding, SecurityBaselineProps } from './aspect';
export { SecurityBaselineArea, SecurityBaselineMode } from './types';
export type { SecurityBaselineThresholds } from './types';
