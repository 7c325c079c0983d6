import { Duration, Size } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';

/**
 * Every secure default of {@link WebFirewall} in one place, and the plain
 * functions that turn them into WAFv2 rules, so a reader sees the whole policy at once.
 */

/** What a rule does with a match: enforce, or only count (for rollout). */
export enum FirewallRuleMode {
  /** Enforce: the rule's action (429, 403, 413, or the managed group's own actions) applies. */
  BLOCK = 'BLOCK',
  /** Only count and log matching requests (rollout); adds a synth warning. */
  COUNT = 'COUNT',
}

/** Action a single rule inside a managed group can be overridden to (`RuleActionOverride.ActionToUse`). */
export enum ManagedRuleOverrideAction {
  /** Let the request through. */
  ALLOW = 'ALLOW',
  /** Block the request. */
  BLOCK = 'BLOCK',
  /** Only count and log the request. */
  COUNT = 'COUNT',
  /** Answer with a CAPTCHA puzzle. */
  CAPTCHA = 'CAPTCHA',
  /** Answer with a silent browser challenge. */
  CHALLENGE = 'CHALLENGE',
}

/** Global per-IP limit: 2,000 requests per 5 minutes (about 6.7 requests per second, sustained). */
export const DEFAULT_RATE_LIMIT = 2000;
/** Per-IP limit on authentication paths: 50 per 5 minutes (40 times tighter; stops password guessing). */
export const DEFAULT_AUTH_RATE_LIMIT = 50;
/** Header-keyed limit, when enabled: 1,000 per 5 minutes per header value. */
export const DEFAULT_HEADER_RATE_LIMIT = 1000;
/** Rate-limit evaluation window. */
export const DEFAULT_EVALUATION_WINDOW = Duration.minutes(5);
/** Evaluation windows AWS WAF accepts, in seconds. */
export const EVALUATION_WINDOWS_SECONDS: readonly number[] = [60, 120, 300, 600];
/** The smallest rate limit AWS WAF accepts. */
export const MIN_RATE_LIMIT = 10;
/** The largest rate limit AWS WAF accepts. */
export const MAX_RATE_LIMIT = 2_000_000_000;
/** Authentication paths (prefixes, matched on the decoded, normalized, lowercased URI path). */
export const DEFAULT_AUTH_PATHS: readonly string[] = ['/auth/', '/login'];
/** Largest request body let through: 8 KiB, all an ALB lets AWS WAF inspect. */
export const DEFAULT_MAX_BODY_SIZE = Size.kibibytes(8);
/** Body bytes AWS WAF inspects behind an ALB (fixed). */
export const ALB_BODY_INSPECTION_BYTES = 8 * 1024;
/** Body bytes AWS WAF inspects behind API Gateway by default (raise with `apiGatewayBodyInspectionLimit`). */
export const API_GATEWAY_DEFAULT_BODY_INSPECTION_BYTES = 16 * 1024;
/** Headers redacted from every WAF log record. */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = ['authorization', 'cookie'];
/** The web ACL capacity budget: what the base price includes. */
export const DEFAULT_CAPACITY_BUDGET = 1500;

/** Keys of the ACL-level custom response bodies. */
export const RESPONSE_BODY = {
  rateLimited: 'rate-limited',
  forbidden: 'forbidden',
  payloadTooLarge: 'payload-too-large',
} as const;

/** JSON bodies in the API's error shape (`lambda/shared/http.ts`): `{ "error": { "code", "message" } }`. */
export function defaultCustomResponseBodies(): Record<string, wafv2.CfnWebACL.CustomResponseBodyProperty> {
  const body = (code: string, message: string) => ({ contentType: 'APPLICATION_JSON', content: JSON.stringify({ error: { code, message } }) });
  return {
    [RESPONSE_BODY.rateLimited]: body('rate_limited', 'Too many requests. Retry after the number of seconds in the Retry-After header.'),
    [RESPONSE_BODY.forbidden]: body('forbidden', 'The request was blocked.'),
    [RESPONSE_BODY.payloadTooLarge]: body('payload_too_large', 'The request body is too large.'),
  };
}

