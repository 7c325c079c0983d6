import { ArnFormat, Duration, Names, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { checkRange, invalidProp } from '../../internal/errors';
import { kebabCase, warn } from '../../internal/warnings';
import { SecureLogGroup } from '../logging';
import { BASE_PRICE_WCU, MAX_WEB_ACL_WCU, ruleCapacity } from './capacity';
import {
  actionFor, ALB_BODY_INSPECTION_BYTES, API_GATEWAY_DEFAULT_BODY_INSPECTION_BYTES, blockWith, COMMON_RULE_SET_BODY_SIZE_RULE,
  DEFAULT_AUTH_PATHS, DEFAULT_AUTH_RATE_LIMIT, DEFAULT_CAPACITY_BUDGET, DEFAULT_EVALUATION_WINDOW, DEFAULT_HEADER_RATE_LIMIT,
  DEFAULT_MAX_BODY_SIZE, DEFAULT_RATE_LIMIT, DEFAULT_REDACTED_HEADERS, defaultCustomResponseBodies, EVALUATION_WINDOWS_SECONDS,
  FirewallRuleMode, headerRateStatement, MANAGED_RULE_GROUPS, managedGroupStatement, ManagedRuleOverrideAction, MAX_RATE_LIMIT,
  MIN_RATE_LIMIT, oversizedBodyStatement, pathPrefixStatement, perIpRateStatement, rateLimitedAction, RESPONSE_BODY, visibility,
} from './defaults';

export { BASE_PRICE_WCU, MANAGED_RULE_GROUP_WCU, MAX_WEB_ACL_WCU, ruleCapacity, statementCapacity } from './capacity';
export {
  DEFAULT_AUTH_PATHS, DEFAULT_AUTH_RATE_LIMIT, DEFAULT_CAPACITY_BUDGET, DEFAULT_EVALUATION_WINDOW, DEFAULT_HEADER_RATE_LIMIT,
  DEFAULT_MAX_BODY_SIZE, DEFAULT_RATE_LIMIT, DEFAULT_REDACTED_HEADERS, MANAGED_RULE_GROUPS,
} from './defaults';
export type { FirewallRuleMode, ManagedRuleGroupDefault, ManagedRuleOverrideAction } from './defaults';

/** A rate limit: requests per evaluation window per aggregation key. */
export interface RateLimitOptions {
  /**
   * Requests allowed per key in one evaluation window (AWS WAF accepts 10 to 2,000,000,000).
   * @default - 2,000 (global), 50 (authentication paths), 1,000 (header-keyed)
   */
  readonly limit?: number;
  /**
   * Evaluation window: 60, 120, 300 or 600 seconds. Also the `Retry-After` value of the 429.
   * @default Duration.minutes(5)
   */
  readonly evaluationWindow?: Duration;
  /**
   * `BLOCK` answers 429 with `Retry-After`; `COUNT` only counts (rollout). COUNT adds a synth warning.
   * @default 'BLOCK'
   */
  readonly mode?: FirewallRuleMode;
}

/** The tighter per-IP limit on authentication paths. */
export interface AuthRateLimitOptions extends RateLimitOptions {
  /**
   * URI path prefixes that count as authentication, matched with `STARTS_WITH` after the request path is
   * percent-decoded, normalized (`//`, `/./`, `/../` resolved) and lowercased.
   * @default ['/auth/', '/login']
   */
  readonly paths?: string[];
}

/** A limit keyed on request header values (for example `authorization` or an API key header). */
export interface HeaderRateLimitOptions extends RateLimitOptions {
  /** Header names whose values form the aggregation key (1 to 5 keys with `perIp`). Requests missing a header are not counted. */
  readonly headerNames: string[];
  /**
   * Also key on the client IP (one token shared from many IPs gets one budget per IP).
   * @default false
   */
  readonly perIp?: boolean;
}

/** Settings of one AWS managed rule group. */
export interface ManagedRuleGroupOptions {
  /**
   * Whether the group runs. Switching off a default group adds a synth warning.
   * @default - true for the five default groups, false for the others
   */
  readonly enabled?: boolean;
  /**
   * `COUNT` overrides the whole group to count (`overrideAction: { count: {} }`) for rollout.
   * @default - `managedRulesMode`
   */
  readonly mode?: FirewallRuleMode;
  /**
   * Per-rule action overrides inside the group, for example `{ HostingProviderIPList: 'COUNT' }`.
   * @default - none (plus `SizeRestrictions_BODY: 'COUNT'` in the CommonRuleSet, replaced by the body-size rule)
   */
  readonly ruleActionOverrides?: Record<string, ManagedRuleOverrideAction>;
  /**
   * Pinned group version, for example `Version_1.10`.
   * @default - the vendor's default version, updated by AWS
   */
  readonly version?: string;
}

/** The free AWS managed rule groups. */
export interface ManagedRuleGroupsOptions {
  /** AWSManagedRulesAmazonIpReputationList (25 WCU). @default - on */
  readonly ipReputation?: ManagedRuleGroupOptions;
  /** AWSManagedRulesAnonymousIpList (50 WCU). @default - on */
  readonly anonymousIp?: ManagedRuleGroupOptions;
  /** AWSManagedRulesCommonRuleSet (700 WCU). @default - on */
  readonly common?: ManagedRuleGroupOptions;
  /** AWSManagedRulesKnownBadInputsRuleSet (200 WCU). @default - on */
  readonly knownBadInputs?: ManagedRuleGroupOptions;
  /** AWSManagedRulesSQLiRuleSet (200 WCU). @default - on */
  readonly sqlDatabase?: ManagedRuleGroupOptions;
  /** AWSManagedRulesLinuxRuleSet (200 WCU). @default - off */
  readonly linux?: ManagedRuleGroupOptions;
  /** AWSManagedRulesUnixRuleSet (100 WCU). @default - off */
  readonly unix?: ManagedRuleGroupOptions;
  /** AWSManagedRulesWindowsRuleSet (200 WCU). @default - off */
  readonly windows?: ManagedRuleGroupOptions;
  /** AWSManagedRulesPHPRuleSet (100 WCU). @default - off */
  readonly php?: ManagedRuleGroupOptions;
  /** AWSManagedRulesWordPressRuleSet (100 WCU). @default - off */
  readonly wordpress?: ManagedRuleGroupOptions;
  /** AWSManagedRulesAdminProtectionRuleSet (100 WCU). @default - off */
  readonly adminProtection?: ManagedRuleGroupOptions;
}

/** Bot Control (extra fee per request; opt-in). */
export interface BotControlOptions {
  /**
   * `COMMON` (self-identifying bots) or `TARGETED` (also sophisticated bots; higher fee).
   * @default 'COMMON'
   */
  readonly inspectionLevel?: 'COMMON' | 'TARGETED';
  /**
   * Machine-learning detection (TARGETED only).
   * @default true
   */
  readonly enableMachineLearning?: boolean;
  /**
   * BLOCK (enforce) or COUNT (observe only; synth warning) for the Bot Control rule group.
   * @default - `managedRulesMode`
   */
  readonly mode?: FirewallRuleMode;
  /**
   * Actions for individual rules of the Bot Control group, by rule name (for example `{ CategoryHttpLibrary: 'COUNT' }`).
   * @default - none
   */
  readonly ruleActionOverrides?: Record<string, ManagedRuleOverrideAction>;
}

/** Account takeover prevention (ATP; extra fee per login request; opt-in). */
export interface AccountTakeoverPreventionOptions {
  /** The login endpoint path, for example `/auth/token`. */
  readonly loginPath: string;
  /**
   * Login request payload type.
   * @default 'JSON'
   */
  readonly payloadType?: 'JSON' | 'FORM_ENCODED';
  /**
   * Username field (a JSON pointer for JSON, the form field name otherwise).
   * @default '/username'
   */
  readonly usernameField?: string;
  /**
   * Password field (a JSON pointer for JSON, the form field name otherwise).
   * @default '/password'
   */
  readonly passwordField?: string;
  /**
   * BLOCK (enforce) or COUNT (observe only; synth warning) for the account takeover prevention rule group.
   * @default - `managedRulesMode`
   */
  readonly mode?: FirewallRuleMode;
  /**
   * Actions for individual rules of the account takeover prevention group, by rule name.
   * @default - none
   */
  readonly ruleActionOverrides?: Record<string, ManagedRuleOverrideAction>;
}

/** The body-size rule. */
export interface BodySizeLimitOptions {
  /**
   * Largest body let through; larger bodies (and bodies too large to inspect) get a 413.
   * At most 8 KiB if the ACL protects an ALB, at most the API Gateway inspection limit for a REST stage.
   * @default Size.kibibytes(8)
   */
  readonly maxSize?: Size;
  /**
   * BLOCK (answer 413) or COUNT (observe only; synth warning) for bodies above `maxSize`.
   * @default 'BLOCK'
   */
  readonly mode?: FirewallRuleMode;
}

/** API Gateway body inspection sizes (above 16 KB costs extra). */
export type ApiGatewayBodyInspectionLimit = 'KB_16' | 'KB_32' | 'KB_48' | 'KB_64';

/** Options of {@link WebFirewall.associate}. */
export interface WebFirewallAssociateOptions {
  /**
   * Lets a web ACL whose body-size limit is above 8 KiB (sized for a REST API stage) also protect an ALB. AWS WAF inspects
   * only the first 8 KiB of an ALB request body and the body-size rule matches bodies too large to inspect, so on the ALB
   * every body over 8 KiB is blocked: the same limit as an ACL of its own, with one ACL (and its rules) to pay for.
   * @default false - refused, to make the ALB's effective limit explicit
   */
  readonly albBodyLimitIsInspectionLimit?: boolean;
}

/** Props of {@link WebFirewall}. */
export interface WebFirewallProps {
  /** KMS key of the WAF log group (a `LogsKey`'s key). */
  readonly logsKey: kms.IKey;
  /**
   * WAF log retention (at least one year).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Headers redacted from the logs in addition to `authorization`, `cookie` and the header-keyed limit's headers.
   * @default - none
   */
  readonly redactedHeaders?: string[];
  /**
   * Global per-IP limit on all requests.
   * @default - 2,000 requests per 5 minutes per IP, BLOCK with 429
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Tighter per-IP limit on authentication paths (scope-down statement).
   * @default - 50 requests per 5 minutes per IP on `/auth/` and `/login`, BLOCK with 429
   */
  readonly authRateLimit?: AuthRateLimitOptions;
  /**
   * Limit keyed on header values.
   * @default - none
   */
  readonly headerRateLimit?: HeaderRateLimitOptions;
  /**
   * AWS managed rule groups.
   * @default - IP reputation, anonymous IP, common, known bad inputs and SQL database on
   */
  readonly managedRules?: ManagedRuleGroupsOptions;
  /**
   * Mode of every managed group without its own `mode`: `COUNT` to roll out a new ACL.
   * @default 'BLOCK'
   */
  readonly managedRulesMode?: FirewallRuleMode;
  /**
   * Bot Control (paid). Set to enable.
   * @default - off
   */
  readonly botControl?: BotControlOptions;
  /**
   * Account takeover prevention (paid). Set to enable.
   * @default - off
   */
  readonly accountTakeoverPrevention?: AccountTakeoverPreventionOptions;
  /**
   * Body-size rule.
   * @default - block bodies over 8 KiB, and bodies too large to inspect, with 413
   */
  readonly bodySizeLimit?: BodySizeLimitOptions;
  /**
   * Body bytes AWS WAF inspects for API Gateway stages (`associationConfig`); above 16 KB costs extra.
   * @default - 16 KB (the AWS default; not rendered)
   */
  readonly apiGatewayBodyInspectionLimit?: ApiGatewayBodyInspectionLimit;
  /**
   * CIDRs always allowed (evaluated first; skip every other rule). IPv4 and IPv6.
   * @default - none
   */
  readonly allowedCidrs?: string[];
  /**
   * CIDRs always blocked with 403. IPv4 and IPv6.
   * @default - none
   */
  readonly blockedCidrs?: string[];
  /**
   * ISO 3166-1 alpha-2 country codes to block with 403.
   * @default - none
   */
  readonly blockedCountries?: string[];
  /**
   * ISO 3166-1 alpha-2 country codes to allow; every other country is blocked with 403.
   * @default - all countries
   */
  readonly allowedCountries?: string[];
  /**
   * WCU budget: synth fails if the configured rules need more. The base price covers 1,500; AWS allows 5,000.
   * @default 1500
   */
  readonly capacityBudget?: number;
  /**
   * Description of the web ACL.
   * @default - generated
   */
  readonly description?: string;
}

/** What {@link WebFirewall.associate} accepts: an ALB or a REST API stage. */
export type WebFirewallResource = elbv2.IApplicationLoadBalancer | apigateway.IStage;

/** Options of the metric helpers. */
export interface WebFirewallMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Rule name (= its metric name); `ALL` for the whole ACL.
   * @default 'ALL'
   */
  readonly rule?: string;
}

