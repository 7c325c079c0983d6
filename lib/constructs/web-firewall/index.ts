// The web-firewall folder's entry: the construct, its props and the defaults and WCU figures a caller may read.
// web-firewall.ts holds the construct, web-firewall-props.ts its props, validation.ts the checks of those props,
// rules.ts the rule builders, defaults.ts every secure default and capacity.ts the WCU calculator.
export { BASE_PRICE_WCU, MANAGED_RULE_GROUP_WCU, MAX_WEB_ACL_WCU, ruleCapacity, statementCapacity } from './capacity';
export {
  DEFAULT_AUTH_PATHS, DEFAULT_AUTH_RATE_LIMIT, DEFAULT_CAPACITY_BUDGET, DEFAULT_EVALUATION_WINDOW, DEFAULT_HEADER_RATE_LIMIT,
  DEFAULT_MAX_BODY_SIZE, DEFAULT_RATE_LIMIT, DEFAULT_REDACTED_HEADERS, MANAGED_RULE_GROUPS,
} from './defaults';
export { FirewallRuleMode, ManagedRuleOverrideAction } from './defaults';
export type { ManagedRuleGroupDefault } from './defaults';
export { WebFirewall } from './web-firewall';
export type { WebFirewallAssociateOptions, WebFirewallMetricOptions, WebFirewallRateLimit } from './web-firewall';
export { ApiGatewayBodyInspectionLimit, BotControlInspectionLevel, LoginPayloadType } from './web-firewall-props';
export type {
  AccountTakeoverPreventionOptions, AuthRateLimitOptions, BodySizeLimitOptions, BotControlOptions,
  HeaderRateLimitOptions, ManagedRuleGroupOptions, ManagedRuleGroupsOptions, RateLimitOptions, WebFirewallProps,
} from './web-firewall-props';
