import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import {
  actionFor, blockWith, COMMON_RULE_SET_BODY_SIZE_RULE, FirewallRuleMode, headerRateStatement, managedGroupStatement,
  ManagedRuleOverrideAction, oversizedBodyStatement, pathPrefixStatement, perIpRateStatement, rateLimitedAction, RESPONSE_BODY,
} from './defaults';
import { CidrSettings, FirewallSettings, ManagedGroupSettings } from './validation';
import { BotControlInspectionLevel } from './web-firewall-props';

/**
 * The rule builders of WebFirewall: each turns validated settings into the rules of one kind, in the order they
 * run inside that kind. The web ACL evaluates the kinds in this order, cheapest and broadest decisions first:
 * IP and geo lists, reputation groups, rate limits, the body-size rule, the inspection groups, the paid groups.
 * Priorities, visibility and WCU are added by the construct when it numbers the rules.
 */

/** A rule before it gets its priority and visibility config: name (= metric name), statement and what a match does. */
export interface FirewallRule {
  readonly name: string;
  readonly statement: wafv2.CfnWebACL.StatementProperty;
  /** For a rule of the ACL's own. */
  readonly action?: wafv2.CfnWebACL.RuleActionProperty;
  /** For a managed rule group: `none` runs the group's own actions, `count` only counts. */
  readonly overrideAction?: wafv2.CfnWebACL.OverrideActionProperty;
}

/**
 * Allow list, deny list and geo match: the cheapest decisions, first. The allow list skips every later rule.
 * Creates an IP set (one per IP version) in `scope` for each CIDR list.
 */
export function ipListRules(scope: Construct, settings: FirewallSettings): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const forbidden = blockWith(403, RESPONSE_BODY.forbidden);
  const allowSet = ipSetStatement(scope, 'AllowedIps', 'allowedCidrs', settings.allowedCidrs);
  if (allowSet) rules.push({ name: 'IpAllowList', statement: allowSet, action: { allow: {} } });
  const denySet = ipSetStatement(scope, 'BlockedIps', 'blockedCidrs', settings.blockedCidrs);
  if (denySet) rules.push({ name: 'IpDenyList', statement: denySet, action: forbidden });
  if (settings.blockedCountries) {
    rules.push({ name: 'GeoBlock', statement: { geoMatchStatement: { countryCodes: settings.blockedCountries } }, action: forbidden });
  }
  if (settings.allowedCountries) {
    const geo = { geoMatchStatement: { countryCodes: settings.allowedCountries } };
    rules.push({ name: 'GeoAllowOnly', statement: { notStatement: { statement: geo } }, action: forbidden });
  }
  return rules;
}

/** Keys of the reputation groups: cheap lists of known-bad sources, dropped before they count against the rate limits. */
const REPUTATION_GROUP_KEYS: readonly string[] = ['ipReputation', 'anonymousIp'];

/** The managed reputation groups that are on (IP reputation, anonymous IP). */
export function reputationGroupRules(settings: FirewallSettings): FirewallRule[] {
  return settings.managedGroups.filter((g) => REPUTATION_GROUP_KEYS.includes(g.group.key)).map((g) => managedGroupRule(g, settings));
}

/** The managed inspection groups that are on (common, known bad inputs, SQL database and the optional ones). */
export function inspectionGroupRules(settings: FirewallSettings): FirewallRule[] {
  return settings.managedGroups.filter((g) => !REPUTATION_GROUP_KEYS.includes(g.group.key)).map((g) => managedGroupRule(g, settings));
}

/**
 * Per-IP limits, the tight one on the authentication paths first, then the global one, then the header-keyed
 * limit when set. Each answers 429 with `Retry-After` set to its evaluation window.
 */
export function rateLimitRules(settings: FirewallSettings): FirewallRule[] {
  const { authRateLimit: auth, rateLimit: global, headerRateLimit: header } = settings;
  const rules: FirewallRule[] = [
    {
      name: 'RateLimitAuthPaths',
      statement: perIpRateStatement(auth.limit, auth.windowSeconds, pathPrefixStatement(auth.paths)),
      action: rateLimitedAction(auth.mode, auth.windowSeconds),
    },
    {
      name: 'RateLimitPerIp',
      statement: perIpRateStatement(global.limit, global.windowSeconds),
      action: rateLimitedAction(global.mode, global.windowSeconds),
    },
  ];
  if (header) {
    rules.push({
      name: 'RateLimitPerHeader',
      statement: headerRateStatement(header.headerNames, header.perIp, header.limit, header.windowSeconds),
      action: rateLimitedAction(header.mode, header.windowSeconds),
    });
  }
  return rules;
}

