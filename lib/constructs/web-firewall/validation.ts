import { Duration, Size, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import { kebabCase, warn } from '../../internal/warnings';
import { MAX_WEB_ACL_WCU } from './capacity';
import {
  API_GATEWAY_DEFAULT_BODY_INSPECTION_BYTES, DEFAULT_AUTH_PATHS, DEFAULT_AUTH_RATE_LIMIT, DEFAULT_CAPACITY_BUDGET,
  DEFAULT_EVALUATION_WINDOW, DEFAULT_HEADER_RATE_LIMIT, DEFAULT_MAX_BODY_SIZE, DEFAULT_RATE_LIMIT, DEFAULT_REDACTED_HEADERS,
  EVALUATION_WINDOWS_SECONDS, FirewallRuleMode, MANAGED_RULE_GROUPS, ManagedRuleGroupDefault, ManagedRuleOverrideAction,
  MAX_RATE_LIMIT, MIN_RATE_LIMIT,
} from './defaults';
import { BotControlInspectionLevel, LoginPayloadType, ManagedRuleGroupOptions, WebFirewallProps } from './web-firewall-props';

/**
 * Validation of {@link WebFirewallProps}: every prop is checked here, before any resource is created, and turned
 * into {@link FirewallSettings} with the defaults filled in, so the rule builders only read values they can trust.
 * A wrong prop throws with the construct path, the prop, the value and the fix; a prop that loosens a secure
 * default (a COUNT mode, a default managed group switched off) adds a synth warning.
 */

/** A rate limit with its defaults applied. */
export interface RateLimitSettings {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly mode: FirewallRuleMode;
}

/** CIDRs of one list, split by IP version (either may be empty, not both). */
export interface CidrSettings {
  readonly IPV4: string[];
  readonly IPV6: string[];
}

/** A managed rule group that is switched on, with its mode and the caller's rule action overrides. */
export interface ManagedGroupSettings {
  readonly group: ManagedRuleGroupDefault;
  readonly mode: FirewallRuleMode;
  readonly ruleActionOverrides: Record<string, ManagedRuleOverrideAction>;
  readonly version?: string;
}

/** Validated props of a WebFirewall, with every default filled in. */
export interface FirewallSettings {
  readonly capacityBudget: number;
  /** Largest body the body-size rule lets through, in bytes. */
  readonly maxBodyBytes: number;
  /** Body bytes AWS WAF inspects for API Gateway stages. */
  readonly apiGatewayInspectionBytes: number;
  readonly allowedCidrs?: CidrSettings;
  readonly blockedCidrs?: CidrSettings;
  readonly blockedCountries?: string[];
  readonly allowedCountries?: string[];
  /** The managed groups that run, in {@link MANAGED_RULE_GROUPS} order. */
  readonly managedGroups: ManagedGroupSettings[];
  readonly authRateLimit: RateLimitSettings & { readonly paths: string[] };
  readonly rateLimit: RateLimitSettings;
  readonly headerRateLimit?: RateLimitSettings & { readonly headerNames: string[]; readonly perIp: boolean };
  readonly bodySizeMode: FirewallRuleMode;
  readonly accountTakeoverPrevention?: {
    readonly loginPath: string;
    readonly payloadType: LoginPayloadType;
    readonly usernameField: string;
    readonly passwordField: string;
    readonly mode: FirewallRuleMode;
    readonly ruleActionOverrides: Record<string, ManagedRuleOverrideAction>;
  };
  readonly botControl?: {
    readonly inspectionLevel: BotControlInspectionLevel;
    readonly enableMachineLearning: boolean;
    readonly mode: FirewallRuleMode;
    readonly ruleActionOverrides: Record<string, ManagedRuleOverrideAction>;
  };
  /** Lower-case header names redacted from the logs (the defaults, the caller's, the header-keyed limit's). */
  readonly redactedHeaders: string[];
}

/** Validates the props of the WebFirewall `scope` and returns them with the defaults applied. */
export function validateProps(scope: IConstruct, props: WebFirewallProps): FirewallSettings {
  const capacityBudget = props.capacityBudget ?? DEFAULT_CAPACITY_BUDGET;
  checkRange(scope, 'capacityBudget', capacityBudget, 1, MAX_WEB_ACL_WCU);
  const maxBodyBytes = bodyBytes(scope, props.bodySizeLimit?.maxSize);
  const apiGatewayInspectionBytes = props.apiGatewayBodyInspectionLimit
    ? Number(props.apiGatewayBodyInspectionLimit.slice(3)) * 1024
    : API_GATEWAY_DEFAULT_BODY_INSPECTION_BYTES;
  if (props.blockedCountries && props.allowedCountries) {
    invalidProp(scope, 'allowedCountries', props.allowedCountries, 'Fix: set either blockedCountries or allowedCountries, not both.');
  }
  const allowedCidrs = cidrs(scope, 'allowedCidrs', props.allowedCidrs);
  const blockedCidrs = cidrs(scope, 'blockedCidrs', props.blockedCidrs);
  const blockedCountries = props.blockedCountries && countries(scope, 'blockedCountries', props.blockedCountries);
  const allowedCountries = props.allowedCountries && countries(scope, 'allowedCountries', props.allowedCountries);

  const managedGroups = MANAGED_RULE_GROUPS.map((group) => managedGroup(scope, props, group))
    .filter((g): g is ManagedGroupSettings => g !== undefined);

  const auth = props.authRateLimit ?? {};
  const authWindow = evaluationWindow(scope, 'authRateLimit.evaluationWindow', auth.evaluationWindow);
  const authPaths = pathPrefixes(scope, auth.paths ?? [...DEFAULT_AUTH_PATHS]);
  warnIfCount(scope, 'authRateLimit.mode', auth.mode);
  const authRateLimit = {
    limit: rateLimit(scope, 'authRateLimit.limit', auth.limit ?? DEFAULT_AUTH_RATE_LIMIT),
    windowSeconds: authWindow,
    mode: auth.mode ?? FirewallRuleMode.BLOCK,
    paths: authPaths,
  };

  const global = props.rateLimit ?? {};
  const globalWindow = evaluationWindow(scope, 'rateLimit.evaluationWindow', global.evaluationWindow);
  warnIfCount(scope, 'rateLimit.mode', global.mode);
  const globalRateLimit = { limit: rateLimit(scope, 'rateLimit.limit', global.limit ?? DEFAULT_RATE_LIMIT), windowSeconds: globalWindow, mode: global.mode ?? FirewallRuleMode.BLOCK };

  const redactedHeaders = [...DEFAULT_REDACTED_HEADERS, ...(props.redactedHeaders ?? [])].map((h) => headerName(scope, 'redactedHeaders', h));
  const headerRateLimit = props.headerRateLimit && headerLimit(scope, props.headerRateLimit);
  if (headerRateLimit) redactedHeaders.push(...headerRateLimit.headerNames); // the key is a credential as often as not

  const bodySizeMode = props.bodySizeLimit?.mode ?? FirewallRuleMode.BLOCK;
  warnIfCount(scope, 'bodySizeLimit.mode', bodySizeMode);

  return {
    capacityBudget, maxBodyBytes, apiGatewayInspectionBytes, allowedCidrs, blockedCidrs, blockedCountries, allowedCountries,
    managedGroups, authRateLimit, rateLimit: globalRateLimit, headerRateLimit, bodySizeMode,
    accountTakeoverPrevention: accountTakeoverPrevention(scope, props),
    botControl: botControl(scope, props),
    redactedHeaders,
  };
}

/** A managed group's settings, or undefined when it is off (a default group switched off warns). */
function managedGroup(scope: IConstruct, props: WebFirewallProps, group: ManagedRuleGroupDefault): ManagedGroupSettings | undefined {
  const options = (props.managedRules as Record<string, ManagedRuleGroupOptions | undefined> | undefined)?.[group.key] ?? {};
  if (!(options.enabled ?? group.enabledByDefault)) {
    if (group.enabledByDefault) {
      warnOf(scope, `managedRules.${group.key}-off`, `managedRules.${group.key} is off: ${group.name} (${group.why}) no longer protects the resources.`);
    }
    return undefined;
  }
  const ruleActionOverrides = overrides(scope, `managedRules.${group.key}.ruleActionOverrides`, options.ruleActionOverrides);
  const mode = options.mode ?? props.managedRulesMode ?? FirewallRuleMode.BLOCK;
  warnIfCount(scope, `managedRules.${group.key}.mode`, mode);
  return { group, mode, ruleActionOverrides, version: options.version };
}

function headerLimit(scope: IConstruct, h: NonNullable<WebFirewallProps['headerRateLimit']>): NonNullable<FirewallSettings['headerRateLimit']> {
  const headerNames = h.headerNames.map((n) => headerName(scope, 'headerRateLimit.headerNames', n));
  const keyCount = headerNames.length + (h.perIp ? 1 : 0);
  if (headerNames.length === 0 || keyCount > 5) {
    invalidProp(scope, 'headerRateLimit.headerNames', h.headerNames, 'Fix: name 1 to 5 headers (4 with perIp); AWS WAF allows 5 aggregation keys per rule.');
  }
  const windowSeconds = evaluationWindow(scope, 'headerRateLimit.evaluationWindow', h.evaluationWindow);
  warnIfCount(scope, 'headerRateLimit.mode', h.mode);
  return {
    headerNames,
    perIp: h.perIp ?? false,
    limit: rateLimit(scope, 'headerRateLimit.limit', h.limit ?? DEFAULT_HEADER_RATE_LIMIT),
    windowSeconds,
    mode: h.mode ?? FirewallRuleMode.BLOCK,
  };
}

function accountTakeoverPrevention(scope: IConstruct, props: WebFirewallProps): FirewallSettings['accountTakeoverPrevention'] {
  const atp = props.accountTakeoverPrevention;
  if (!atp) return undefined;
  const loginPath = pathPrefixes(scope, [atp.loginPath], 'accountTakeoverPrevention.loginPath', false)[0];
  const payloadType = atp.payloadType ?? LoginPayloadType.JSON;
  const mode = atp.mode ?? props.managedRulesMode ?? FirewallRuleMode.BLOCK;
  const ruleActionOverrides = overrides(scope, 'accountTakeoverPrevention.ruleActionOverrides', atp.ruleActionOverrides);
  warnIfCount(scope, 'accountTakeoverPrevention.mode', mode);
  return {
    loginPath,
    payloadType,
    usernameField: atp.usernameField ?? (payloadType === LoginPayloadType.JSON ? '/username' : 'username'),
    passwordField: atp.passwordField ?? (payloadType === LoginPayloadType.JSON ? '/password' : 'password'),
    mode,
    ruleActionOverrides,
  };
}

function botControl(scope: IConstruct, props: WebFirewallProps): FirewallSettings['botControl'] {
  const bot = props.botControl;
  if (!bot) return undefined;
  const mode = bot.mode ?? props.managedRulesMode ?? FirewallRuleMode.BLOCK;
  const ruleActionOverrides = overrides(scope, 'botControl.ruleActionOverrides', bot.ruleActionOverrides);
  warnIfCount(scope, 'botControl.mode', mode);
  return { inspectionLevel: bot.inspectionLevel ?? BotControlInspectionLevel.COMMON, enableMachineLearning: bot.enableMachineLearning ?? true, mode, ruleActionOverrides };
}

/** A rate limit within AWS WAF's range (tokens are left to CloudFormation). */
export function rateLimit(scope: IConstruct, prop: string, value: number): number {
  if (Token.isUnresolved(value)) return value;
  if (!Number.isInteger(value) || value < MIN_RATE_LIMIT || value > MAX_RATE_LIMIT) {
    invalidProp(scope, prop, value, `Fix: use a whole number of requests from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT} (AWS WAF's range for rate-based rules).`);
  }
  return value;
}

/** An evaluation window AWS WAF accepts, in seconds (also the `Retry-After` of the 429, so it must be concrete). */
export function evaluationWindow(scope: IConstruct, prop: string, value: Duration | undefined): number {
  const duration = value ?? DEFAULT_EVALUATION_WINDOW;
  if (duration.isUnresolved()) {
    invalidProp(scope, prop, duration.toString(), 'Fix: use a concrete duration; the window also sets the Retry-After header.');
  }
  const seconds = duration.toSeconds({ integral: false });
  if (!EVALUATION_WINDOWS_SECONDS.includes(seconds)) {
    invalidProp(scope, prop, `${seconds} seconds`, `Fix: use one of ${EVALUATION_WINDOWS_SECONDS.join(', ')} seconds, for example Duration.minutes(5).`);
  }
  return seconds;
}

/**
 * 1 to 10 URI path prefixes, decoded and normalized as the request path is before matching; lower-cased for the
 * rate-limit scope-down, which lower-cases the request path too.
 */
export function pathPrefixes(scope: IConstruct, paths: string[], prop = 'authRateLimit.paths', lowercase = true): string[] {
  if (paths.length === 0 || paths.length > 10) invalidProp(scope, prop, paths, 'Fix: name 1 to 10 path prefixes, for example ["/auth/", "/login"].');
  return paths.map((p) => {
    if (Token.isUnresolved(p)) return p;
    if (!p.startsWith('/') || p.length > 200 || /\s/.test(p)) {
      invalidProp(scope, prop, p, 'Fix: use a URI path prefix that starts with "/", has no spaces and is at most 200 characters.');
    }
    if (/%|\/\/|\/\.\.?(\/|$)/.test(p)) {
      invalidProp(scope, prop, p, 'Fix: give the decoded, normalized path (no "%" escapes, "//", "/./" or "/../"): requests are decoded and normalized before matching, so such a prefix never matches.');
    }
    return lowercase ? p.toLowerCase() : p;
  });
}

/** An HTTP header name, lower-cased. */
export function headerName(scope: IConstruct, prop: string, name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) {
    invalidProp(scope, prop, name, 'Fix: use an HTTP header name (token characters, 1 to 64), for example "authorization" or "x-api-key".');
  }
  return name.toLowerCase();
}

