import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FirewallRuleMode, ManagedRuleOverrideAction } from './defaults';

// The props of WebFirewall and the option types they are made of. Every optional prop documents its secure default;
// the values themselves live in defaults.ts.

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
   * @default FirewallRuleMode.BLOCK
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
   * Per-rule action overrides inside the group, for example `{ HostingProviderIPList: ManagedRuleOverrideAction.COUNT }`.
   * @default - none (plus `SizeRestrictions_BODY: COUNT` in the CommonRuleSet, replaced by the body-size rule)
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

/** Inspection level of the Bot Control rule group (`AWSManagedRulesBotControlRuleSet`). */
export enum BotControlInspectionLevel {
  /** Self-identifying bots (scrapers, crawlers, HTTP libraries). */
  COMMON = 'COMMON',
  /** Also sophisticated bots that do not identify themselves (higher fee). */
  TARGETED = 'TARGETED',
}

/** Bot Control (extra fee per request; opt-in). */
export interface BotControlOptions {
  /**
   * `COMMON` (self-identifying bots) or `TARGETED` (also sophisticated bots; higher fee).
   * @default BotControlInspectionLevel.COMMON
   */
  readonly inspectionLevel?: BotControlInspectionLevel;
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
   * Actions for individual rules of the Bot Control group, by rule name (for example `{ CategoryHttpLibrary: ManagedRuleOverrideAction.COUNT }`).
   * @default - none
   */
  readonly ruleActionOverrides?: Record<string, ManagedRuleOverrideAction>;
}

/** How the login request of account takeover prevention carries the credentials (`RequestInspection.PayloadType`). */
export enum LoginPayloadType {
  /** A JSON body; the username and password fields are JSON pointers (`/username`). */
  JSON = 'JSON',
  /** A form-encoded body (`application/x-www-form-urlencoded`); the fields are form field names (`username`). */
  FORM_ENCODED = 'FORM_ENCODED',
}

/** Account takeover prevention (ATP; extra fee per login request; opt-in). */
export interface AccountTakeoverPreventionOptions {
  /** The login endpoint path, for example `/auth/token`. */
  readonly loginPath: string;
  /**
   * Login request payload type.
   * @default LoginPayloadType.JSON
   */
  readonly payloadType?: LoginPayloadType;
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
   * @default FirewallRuleMode.BLOCK
   */
  readonly mode?: FirewallRuleMode;
}

/** Body bytes AWS WAF inspects for API Gateway stages (`RequestBodyAssociatedResourceTypeConfig`); above 16 KB costs extra. */
export enum ApiGatewayBodyInspectionLimit {
  /** 16 KB (the AWS default). */
  KB_16 = 'KB_16',
  /** 32 KB. */
  KB_32 = 'KB_32',
  /** 48 KB. */
  KB_48 = 'KB_48',
  /** 64 KB, the most AWS WAF inspects. */
  KB_64 = 'KB_64',
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
   * @default FirewallRuleMode.BLOCK
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