/** An AWS managed rule group the construct knows (name and whether it is on by default). */
export interface ManagedRuleGroupDefault {
  /** Key in `managedRules`. */
  readonly key: string;
  /** AWS name of the group. */
  readonly name: string;
  /** On unless switched off. */
  readonly enabledByDefault: boolean;
  /** Why it is there. */
  readonly why: string;
}

/**
 * The free AWS managed rule groups in evaluation order. The first five are on by default.
 * (Paid groups, Bot Control and account takeover prevention, are separate opt-in props.)
 */
export const MANAGED_RULE_GROUPS: readonly ManagedRuleGroupDefault[] = [
  { key: 'ipReputation', name: 'AWSManagedRulesAmazonIpReputationList', enabledByDefault: true, why: 'IPs Amazon threat intelligence saw in bot, scanning and DDoS activity' },
  { key: 'anonymousIp', name: 'AWSManagedRulesAnonymousIpList', enabledByDefault: true, why: 'VPNs, Tor, proxies and hosting providers that hide the client' },
  { key: 'common', name: 'AWSManagedRulesCommonRuleSet', enabledByDefault: true, why: 'OWASP Top 10 basics: XSS, LFI/RFI, bad bots, size limits' },
  { key: 'knownBadInputs', name: 'AWSManagedRulesKnownBadInputsRuleSet', enabledByDefault: true, why: 'known exploit payloads (Log4Shell, Java deserialization, Host header attacks)' },
  { key: 'sqlDatabase', name: 'AWSManagedRulesSQLiRuleSet', enabledByDefault: true, why: 'SQL injection in query, body, cookies and URI' },
  { key: 'linux', name: 'AWSManagedRulesLinuxRuleSet', enabledByDefault: false, why: 'Linux LFI paths' },
  { key: 'unix', name: 'AWSManagedRulesUnixRuleSet', enabledByDefault: false, why: 'POSIX command injection' },
  { key: 'windows', name: 'AWSManagedRulesWindowsRuleSet', enabledByDefault: false, why: 'PowerShell/Windows command injection' },
  { key: 'php', name: 'AWSManagedRulesPHPRuleSet', enabledByDefault: false, why: 'PHP-specific injection' },
  { key: 'wordpress', name: 'AWSManagedRulesWordPressRuleSet', enabledByDefault: false, why: 'WordPress-specific exploits' },
  { key: 'adminProtection', name: 'AWSManagedRulesAdminProtectionRuleSet', enabledByDefault: false, why: 'blocks public access to admin pages' },
];

/** The CommonRuleSet rule that blocks bodies over 8 KB; the construct's own body-size rule replaces it. */
export const COMMON_RULE_SET_BODY_SIZE_RULE = 'SizeRestrictions_BODY';

/** CloudWatch metrics and sampled requests on: every rule is observable. */
export function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/** A block action with a JSON body and optional headers. */
export function blockWith(responseCode: number, bodyKey: string, headers: Record<string, string> = {}): wafv2.CfnWebACL.RuleActionProperty {
  const responseHeaders = Object.entries(headers).map(([name, value]) => ({ name, value }));
  return {
    block: {
      customResponse: {
        responseCode,
        customResponseBodyKey: bodyKey,
        ...(responseHeaders.length > 0 ? { responseHeaders } : {}),
      },
    },
  };
}

/** A rule action for a mode: the given block action, or count. */
export function actionFor(mode: FirewallRuleMode, block: wafv2.CfnWebACL.RuleActionProperty): wafv2.CfnWebACL.RuleActionProperty {
  return mode === FirewallRuleMode.COUNT ? { count: {} } : block;
}