/** ISO 3166-1 alpha-2 country codes, upper case. */
export function countries(scope: IConstruct, prop: string, codes: string[]): string[] {
  if (codes.length === 0 || codes.some((c) => !/^[A-Z]{2}$/.test(c))) {
    invalidProp(scope, prop, codes, 'Fix: use ISO 3166-1 alpha-2 codes in upper case, for example ["DE", "FR"].');
  }
  return codes;
}

/** Rule action overrides inside a managed group: rule names mapped to an action AWS WAF accepts. */
export function overrides(scope: IConstruct, prop: string, value: Record<string, ManagedRuleOverrideAction> | undefined): Record<string, ManagedRuleOverrideAction> {
  const allowed: string[] = Object.values(ManagedRuleOverrideAction);
  for (const [name, action] of Object.entries(value ?? {})) {
    if (!/^[\w-]{1,128}$/.test(name) || !allowed.includes(action)) {
      invalidProp(scope, prop, { [name]: action }, `Fix: map a rule name of the group to one of ${allowed.join(', ')}.`);
    }
  }
  return { ...value };
}

/** The body-size limit in bytes: 1 byte to 64 KiB, the most AWS WAF can inspect. */
export function bodyBytes(scope: IConstruct, size: Size | undefined): number {
  const bytes = (size ?? DEFAULT_MAX_BODY_SIZE).toBytes();
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64 * 1024) {
    invalidProp(scope, 'bodySizeLimit.maxSize', `${bytes} bytes`, 'Fix: use 1 byte to 64 KiB (the most AWS WAF can inspect), for example Size.kibibytes(8).');
  }
  return bytes;
}