/**
 * Bodies over the limit, and bodies too large for AWS WAF to inspect, get a 413 before the inspection groups run,
 * so no payload is padded past the inspected part.
 */
export function bodySizeRules(settings: FirewallSettings): FirewallRule[] {
  return [{
    name: 'BodySizeLimit',
    statement: oversizedBodyStatement(settings.maxBodyBytes),
    action: actionFor(settings.bodySizeMode, blockWith(413, RESPONSE_BODY.payloadTooLarge)),
  }];
}

/** The paid groups, only when set: account takeover prevention, then Bot Control. */
export function paidGroupRules(settings: FirewallSettings): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const atp = settings.accountTakeoverPrevention;
  if (atp) {
    rules.push({
      name: 'AWS-AWSManagedRulesATPRuleSet',
      statement: managedGroupStatement('AWSManagedRulesATPRuleSet', atp.ruleActionOverrides, {
        managedRuleGroupConfigs: [{
          awsManagedRulesAtpRuleSet: {
            loginPath: atp.loginPath,
            requestInspection: {
              payloadType: atp.payloadType,
              usernameField: { identifier: atp.usernameField },
              passwordField: { identifier: atp.passwordField },
            },
          },
        }],
      }),
      overrideAction: groupOverride(atp.mode),
    });
  }
  const bot = settings.botControl;
  if (bot) {
    rules.push({
      name: 'AWS-AWSManagedRulesBotControlRuleSet',
      statement: managedGroupStatement('AWSManagedRulesBotControlRuleSet', bot.ruleActionOverrides, {
        managedRuleGroupConfigs: [{
          awsManagedRulesBotControlRuleSet: {
            inspectionLevel: bot.inspectionLevel,
            ...(bot.inspectionLevel === BotControlInspectionLevel.TARGETED ? { enableMachineLearning: bot.enableMachineLearning } : {}),
          },
        }],
      }),
      overrideAction: groupOverride(bot.mode),
    });
  }
  return rules;
}

function managedGroupRule(g: ManagedGroupSettings, settings: FirewallSettings): FirewallRule {
  const ruleActionOverrides: Record<string, ManagedRuleOverrideAction> = {};
  if (g.group.name === 'AWSManagedRulesCommonRuleSet' && settings.bodySizeMode === FirewallRuleMode.BLOCK) {
    // The construct's own body-size rule (configurable, oversize = match, 413) replaces this fixed 8 KB block.
    ruleActionOverrides[COMMON_RULE_SET_BODY_SIZE_RULE] = ManagedRuleOverrideAction.COUNT;
  }
  Object.assign(ruleActionOverrides, g.ruleActionOverrides);
  return {
    name: `AWS-${g.group.name}`,
    statement: managedGroupStatement(g.group.name, ruleActionOverrides, g.version ? { version: g.version } : {}),
    overrideAction: groupOverride(g.mode),
  };
}

function groupOverride(mode: FirewallRuleMode): wafv2.CfnWebACL.OverrideActionProperty {
  return mode === FirewallRuleMode.COUNT ? { count: {} } : { none: {} };
}

/** One IP set per IP version in `scope`, referenced by one statement (OR-ed when both versions are present). */
function ipSetStatement(scope: Construct, id: string, prop: string, cidrs: CidrSettings | undefined): wafv2.CfnWebACL.StatementProperty | undefined {
  if (!cidrs) return undefined;
  const sets: wafv2.CfnWebACL.StatementProperty[] = [];
  for (const version of ['IPV4', 'IPV6'] as const) {
    const addresses = cidrs[version];
    if (addresses.length === 0) continue;
    const set = new wafv2.CfnIPSet(scope, `${id}${version === 'IPV4' ? 'V4' : 'V6'}`, {
      scope: 'REGIONAL',
      ipAddressVersion: version,
      addresses,
      description: `${prop} of ${scope.node.path}`,
    });
    sets.push({ ipSetReferenceStatement: { arn: set.attrArn } });
  }
  return sets.length === 1 ? sets[0] : { orStatement: { statements: sets } };
}