interface BuiltRule {
  readonly rule: wafv2.CfnWebACL.RuleProperty;
  readonly wcu: number;
}

/**
 * A REGIONAL AWS WAFv2 web ACL for ALBs and API Gateway REST stages, with
 * per-IP rate limits (global and much tighter on authentication paths, 429 +
 * `Retry-After`), AWS managed rule groups (each switchable to COUNT), a body-size
 * rule that leaves nothing uninspected, optional IP and geo lists, a WCU budget
 * checked at synth, and logging to a KMS-encrypted log group with the
 * `authorization` and `cookie` headers redacted.
 */
export class WebFirewall extends Construct {
  /** The web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** ARN of the web ACL. */
  public readonly webAclArn: string;
  /** Name of the web ACL (also its metric name, the `WebACL` metric dimension). */
  public readonly webAclName: string;
  /** The WAF log group (`aws-waf-logs-...`). */
  public readonly logGroup: logs.LogGroup;
  /** The logging configuration. */
  public readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;
  /** WCU the configured rules need (computed at synth). */
  public readonly capacity: number;
  /** WCU of each rule, by rule name, in evaluation order. */
  public readonly ruleCapacities: Readonly<Record<string, number>>;
  /** The rule names in evaluation order (each is also the rule's metric name). */
  public readonly ruleNames: string[];
  /** The per-IP limit on authentication paths: requests per `evaluationWindowSeconds` (what one client may send there). */
  public readonly authRateLimit: {
    /** Requests one IP address may send to the authentication paths per window. */
    readonly limit: number;
    /** The window, in seconds. */
    readonly evaluationWindowSeconds: number;
  };