/** The 429 block of a rate-based rule: `Retry-After` is the rule's evaluation window. */
export function rateLimitedAction(mode: FirewallRuleMode, windowSeconds: number): wafv2.CfnWebACL.RuleActionProperty {
  return actionFor(mode, blockWith(429, RESPONSE_BODY.rateLimited, { 'Retry-After': String(windowSeconds) }));
}

/**
 * Transformations applied to the URI path before an auth-path prefix is compared, in order: percent-decoding
 * (`/%61uth/token`), path normalization (`//auth/token`, `/./auth/token`, `/x/../auth/token`), then lower case
 * (`/AUTH/token`). Without them a request that the API still routes to `/auth/token` would miss the tight per-IP
 * limit. 10 WCU each.
 */
export const AUTH_PATH_TRANSFORMATIONS: readonly wafv2.CfnWebACL.TextTransformationProperty[] = Object.freeze([
  { priority: 0, type: 'URL_DECODE' },
  { priority: 1, type: 'NORMALIZE_PATH' },
  { priority: 2, type: 'LOWERCASE' },
]);

/** `STARTS_WITH` on the decoded, normalized, lowercased URI path ({@link AUTH_PATH_TRANSFORMATIONS}), for each prefix (OR-ed when more than one). */
export function pathPrefixStatement(prefixes: readonly string[]): wafv2.CfnWebACL.StatementProperty {
  const statements: wafv2.CfnWebACL.StatementProperty[] = prefixes.map((p) => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: p,
      textTransformations: AUTH_PATH_TRANSFORMATIONS.map((t) => ({ ...t })),
    },
  }));
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}

/** A per-IP rate-based statement, optionally scoped down. */
export function perIpRateStatement(limit: number, windowSeconds: number, scopeDown?: wafv2.CfnWebACL.StatementProperty): wafv2.CfnWebACL.StatementProperty {
  return {
    rateBasedStatement: {
      aggregateKeyType: 'IP',
      limit,
      evaluationWindowSec: windowSeconds,
      ...(scopeDown ? { scopeDownStatement: scopeDown } : {}),
    },
  };
}

/** A rate-based statement keyed on header values (and optionally the client IP). */
export function headerRateStatement(headerNames: readonly string[], perIp: boolean, limit: number, windowSeconds: number): wafv2.CfnWebACL.StatementProperty {
  const customKeys: wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty[] = headerNames.map((name) => ({
    header: { name, textTransformations: [{ priority: 0, type: 'NONE' }] },
  }));
  if (perIp) customKeys.push({ ip: {} });
  return { rateBasedStatement: { aggregateKeyType: 'CUSTOM_KEYS', customKeys, limit, evaluationWindowSec: windowSeconds } };
}

/**
 * Body larger than `maxBytes`, where a body too large for AWS WAF to inspect
 * counts as a match (`oversizeHandling: 'MATCH'`): nothing slips past inspection.
 */
export function oversizedBodyStatement(maxBytes: number): wafv2.CfnWebACL.StatementProperty {
  return {
    sizeConstraintStatement: {
      fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
      comparisonOperator: 'GT',
      size: maxBytes,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

/** A managed rule group statement with per-rule action overrides. */
export function managedGroupStatement(
  name: string,
  overrides: Readonly<Record<string, ManagedRuleOverrideAction>>,
  extra: Partial<wafv2.CfnWebACL.ManagedRuleGroupStatementProperty> = {},
): wafv2.CfnWebACL.StatementProperty {
  const ruleActionOverrides = Object.entries(overrides).map(([ruleName, action]) => ({
    name: ruleName,
    actionToUse: { [action.toLowerCase()]: {} },
  }));
  return {
    managedRuleGroupStatement: {
      vendorName: 'AWS',
      name,
      ...(ruleActionOverrides.length > 0 ? { ruleActionOverrides } : {}),
      ...extra,
    },
  };
}
