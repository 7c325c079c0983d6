import { Token } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/**
 * Web ACL capacity units (WCU) of the AWS managed rule groups, as AWS documents them.
 * A managed group's WCU is fixed by its owner; a scope-down statement adds its own WCU.
 */
export const MANAGED_RULE_GROUP_WCU: Readonly<Record<string, number>> = Object.freeze({
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesLinuxRuleSet: 200,
  AWSManagedRulesUnixRuleSet: 100,
  AWSManagedRulesWindowsRuleSet: 200,
  AWSManagedRulesPHPRuleSet: 100,
  AWSManagedRulesWordPressRuleSet: 100,
  AWSManagedRulesAdminProtectionRuleSet: 100,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesBotControlRuleSet: 50,
  AWSManagedRulesATPRuleSet: 50,
  AWSManagedRulesACFPRuleSet: 50,
  AWSManagedRulesAntiDDoSRuleSet: 50,
});

/** WCU included in the base web ACL price; above it each further 500 WCU is billed. */
export const BASE_PRICE_WCU = 1500;
/** The most WCU one web ACL may use without a quota request. */
export const MAX_WEB_ACL_WCU = 5000;

/** WCU added by each custom aggregation key of a rate-based statement. */
const RATE_BASED_BASE = 2;
const RATE_BASED_PER_CUSTOM_KEY = 30;
/** String match base cost by positional constraint. */
const BYTE_MATCH_BASE: Readonly<Record<string, number>> = { EXACTLY: 2, STARTS_WITH: 2, ENDS_WITH: 2, CONTAINS: 10, CONTAINS_WORD: 10 };
const SIZE_CONSTRAINT_BASE = 1;
const PER_TEXT_TRANSFORMATION = 10;
const ALL_QUERY_ARGUMENTS_EXTRA = 10;

type Statement = wafv2.CfnWebACL.StatementProperty;

/**
 * The WCU of one rule statement, following the AWS WAF developer guide
 * ("Rule statements" pages): rate-based 2 + 30 per custom key + scope-down;
 * string match 2 (exact/starts/ends) or 10 (contains); size constraint 1;
 * geo, IP set, label and ASN match 1; +10 per text transformation other than
 * NONE, +10 for all query arguments, base doubled for the JSON body;
 * logical statements cost what they nest; managed groups their table value
 * plus scope-down.
 *
 * Throws for statement kinds this construct never builds (so an unknown cost is
 * never silently counted as zero).
 */
export function statementCapacity(statement: Statement): number {
  const s = plain(statement, 'statement');
  if (s.rateBasedStatement) {
    const r = plain<wafv2.CfnWebACL.RateBasedStatementProperty>(s.rateBasedStatement, 'rateBasedStatement');
    const keys = r.customKeys === undefined ? 0 : list(r.customKeys, 'customKeys').length;
    const scopeDown = r.scopeDownStatement ? statementCapacity(plain(r.scopeDownStatement, 'scopeDownStatement')) : 0;
    return RATE_BASED_BASE + RATE_BASED_PER_CUSTOM_KEY * keys + scopeDown;
  }
  if (s.managedRuleGroupStatement) {
    const m = plain<wafv2.CfnWebACL.ManagedRuleGroupStatementProperty>(s.managedRuleGroupStatement, 'managedRuleGroupStatement');
    const wcu = m.vendorName === 'AWS' ? MANAGED_RULE_GROUP_WCU[m.name] : undefined;
    if (wcu === undefined) {
      throw new BaselineError(BaselineErrorCode.UNKNOWN_WAF_CAPACITY, `No known WCU for managed rule group ${m.vendorName}/${m.name}. Fix: add it to MANAGED_RULE_GROUP_WCU with the value from the AWS WAF developer guide.`);
    }
    return wcu + (m.scopeDownStatement ? statementCapacity(plain(m.scopeDownStatement, 'scopeDownStatement')) : 0);
  }
  if (s.byteMatchStatement) {
    const b = plain<wafv2.CfnWebACL.ByteMatchStatementProperty>(s.byteMatchStatement, 'byteMatchStatement');
    const base = BYTE_MATCH_BASE[b.positionalConstraint];
    if (base === undefined) throw new BaselineError(BaselineErrorCode.UNKNOWN_WAF_CAPACITY, `Unknown positionalConstraint ${b.positionalConstraint}.`);
    return fieldCost(base, b.fieldToMatch, b.textTransformations);
  }
  if (s.sizeConstraintStatement) {
    const c = plain<wafv2.CfnWebACL.SizeConstraintStatementProperty>(s.sizeConstraintStatement, 'sizeConstraintStatement');
    return fieldCost(SIZE_CONSTRAINT_BASE, c.fieldToMatch, c.textTransformations);
  }
  if (s.geoMatchStatement || s.ipSetReferenceStatement || s.labelMatchStatement || s.asnMatchStatement) return 1;
  if (s.notStatement) {
    return statementCapacity(plain<wafv2.CfnWebACL.NotStatementProperty>(s.notStatement, 'notStatement').statement as Statement);
  }
  if (s.orStatement || s.andStatement) {
    const nested = plain<{ statements: unknown }>((s.orStatement ?? s.andStatement)!, 'orStatement/andStatement');
    return list(nested.statements, 'statements').reduce<number>((sum, n) => sum + statementCapacity(n as Statement), 0);
  }
  throw new BaselineError(BaselineErrorCode.UNKNOWN_WAF_CAPACITY, `Cannot compute the WCU of statement ${Object.keys(s).join(', ')}. Fix: extend statementCapacity() with the cost from the AWS WAF developer guide.`);
}

/** The WCU of a rule (its statement; actions and visibility are free). */
export function ruleCapacity(rule: wafv2.CfnWebACL.RuleProperty): number {
  return statementCapacity(rule.statement as Statement);
}

function fieldCost(base: number, fieldToMatch: unknown, transformations: unknown): number {
  const field = plain<wafv2.CfnWebACL.FieldToMatchProperty>(fieldToMatch, 'fieldToMatch');
  let cost = field.jsonBody ? base * 2 : base;
  if (field.allQueryArguments) cost += ALL_QUERY_ARGUMENTS_EXTRA;
  const applied = list(transformations, 'textTransformations')
    .filter((t) => plain<wafv2.CfnWebACL.TextTransformationProperty>(t, 'textTransformation').type !== 'NONE');
  return cost + PER_TEXT_TRANSFORMATION * applied.length;
}

function plain<T = Statement>(value: unknown, what: string): T {
  if (value === undefined || value === null || Token.isUnresolved(value) || typeof value !== 'object') {
    throw new BaselineError(BaselineErrorCode.UNKNOWN_WAF_CAPACITY, `Cannot compute WCU: ${what} is a token or missing.`);
  }
  return value as T;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new BaselineError(BaselineErrorCode.UNKNOWN_WAF_CAPACITY, `Cannot compute WCU: ${what} is a token, not a list.`);
  return value;
}