/** CIDRs of an IP list, IPv4 and IPv6 apart; undefined when the prop is not set. */
export function cidrs(scope: IConstruct, prop: string, value: string[] | undefined): CidrSettings | undefined {
  if (!value) return undefined;
  if (value.length === 0) invalidProp(scope, prop, value, 'Fix: name at least one CIDR, or leave the prop out.');
  const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([1-9]|[12]\d|3[0-2])$/;
  const v6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/([1-9]|[1-9]\d|1[01]\d|12[0-8])$/;
  const byVersion = { IPV4: value.filter((c) => !c.includes(':')), IPV6: value.filter((c) => c.includes(':')) };
  for (const [addresses, pattern] of [[byVersion.IPV4, v4], [byVersion.IPV6, v6]] as const) {
    const bad = addresses.find((c) => !pattern.test(c));
    if (bad !== undefined) invalidProp(scope, prop, bad, 'Fix: use CIDR notation with a prefix length of at least /1, for example "203.0.113.0/24" or "2001:db8::/32".');
  }
  return byVersion;
}

function warnIfCount(scope: IConstruct, prop: string, mode: FirewallRuleMode | undefined): void {
  if (mode === FirewallRuleMode.COUNT) warnOf(scope, `${prop}-count`, `${prop} is COUNT: matching requests are logged and counted but not blocked. Switch back to BLOCK after rollout.`);
}

function warnOf(scope: IConstruct, what: string, message: string): void {
  warn(scope, `web-firewall:${kebabCase(what)}`, message);
}