  private readonly maxBodyBytes: number;
  private readonly apiGatewayInspectionBytes: number;
  private readonly associated = new Set<string>();

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);
    const budget = props.capacityBudget ?? DEFAULT_CAPACITY_BUDGET;
    checkRange(this, 'capacityBudget', budget, 1, MAX_WEB_ACL_WCU);
    this.maxBodyBytes = this.bodyBytes(props.bodySizeLimit?.maxSize);
    this.apiGatewayInspectionBytes = props.apiGatewayBodyInspectionLimit
      ? Number(props.apiGatewayBodyInspectionLimit.slice(3)) * 1024
      : API_GATEWAY_DEFAULT_BODY_INSPECTION_BYTES;
    if (props.blockedCountries && props.allowedCountries) {
      invalidProp(this, 'allowedCountries', props.allowedCountries, 'Fix: set either blockedCountries or allowedCountries, not both.');
    }

    const rules: BuiltRule[] = [];
    const add = (name: string, statement: wafv2.CfnWebACL.StatementProperty, action: Partial<Pick<wafv2.CfnWebACL.RuleProperty, 'action' | 'overrideAction'>>) => {
      const rule: wafv2.CfnWebACL.RuleProperty = { name, priority: rules.length, statement, ...action, visibilityConfig: visibility(name) };
      rules.push({ rule, wcu: ruleCapacity(rule) });
    };

    // 1. IP allow/deny lists and geo match: the cheapest decisions first.
    const allowSet = this.ipSetStatement('AllowedIps', 'allowedCidrs', props.allowedCidrs);
    if (allowSet) add('IpAllowList', allowSet, { action: { allow: {} } });
    const denySet = this.ipSetStatement('BlockedIps', 'blockedCidrs', props.blockedCidrs);
    if (denySet) add('IpDenyList', denySet, { action: blockWith(403, RESPONSE_BODY.forbidden) });
    if (props.blockedCountries) {
      add('GeoBlock', { geoMatchStatement: { countryCodes: this.countries('blockedCountries', props.blockedCountries) } }, { action: blockWith(403, RESPONSE_BODY.forbidden) });
    }
    if (props.allowedCountries) {
      const geo = { geoMatchStatement: { countryCodes: this.countries('allowedCountries', props.allowedCountries) } };
      add('GeoAllowOnly', { notStatement: { statement: geo } }, { action: blockWith(403, RESPONSE_BODY.forbidden) });
    }

    // 2. Reputation lists (cheap, drop known-bad sources before they count against limits).
    const groups = props.managedRules ?? {};
    const groupMode = props.managedRulesMode ?? 'BLOCK';
    const managed = (key: string) => {
      const def = MANAGED_RULE_GROUPS.find((g) => g.key === key)!;
      const options = (groups as Record<string, ManagedRuleGroupOptions | undefined>)[key] ?? {};
      if (!(options.enabled ?? def.enabledByDefault)) {
        if (def.enabledByDefault) this.warn(`managedRules.${key}-off`, `managedRules.${key} is off: ${def.name} (${def.why}) no longer protects the resources.`);
        return;
      }
      const overrides: Record<string, ManagedRuleOverrideAction> = {};
      if (def.name === 'AWSManagedRulesCommonRuleSet' && (props.bodySizeLimit?.mode ?? 'BLOCK') === 'BLOCK') {
        // The construct's own body-size rule (configurable, oversize = match, 413) replaces this fixed 8 KB block.
        overrides[COMMON_RULE_SET_BODY_SIZE_RULE] = 'COUNT';
      }
      Object.assign(overrides, this.overrides(`managedRules.${key}.ruleActionOverrides`, options.ruleActionOverrides));
      const mode = options.mode ?? groupMode;
      this.warnIfCount(`managedRules.${key}.mode`, mode);
      add(`AWS-${def.name}`, managedGroupStatement(def.name, overrides, options.version ? { version: options.version } : {}), {
        overrideAction: mode === 'COUNT' ? { count: {} } : { none: {} },
      });
    };
    managed('ipReputation');
    managed('anonymousIp');

    // 3. Rate limits: the tight one on authentication paths first, then global, then header-keyed.
    const auth = props.authRateLimit ?? {};
    const authWindow = this.window('authRateLimit.evaluationWindow', auth.evaluationWindow);
    const authPaths = this.paths(auth.paths ?? [...DEFAULT_AUTH_PATHS]);
    this.warnIfCount('authRateLimit.mode', auth.mode);
    const authLimit = this.limit('authRateLimit.limit', auth.limit ?? DEFAULT_AUTH_RATE_LIMIT);
    this.authRateLimit = { limit: authLimit, evaluationWindowSeconds: authWindow };
    add('RateLimitAuthPaths',
      perIpRateStatement(authLimit, authWindow, pathPrefixStatement(authPaths)),
      { action: rateLimitedAction(auth.mode ?? 'BLOCK', authWindow) });

    const global = props.rateLimit ?? {};
    const globalWindow = this.window('rateLimit.evaluationWindow', global.evaluationWindow);
    this.warnIfCount('rateLimit.mode', global.mode);
    add('RateLimitPerIp',
      perIpRateStatement(this.limit('rateLimit.limit', global.limit ?? DEFAULT_RATE_LIMIT), globalWindow),
      { action: rateLimitedAction(global.mode ?? 'BLOCK', globalWindow) });

    const redacted = [...DEFAULT_REDACTED_HEADERS, ...(props.redactedHeaders ?? [])].map((h) => this.headerName('redactedHeaders', h));
    if (props.headerRateLimit) {
      const h = props.headerRateLimit;
      const names = h.headerNames.map((n) => this.headerName('headerRateLimit.headerNames', n));
      const keyCount = names.length + (h.perIp ? 1 : 0);
      if (names.length === 0 || keyCount > 5) {
        invalidProp(this, 'headerRateLimit.headerNames', h.headerNames, 'Fix: name 1 to 5 headers (4 with perIp); AWS WAF allows 5 aggregation keys per rule.');
      }
      const window = this.window('headerRateLimit.evaluationWindow', h.evaluationWindow);
      this.warnIfCount('headerRateLimit.mode', h.mode);
      add('RateLimitPerHeader',
        headerRateStatement(names, h.perIp ?? false, this.limit('headerRateLimit.limit', h.limit ?? DEFAULT_HEADER_RATE_LIMIT), window),
        { action: rateLimitedAction(h.mode ?? 'BLOCK', window) });
      redacted.push(...names); // the key is a credential as often as not
    }

    // 4. Body size: nothing larger than the limit, and nothing too large to inspect, reaches the inspection rules.
    const bodyMode = props.bodySizeLimit?.mode ?? 'BLOCK';
    this.warnIfCount('bodySizeLimit.mode', bodyMode);
    add('BodySizeLimit', oversizedBodyStatement(this.maxBodyBytes), { action: actionFor(bodyMode, blockWith(413, RESPONSE_BODY.payloadTooLarge)) });

    // 5. Inspection groups.
    for (const g of MANAGED_RULE_GROUPS.slice(2)) managed(g.key);

    // 6. Paid groups, opt-in only.
    if (props.accountTakeoverPrevention) {
      const atp = props.accountTakeoverPrevention;
      const loginPath = this.paths([atp.loginPath], 'accountTakeoverPrevention.loginPath', false)[0];
      const payloadType = atp.payloadType ?? 'JSON';
      const mode = atp.mode ?? groupMode;
      add('AWS-AWSManagedRulesATPRuleSet', managedGroupStatement('AWSManagedRulesATPRuleSet',
        this.overrides('accountTakeoverPrevention.ruleActionOverrides', atp.ruleActionOverrides), {
          managedRuleGroupConfigs: [{
            awsManagedRulesAtpRuleSet: {
              loginPath,
              requestInspection: {
                payloadType,
                usernameField: { identifier: atp.usernameField ?? (payloadType === 'JSON' ? '/username' : 'username') },
                passwordField: { identifier: atp.passwordField ?? (payloadType === 'JSON' ? '/password' : 'password') },
              },
            },
          }],
        }), { overrideAction: mode === 'COUNT' ? { count: {} } : { none: {} } });
    }
    if (props.botControl) {
      const bot = props.botControl;
      const level = bot.inspectionLevel ?? 'COMMON';
      const mode = bot.mode ?? groupMode;
      add('AWS-AWSManagedRulesBotControlRuleSet', managedGroupStatement('AWSManagedRulesBotControlRuleSet',
        this.overrides('botControl.ruleActionOverrides', bot.ruleActionOverrides), {
          managedRuleGroupConfigs: [{
            awsManagedRulesBotControlRuleSet: {
              inspectionLevel: level,
              ...(level === 'TARGETED' ? { enableMachineLearning: bot.enableMachineLearning ?? true } : {}),
            },
          }],
        }), { overrideAction: mode === 'COUNT' ? { count: {} } : { none: {} } });
    }

    // WCU budget: fail synth, with the breakdown, before AWS rejects the ACL at deploy time.
    this.capacity = rules.reduce((sum, r) => sum + r.wcu, 0);
    this.ruleCapacities = Object.freeze(Object.fromEntries(rules.map((r) => [r.rule.name, r.wcu])));
    this.ruleNames = rules.map((r) => r.rule.name);
    if (this.capacity > budget) {
      const breakdown = rules.map((r) => `${r.rule.name}=${r.wcu}`).join(', ');
      invalidProp(this, 'capacityBudget', budget,
        `The configured rules need ${this.capacity} WCU (${breakdown}), over the budget of ${budget}. ` +
        `Fix: switch off optional rule groups, or raise capacityBudget (at most ${MAX_WEB_ACL_WCU}; above ${BASE_PRICE_WCU} WCU each 500 WCU costs extra).`);
    }

    this.webAclName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      name: this.webAclName,
      description: props.description ?? defaultDescription(this.node.path, this.capacity),
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules: rules.map((r) => r.rule),
      customResponseBodies: defaultCustomResponseBodies(),
      visibilityConfig: visibility(this.webAclName),
      ...(props.apiGatewayBodyInspectionLimit
        ? { associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: props.apiGatewayBodyInspectionLimit } } } }
        : {}),
    });
    this.node.defaultChild = this.webAcl;
    this.webAclArn = this.webAcl.attrArn;

    // Logging: the destination name must start with aws-waf-logs-.
    this.logGroup = new SecureLogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [...new Set(redacted)].map((name) => ({ singleHeader: { Name: name } })),
    });
  }

  /**
   * Protects an ALB or a REST API stage with this web ACL (an association in this
   * construct's scope). One ACL may protect several resources; each resource can
   * have only one ACL.
   */
  public associate(resource: WebFirewallResource, options: WebFirewallAssociateOptions = {}): wafv2.CfnWebACLAssociation {
    const isAlb = 'loadBalancerArn' in resource;
    const kind = isAlb ? 'Alb' : 'Stage';
    const key = resource.node.path;
    if (this.associated.has(key)) {
      invalidProp(this, 'associate(resource)', key, 'Fix: associate each resource once; a resource can have only one web ACL.');
    }
    if (isAlb && this.maxBodyBytes > ALB_BODY_INSPECTION_BYTES && options.albBodyLimitIsInspectionLimit !== true) {
      invalidProp(this, 'bodySizeLimit.maxSize', `${this.maxBodyBytes} bytes`,
        `Fix: an ALB lets AWS WAF inspect only ${ALB_BODY_INSPECTION_BYTES} bytes, so every larger body would be blocked anyway; set at most Size.kibibytes(8), or protect the ALB with its own WebFirewall.`);
    }
    if (!isAlb && this.maxBodyBytes > this.apiGatewayInspectionBytes) {
      invalidProp(this, 'bodySizeLimit.maxSize', `${this.maxBodyBytes} bytes`,
        `Fix: AWS WAF inspects ${this.apiGatewayInspectionBytes} bytes of API Gateway bodies; raise apiGatewayBodyInspectionLimit or lower bodySizeLimit.maxSize.`);
    }
    this.associated.add(key);
    const resourceArn = isAlb ? resource.loadBalancerArn : stageArn(resource);
    // The id follows the resource's path inside its stack (stable across stack renames), e.g. AlbLoadBalancerResourceAssociation.
    const relativePath = resource.node.path.slice(Stack.of(resource).node.path.length + 1) || resource.node.id;
    return new wafv2.CfnWebACLAssociation(this, `${kind}${relativePath.replace(/[^A-Za-z0-9]/g, '')}Association`, {
      resourceArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  /** A metric of this web ACL in `AWS/WAFV2` (dimensions WebACL, Region, Rule). */
  public metric(metricName: string, props: WebFirewallMetricOptions = {}): cloudwatch.Metric {
    const { rule, ...options } = props;
    return new cloudwatch.Metric({
      namespace: 'AWS/WAFV2',
      metricName,
      dimensionsMap: { WebACL: this.webAclName, Region: Stack.of(this).region, Rule: rule ?? 'ALL' },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...options,
    });
  }

  /** Requests blocked (sum over 5 minutes). */
  public metricBlockedRequests(props?: WebFirewallMetricOptions): cloudwatch.Metric {
    return this.metric('BlockedRequests', props);
  }

  /** Requests allowed (sum over 5 minutes). */
  public metricAllowedRequests(props?: WebFirewallMetricOptions): cloudwatch.Metric {
    return this.metric('AllowedRequests', props);
  }

  /** Requests a COUNT rule matched (sum over 5 minutes): watch it during rollout. */
  public metricCountedRequests(props?: WebFirewallMetricOptions): cloudwatch.Metric {
    return this.metric('CountedRequests', props);
  }

  private limit(prop: string, value: number): number {
    if (Token.isUnresolved(value)) return value;
    if (!Number.isInteger(value) || value < MIN_RATE_LIMIT || value > MAX_RATE_LIMIT) {
      invalidProp(this, prop, value, `Fix: use a whole number of requests from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT} (AWS WAF's range for rate-based rules).`);
    }
    return value;
  }

  private window(prop: string, value: Duration | undefined): number {
    const duration = value ?? DEFAULT_EVALUATION_WINDOW;
    if (duration.isUnresolved()) {
      invalidProp(this, prop, duration.toString(), 'Fix: use a concrete duration; the window also sets the Retry-After header.');
    }
    const seconds = duration.toSeconds({ integral: false });
    if (!EVALUATION_WINDOWS_SECONDS.includes(seconds)) {
      invalidProp(this, prop, `${seconds} seconds`, `Fix: use one of ${EVALUATION_WINDOWS_SECONDS.join(', ')} seconds, for example Duration.minutes(5).`);
    }
    return seconds;
  }

  private paths(paths: string[], prop = 'authRateLimit.paths', lowercase = true): string[] {
    if (paths.length === 0 || paths.length > 10) invalidProp(this, prop, paths, 'Fix: name 1 to 10 path prefixes, for example ["/auth/", "/login"].');
    return paths.map((p) => {
      if (Token.isUnresolved(p)) return p;
      if (!p.startsWith('/') || p.length > 200 || /\s/.test(p)) {
        invalidProp(this, prop, p, 'Fix: use a URI path prefix that starts with "/", has no spaces and is at most 200 characters.');
      }
      if (/%|\/\/|\/\.\.?(\/|$)/.test(p)) {
        invalidProp(this, prop, p, 'Fix: give the decoded, normalized path (no "%" escapes, "//", "/./" or "/../"): requests are decoded and normalized before matching, so such a prefix never matches.');
      }
      return lowercase ? p.toLowerCase() : p; // the rate-limit scope-down decodes, normalizes and lowercases the URI path before matching
    });
  }

  private headerName(prop: string, name: string): string {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) {
      invalidProp(this, prop, name, 'Fix: use an HTTP header name (token characters, 1 to 64), for example "authorization" or "x-api-key".');
    }
    return name.toLowerCase();
  }

  private countries(prop: string, codes: string[]): string[] {
    if (codes.length === 0 || codes.some((c) => !/^[A-Z]{2}$/.test(c))) {
      invalidProp(this, prop, codes, 'Fix: use ISO 3166-1 alpha-2 codes in upper case, for example ["DE", "FR"].');
    }
    return codes;
  }

  private overrides(prop: string, overrides: Record<string, ManagedRuleOverrideAction> | undefined): Record<string, ManagedRuleOverrideAction> {
    const allowed: ManagedRuleOverrideAction[] = ['ALLOW', 'BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE'];
    for (const [name, action] of Object.entries(overrides ?? {})) {
      if (!/^[\w-]{1,128}$/.test(name) || !allowed.includes(action)) {
        invalidProp(this, prop, { [name]: action }, `Fix: map a rule name of the group to one of ${allowed.join(', ')}.`);
      }
    }
    return { ...overrides };
  }

  private bodyBytes(size: Size | undefined): number {
    const bytes = (size ?? DEFAULT_MAX_BODY_SIZE).toBytes();
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64 * 1024) {
      invalidProp(this, 'bodySizeLimit.maxSize', `${bytes} bytes`, 'Fix: use 1 byte to 64 KiB (the most AWS WAF can inspect), for example Size.kibibytes(8).');
    }
    return bytes;
  }

  private ipSetStatement(id: string, prop: string, cidrs: string[] | undefined): wafv2.CfnWebACL.StatementProperty | undefined {
    if (!cidrs) return undefined;
    if (cidrs.length === 0) invalidProp(this, prop, cidrs, 'Fix: name at least one CIDR, or leave the prop out.');
    const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([1-9]|[12]\d|3[0-2])$/;
    const v6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/([1-9]|[1-9]\d|1[01]\d|12[0-8])$/;
    const sets: wafv2.CfnWebACL.StatementProperty[] = [];
    for (const [version, pattern] of [['IPV4', v4], ['IPV6', v6]] as const) {
      const addresses = cidrs.filter((c) => (version === 'IPV4' ? !c.includes(':') : c.includes(':')));
      if (addresses.length === 0) continue;
      const bad = addresses.find((c) => !pattern.test(c));
      if (bad !== undefined) invalidProp(this, prop, bad, 'Fix: use CIDR notation with a prefix length of at least /1, for example "203.0.113.0/24" or "2001:db8::/32".');
      const set = new wafv2.CfnIPSet(this, `${id}${version === 'IPV4' ? 'V4' : 'V6'}`, {
        scope: 'REGIONAL',
        ipAddressVersion: version,
        addresses,
        description: `${prop} of ${this.node.path}`,
      });
      sets.push({ ipSetReferenceStatement: { arn: set.attrArn } });
    }
    return sets.length === 1 ? sets[0] : { orStatement: { statements: sets } };
  }

  private warnIfCount(prop: string, mode: FirewallRuleMode | undefined): void {
    if (mode === 'COUNT') this.warn(`${prop}-count`, `${prop} is COUNT: matching requests are logged and counted but not blocked. Switch back to BLOCK after rollout.`);
  }

  private warn(what: string, message: string): void {
    warn(this, `web-firewall:${kebabCase(what)}`, message);
  }
}

/** A description within the CloudFormation pattern (no parentheses or underscores). */
function defaultDescription(path: string, capacity: number): string {
  return `Web ACL of ${path} - rate limits, AWS managed rules, body-size limit, ${capacity} WCU`.replace(/[^a-zA-Z0-9+=:#@/\-,.\s]/g, '-').slice(0, 256);
}

/** The REST stage ARN WAF associates with: `arn:<partition>:apigateway:<region>::/restapis/<id>/stages/<name>`. */
function stageArn(stage: apigateway.IStage): string {
  if (stage instanceof apigateway.StageBase) return stage.stageArn;
  return Stack.of(stage).formatArn({
    arnFormat: ArnFormat.SLASH_RESOURCE_SLASH_RESOURCE_NAME,
    service: 'apigateway',
    account: '',
    resource: 'restapis',
    resourceName: `${stage.restApi.restApiId}/stages/${stage.stageName}`,
  });
}
