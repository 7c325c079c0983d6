import { posix } from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { LogsKey } from '../../lib/constructs/logging';
import {
  ApiGatewayBodyInspectionLimit, BotControlInspectionLevel, FirewallRuleMode, LoginPayloadType, MANAGED_RULE_GROUP_WCU,
  ManagedRuleOverrideAction, statementCapacity, WebFirewall, WebFirewallProps,
} from '../../lib/constructs/web-firewall';
import { buildTestApp, exampleBaselineWith } from '../helpers/baseline';
import { formatFindings, ruleFindings } from '../helpers/compliance';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const DEFAULT_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesAnonymousIpList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
];

interface Built { app: App; stack: Stack; firewall: WebFirewall; template: Template }

function build(props: Partial<WebFirewallProps> = {}, extra?: (stack: Stack, firewall: WebFirewall) => void): Built {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Edge', { env: ENV });
  const logsKey = new LogsKey(stack, 'LogsKey');
  const firewall = new WebFirewall(stack, 'Firewall', { logsKey: logsKey.key, ...props });
  extra?.(stack, firewall);
  return { app, stack, firewall, template: Template.fromStack(stack) };
}

function newFirewall(props: Partial<WebFirewallProps>): () => WebFirewall {
  return () => {
    const stack = new Stack(new App(), 'Edge', { env: ENV });
    return new WebFirewall(stack, 'Firewall', { logsKey: new LogsKey(stack, 'LogsKey').key, ...props });
  };
}

function rules(template: Template): any[] {
  const acls = template.findResources('AWS::WAFv2::WebACL');
  const [acl] = Object.values(acls);
  return lower(acl.Properties.Rules);
}

function rule(template: Template, name: string): any {
  const found = rules(template).find((r) => r.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

/** CloudFormation keys whose camelCase L1 prop name is not just a lowered first letter. */
const L1_NAMES: Record<string, string> = {
  IP: 'ip',
  AWSManagedRulesBotControlRuleSet: 'awsManagedRulesBotControlRuleSet',
  AWSManagedRulesATPRuleSet: 'awsManagedRulesAtpRuleSet',
};

/** Template JSON keys are PascalCase; the tests read them camelCase like the L1 props. */
function lower(value: any): any {
  if (Array.isArray(value)) return value.map(lower);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [L1_NAMES[k] ?? k.charAt(0).toLowerCase() + k.slice(1), lower(v)]));
  }
  return value;
}

function albAndStage(stack: Stack): { alb: elbv2.ApplicationLoadBalancer; api: apigateway.RestApi } {
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0 });
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET', new apigateway.MockIntegration());
  return { alb, api };
}

describe('WebFirewall', () => {
  describe('defaults', () => {
    const { template, firewall, app } = build();

    test('is a REGIONAL web ACL that allows by default, with metrics and sampled requests on the ACL and on every rule', () => {
      // GIVEN the defaults / THEN
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: firewall.webAclName },
      });
      for (const r of rules(template)) {
        expect(r.visibilityConfig).toEqual({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: r.name });
      }
    });

    test('has at least two rate-based rules: global per IP and a tighter per-IP limit scoped down to the auth paths', () => {
      const rateRules = rules(template).filter((r: any) => r.statement.rateBasedStatement);
      expect(rateRules.length).toBeGreaterThanOrEqual(2);

      const global = rule(template, 'RateLimitPerIp').statement.rateBasedStatement;
      expect(global).toEqual({ aggregateKeyType: 'IP', limit: 2000, evaluationWindowSec: 300 });

      const auth = rule(template, 'RateLimitAuthPaths').statement.rateBasedStatement;
      expect(auth.aggregateKeyType).toBe('IP');
      expect(auth.limit).toBe(50);
      expect(auth.limit).toBeLessThan(global.limit / 10);
      const matches = auth.scopeDownStatement.orStatement.statements.map((s: any) => s.byteMatchStatement);
      expect(matches).toEqual(['/auth/', '/login'].map((searchString) => ({
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'STARTS_WITH',
        searchString,
        textTransformations: [{ priority: 0, type: 'URL_DECODE' }, { priority: 1, type: 'NORMALIZE_PATH' }, { priority: 2, type: 'LOWERCASE' }],
      })));
    });

    /** What AWS WAF does to the URI path for each transformation the scope-down names (the documented behaviour). */
    function transform(type: string, path: string): string {
      switch (type) {
        case 'URL_DECODE': return path.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        case 'NORMALIZE_PATH': return posix.normalize(path);
        case 'LOWERCASE': return path.toLowerCase();
        default: throw new Error(`no emulation of ${type}`);
      }
    }
    /** Whether the synthesized auth-path scope-down matches a raw request path. */
    function authRuleMatches(path: string): boolean {
      const statements = rule(template, 'RateLimitAuthPaths').statement.rateBasedStatement.scopeDownStatement.orStatement.statements;
      return statements.some(({ byteMatchStatement: b }: any) => {
        const seen = [...b.textTransformations].sort((x: any, y: any) => x.priority - y.priority).reduce((p: string, t: any) => transform(t.type, p), path);
        return b.positionalConstraint === 'STARTS_WITH' && seen.startsWith(b.searchString);
      });
    }

    test.each(['/auth/token', '/AUTH/Token', '/%61uth/token', '/%41UTH%2Frefresh', '//auth/token', '/./auth/token', '/notes/../auth/token', '//%6cogin'])(
      'fails if the auth-path limit misses %s (encoded, doubled or dotted spellings API Gateway may still route)', (path) => {
        expect(authRuleMatches(path)).toBe(true);
      });

    test.each(['/notes', '/health', '/authx', '/notes/auth/token'])('the auth-path limit leaves %s to the global limit', (path) => {
      expect(authRuleMatches(path)).toBe(false);
    });

    test('the auth-path limit is evaluated before the global limit', () => {
      expect(rule(template, 'RateLimitAuthPaths').priority).toBeLessThan(rule(template, 'RateLimitPerIp').priority);
    });

    test('rate-limited requests get a 429 with Retry-After (the window) and a JSON body', () => {
      for (const name of ['RateLimitAuthPaths', 'RateLimitPerIp']) {
        expect(rule(template, name).action).toEqual({
          block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rate-limited', responseHeaders: [{ name: 'Retry-After', value: '300' }] } },
        });
      }
      const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0];
      const body = acl.Properties.CustomResponseBodies['rate-limited'];
      expect(body.ContentType).toBe('APPLICATION_JSON');
      expect(JSON.parse(body.Content)).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('Retry-After') } });
    });

    test('runs the five AWS managed rule groups in BLOCK (override none)', () => {
      const managed = rules(template).filter((r: any) => r.statement.managedRuleGroupStatement);
      expect(managed.map((r: any) => r.statement.managedRuleGroupStatement.name)).toEqual(DEFAULT_GROUPS);
      for (const r of managed) {
        expect(r.statement.managedRuleGroupStatement.vendorName).toBe('AWS');
        expect(r.overrideAction).toEqual({ none: {} });
      }
    });

    test('paid groups (Bot Control, ATP) are off unless opted in', () => {
      const names = rules(template).map((r) => r.name);
      expect(names).not.toContain('AWS-AWSManagedRulesBotControlRuleSet');
      expect(names).not.toContain('AWS-AWSManagedRulesATPRuleSet');
    });

    test('blocks bodies over 8 KiB, and bodies too large to inspect, with 413, before the inspection groups', () => {
      const r = rule(template, 'BodySizeLimit');
      expect(r.statement.sizeConstraintStatement).toEqual({
        fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
        comparisonOperator: 'GT',
        size: 8192,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      });
      expect(r.action).toEqual({ block: { customResponse: { responseCode: 413, customResponseBodyKey: 'payload-too-large' } } });
      expect(r.priority).toBeLessThan(rule(template, 'AWS-AWSManagedRulesCommonRuleSet').priority);
    });

    test("the CommonRuleSet's fixed 8 KB body rule is counted, replaced by the body-size rule", () => {
      expect(rule(template, 'AWS-AWSManagedRulesCommonRuleSet').statement.managedRuleGroupStatement.ruleActionOverrides)
        .toEqual([{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]);
    });

    test('logs to a KMS-encrypted aws-waf-logs-* group for a year, redacting authorization and cookie', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      });
      template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
        ResourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Firewall'), 'Arn'] },
        LogDestinationConfigs: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^FirewallLogs'), 'Arn'] }],
        RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
      });
    });

    test('computes the WCU of each default rule and the total (1,244, under the 1,500 budget)', () => {
      expect(firewall.ruleCapacities).toEqual({
        'AWS-AWSManagedRulesAmazonIpReputationList': 25,
        'AWS-AWSManagedRulesAnonymousIpList': 50,
        'RateLimitAuthPaths': 66,
        'RateLimitPerIp': 2,
        'BodySizeLimit': 1,
        'AWS-AWSManagedRulesCommonRuleSet': 700,
        'AWS-AWSManagedRulesKnownBadInputsRuleSet': 200,
        'AWS-AWSManagedRulesSQLiRuleSet': 200,
      });
      expect(firewall.capacity).toBe(1244);
    });

    test('passes every rule pack', () => {
      expect(formatFindings(ruleFindings(app))).toBe('');
    });

    test('adds no warnings', () => {
      Annotations.fromStack(firewall.node.scope as Stack).hasNoWarning('*', Match.anyValue());
    });
  });

  describe('associations', () => {
    test('one ACL protects an ALB and an API Gateway REST stage, with associations in its own scope', () => {
      // GIVEN
      let albId = '';
      let stageId = '';
      const { template, firewall, stack, app } = build({}, (s, fw) => {
        const { alb, api } = albAndStage(s);
        // WHEN
        fw.associateLoadBalancer(alb);
        fw.associateStage(api.deploymentStage);
        albId = s.getLogicalId(alb.node.defaultChild as elbv2.CfnLoadBalancer);
        stageId = s.getLogicalId(api.deploymentStage.node.defaultChild as apigateway.CfnStage);
      });
      // THEN
      template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 2);
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: { Ref: albId },
        WebACLArn: { 'Fn::GetAtt': [stack.getLogicalId(firewall.webAcl), 'Arn'] },
      });
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':apigateway:'), Match.stringLikeRegexp('/stages/'), { Ref: stageId }])] },
      });
      const associations = firewall.node.children.filter((c) => c instanceof wafv2.CfnWebACLAssociation);
      expect(associations).toHaveLength(2);
      // and the WAF rules of the packs (ALB/stage associated with a web ACL, web ACL logging) are satisfied
      const wafRules = /ALBWAFEnabled|APIGWAssociatedWithWAF|APIG3|WAFv2LoggingEnabled/;
      expect(formatFindings(ruleFindings(app).filter((f) => wafRules.test(f.rule)))).toBe('');
    });

    test('without the associations the packs flag the ALB and the stage (the association is what satisfies them)', () => {
      const { app } = build({}, (s) => { albAndStage(s); });
      const rulesHit = new Set(ruleFindings(app).map((f) => f.rule));
      expect([...rulesHit].some((r) => /ALBWAFEnabled/.test(r))).toBe(true);
      expect([...rulesHit].some((r) => /APIGWAssociatedWithWAF|APIG3/.test(r))).toBe(true);
    });

    test('fails if the same resource is associated twice', () => {
      expect(() => build({}, (s, fw) => {
        const { alb } = albAndStage(s);
        fw.associateLoadBalancer(alb);
        fw.associateLoadBalancer(alb);
      })).toThrow(/invalid associateLoadBalancer\(\).*only one web ACL/);
    });

    test('fails if an ALB is associated while the body limit exceeds the 8 KB an ALB lets WAF inspect', () => {
      expect(() => build({ bodySizeLimit: { maxSize: Size.kibibytes(16) } }, (s, fw) => fw.associateLoadBalancer(albAndStage(s).alb)))
        .toThrow(/invalid bodySizeLimit.maxSize = "16384 bytes".*ALB lets AWS WAF inspect only 8192 bytes/);
    });

    test('one 16 KB ACL may protect a stage and an ALB when asked: on the ALB its body rule blocks every body WAF cannot inspect (over 8 KB)', () => {
      // GIVEN an ACL sized for API Gateway, associated with a stage and, explicitly, with an ALB
      const { template } = build({ bodySizeLimit: { maxSize: Size.kibibytes(16) } }, (s, fw) => {
        const { alb, api } = albAndStage(s);
        fw.associateStage(api.deploymentStage);
        fw.associateLoadBalancer(alb, { albBodyLimitIsInspectionLimit: true });
      });
      // THEN one ACL, two associations, and the body rule blocks oversized bodies (MATCH on oversize): an ALB body over the
      // 8 KB AWS WAF inspects is oversized, so the ALB's effective limit stays 8 KB
      template.resourceCountIs('AWS::WAFv2::WebACL', 1);
      template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 2);
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Rules: Match.arrayWith([Match.objectLike({
          Name: 'BodySizeLimit', Action: { Block: Match.anyValue() },
          Statement: { SizeConstraintStatement: Match.objectLike({ FieldToMatch: { Body: { OversizeHandling: 'MATCH' } }, ComparisonOperator: 'GT', Size: 16 * 1024 }) },
        })]),
      });
    });

    test('fails if a stage is associated while the body limit exceeds the API Gateway inspection limit', () => {
      expect(() => build({ bodySizeLimit: { maxSize: Size.kibibytes(32) } }, (s, fw) => fw.associateStage(albAndStage(s).api.deploymentStage)))
        .toThrow(/invalid bodySizeLimit.maxSize = "32768 bytes".*raise apiGatewayBodyInspectionLimit/);
    });

    test('a larger API Gateway inspection limit renders associationConfig and admits a larger body limit', () => {
      const { template } = build({ bodySizeLimit: { maxSize: Size.kibibytes(32) }, apiGatewayBodyInspectionLimit: ApiGatewayBodyInspectionLimit.KB_32 },
        (s, fw) => fw.associateStage(albAndStage(s).api.deploymentStage));
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        AssociationConfig: { RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_32' } } },
      });
      expect(rule(template, 'BodySizeLimit').statement.sizeConstraintStatement.size).toBe(32768);
    });
  });

  describe('COUNT overrides for rollout', () => {
    test('managedRulesMode COUNT overrides every managed group to count, with a warning', () => {
      const { template, stack } = build({ managedRulesMode: FirewallRuleMode.COUNT });
      const managed = rules(template).filter((r: any) => r.statement.managedRuleGroupStatement);
      expect(managed).toHaveLength(5);
      for (const r of managed) expect(r.overrideAction).toEqual({ count: {} });
      Annotations.fromStack(stack).hasWarning('/Edge/Firewall', Match.stringLikeRegexp('managedRules.*COUNT'));
    });

    test('one group can be COUNT while the others block', () => {
      const { template } = build({ managedRules: { common: { mode: FirewallRuleMode.COUNT } } });
      expect(rule(template, 'AWS-AWSManagedRulesCommonRuleSet').overrideAction).toEqual({ count: {} });
      expect(rule(template, 'AWS-AWSManagedRulesSQLiRuleSet').overrideAction).toEqual({ none: {} });
    });

    test('single rules inside a group can be overridden', () => {
      const { template } = build({ managedRules: { anonymousIp: { ruleActionOverrides: { HostingProviderIPList: ManagedRuleOverrideAction.COUNT } } } });
      expect(rule(template, 'AWS-AWSManagedRulesAnonymousIpList').statement.managedRuleGroupStatement.ruleActionOverrides)
        .toEqual([{ name: 'HostingProviderIPList', actionToUse: { count: {} } }]);
    });

    test('rate-based and body-size rules can count instead of block', () => {
      const { template } = build({ rateLimit: { mode: FirewallRuleMode.COUNT }, authRateLimit: { mode: FirewallRuleMode.COUNT }, bodySizeLimit: { mode: FirewallRuleMode.COUNT } });
      for (const name of ['RateLimitPerIp', 'RateLimitAuthPaths', 'BodySizeLimit']) expect(rule(template, name).action).toEqual({ count: {} });
      // with its own body rule only counting, the CommonRuleSet keeps blocking oversized bodies
      expect(rule(template, 'AWS-AWSManagedRulesCommonRuleSet').statement.managedRuleGroupStatement.ruleActionOverrides).toBeUndefined();
    });

    test('paid groups in COUNT (their own mode or managedRulesMode) only count, each with a warning', () => {
      const { template, stack } = build({
        managedRulesMode: FirewallRuleMode.COUNT,
        botControl: {},
        accountTakeoverPrevention: { loginPath: '/auth/token' },
        capacityBudget: 1400,
      });
      for (const name of ['AWS-AWSManagedRulesBotControlRuleSet', 'AWS-AWSManagedRulesATPRuleSet']) {
        expect(rule(template, name).overrideAction).toEqual({ count: {} });
      }
      const annotations = Annotations.fromStack(stack);
      annotations.hasWarning('/Edge/Firewall', Match.stringLikeRegexp('^botControl.mode is COUNT.*web-firewall:bot-control-mode-count'));
      annotations.hasWarning('/Edge/Firewall',
        Match.stringLikeRegexp('^accountTakeoverPrevention.mode is COUNT.*web-firewall:account-takeover-prevention-mode-count'));
    });

    test('switching off a default group warns', () => {
      const { template, stack } = build({ managedRules: { sqlDatabase: { enabled: false } } });
      expect(rules(template).map((r) => r.name)).not.toContain('AWS-AWSManagedRulesSQLiRuleSet');
      Annotations.fromStack(stack).hasWarning('/Edge/Firewall', Match.stringLikeRegexp('sqlDatabase is off'));
    });

    test('fails if a rule action override is not a WAF action', () => {
      expect(newFirewall({ managedRules: { common: { ruleActionOverrides: { NoUserAgent_HEADER: 'IGNORE' as never } } } }))
        .toThrow(/invalid managedRules.common.ruleActionOverrides = \{"NoUserAgent_HEADER":"IGNORE"\}/);
    });
  });

  describe('options', () => {
    test('configurable limits, windows and auth paths (lowercased); Retry-After follows the window', () => {
      const { template } = build({
        rateLimit: { limit: 500, evaluationWindow: Duration.minutes(10) },
        authRateLimit: { limit: 10, evaluationWindow: Duration.minutes(1), paths: ['/Auth/Token'] },
      });
      expect(rule(template, 'RateLimitPerIp').statement.rateBasedStatement).toMatchObject({ limit: 500, evaluationWindowSec: 600 });
      const auth = rule(template, 'RateLimitAuthPaths');
      expect(auth.statement.rateBasedStatement).toMatchObject({ limit: 10, evaluationWindowSec: 60 });
      expect(auth.statement.rateBasedStatement.scopeDownStatement.byteMatchStatement.searchString).toBe('/auth/token');
      expect(auth.action.block.customResponse.responseHeaders).toEqual([{ name: 'Retry-After', value: '60' }]);
    });

    test('header-keyed limit with custom keys; its headers are redacted from the logs', () => {
      const { template, firewall } = build({ headerRateLimit: { headerNames: ['Authorization', 'x-api-key'], perIp: true, limit: 100 } });
      expect(rule(template, 'RateLimitPerHeader').statement.rateBasedStatement).toEqual({
        aggregateKeyType: 'CUSTOM_KEYS',
        limit: 100,
        evaluationWindowSec: 300,
        customKeys: [
          { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
          { header: { name: 'x-api-key', textTransformations: [{ priority: 0, type: 'NONE' }] } },
          { ip: {} },
        ],
      });
      expect(rule(template, 'RateLimitPerHeader').action.block.customResponse.responseCode).toBe(429);
      expect(firewall.ruleCapacities.RateLimitPerHeader).toBe(2 + 3 * 30);
      template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
        RedactedFields: [
          { SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }, { SingleHeader: { Name: 'x-api-key' } },
        ],
      });
    });

    test('IP allow and deny sets (IPv4 and IPv6) and geo blocking', () => {
      const { template } = build({ allowedCidrs: ['203.0.113.0/24'], blockedCidrs: ['198.51.100.0/24', '2001:db8::/32'], blockedCountries: ['KP'] });
      template.resourceCountIs('AWS::WAFv2::IPSet', 3);
      template.hasResourceProperties('AWS::WAFv2::IPSet', { Scope: 'REGIONAL', IPAddressVersion: 'IPV6', Addresses: ['2001:db8::/32'] });
      expect(rule(template, 'IpAllowList').action).toEqual({ allow: {} });
      expect(rule(template, 'IpAllowList').priority).toBe(0);
      expect(rule(template, 'IpDenyList').statement.orStatement.statements).toHaveLength(2);
      expect(rule(template, 'IpDenyList').action.block.customResponse.responseCode).toBe(403);
      expect(rule(template, 'GeoBlock').statement).toEqual({ geoMatchStatement: { countryCodes: ['KP'] } });
    });

    test('allowedCountries blocks every other country', () => {
      const { template } = build({ allowedCountries: ['DE', 'FR'] });
      expect(rule(template, 'GeoAllowOnly').statement).toEqual({ notStatement: { statement: { geoMatchStatement: { countryCodes: ['DE', 'FR'] } } } });
    });

    test('optional free groups and paid groups are opt-in', () => {
      const { template, firewall } = build({
        managedRules: { linux: { enabled: true } },
        botControl: { inspectionLevel: BotControlInspectionLevel.TARGETED },
        accountTakeoverPrevention: { loginPath: '/auth/token' },
        capacityBudget: 1600,
      });
      expect(rule(template, 'AWS-AWSManagedRulesLinuxRuleSet').overrideAction).toEqual({ none: {} });
      expect(rule(template, 'AWS-AWSManagedRulesBotControlRuleSet').statement.managedRuleGroupStatement.managedRuleGroupConfigs)
        .toEqual([{ awsManagedRulesBotControlRuleSet: { inspectionLevel: 'TARGETED', enableMachineLearning: true } }]);
      expect(rule(template, 'AWS-AWSManagedRulesATPRuleSet').statement.managedRuleGroupStatement.managedRuleGroupConfigs).toEqual([{
        awsManagedRulesAtpRuleSet: {
          loginPath: '/auth/token',
          requestInspection: { payloadType: 'JSON', usernameField: { identifier: '/username' }, passwordField: { identifier: '/password' } },
        },
      }]);
      expect(firewall.capacity).toBe(1244 + 200 + 50 + 50);
    });

    test('account takeover prevention with a form-encoded login inspects form field names', () => {
      const { template } = build({
        accountTakeoverPrevention: { loginPath: '/login', payloadType: LoginPayloadType.FORM_ENCODED },
      });
      expect(rule(template, 'AWS-AWSManagedRulesATPRuleSet').statement.managedRuleGroupStatement.managedRuleGroupConfigs).toEqual([{
        awsManagedRulesAtpRuleSet: {
          loginPath: '/login',
          requestInspection: { payloadType: 'FORM_ENCODED', usernameField: { identifier: 'username' }, passwordField: { identifier: 'password' } },
        },
      }]);
    });

    test('authRateLimit reports the enforced per-IP limit on the authentication paths, its window as a Duration', () => {
      const { firewall } = build({ authRateLimit: { limit: 20, evaluationWindow: Duration.minutes(2) } });
      expect(firewall.authRateLimit.limit).toBe(20);
      expect(firewall.authRateLimit.evaluationWindow.toSeconds()).toBe(120);
      expect(build().firewall.authRateLimit.evaluationWindow.toSeconds()).toBe(300);
      // the reported limit is a new copy each read (extensible, as jsii needs), so changing it changes nothing;
      // the capacities are a read-only view of what the ACL enforces
      const reported = firewall.authRateLimit as { limit: number };
      reported.limit = 1;
      expect(firewall.authRateLimit.limit).toBe(20);
      expect(Object.isFrozen(firewall.ruleCapacities)).toBe(true);
    });

    test('metric helpers read AWS/WAFV2 with the WebACL, Region and Rule dimensions', () => {
      const { firewall } = build();
      const blocked = firewall.metricBlockedRequests();
      expect(blocked.namespace).toBe('AWS/WAFV2');
      expect(blocked.metricName).toBe('BlockedRequests');
      expect(blocked.dimensions).toEqual({ WebACL: firewall.webAclName, Region: 'eu-west-1', Rule: 'ALL' });
      expect(blocked.statistic).toBe('Sum');
      const allowed = firewall.metricAllowedRequests({ rule: 'RateLimitPerIp' });
      expect(allowed.metricName).toBe('AllowedRequests');
      expect(allowed.dimensions).toMatchObject({ Rule: 'RateLimitPerIp' });
      expect(firewall.ruleNames).toContain('RateLimitPerIp');
    });
  });

  describe('capacity (WCU)', () => {
    test('fails if the configured rules need more WCU than the budget, naming the total and each rule', () => {
      expect(newFirewall({ managedRules: { linux: { enabled: true }, windows: { enabled: true } } }))
        .toThrow(/invalid capacityBudget = 1500\. The configured rules need 1644 WCU \(.*AWS-AWSManagedRulesCommonRuleSet=700.*\), over the budget of 1500\. Fix: /);
    });

    test('a raised budget admits more rules', () => {
      expect(newFirewall({ managedRules: { linux: { enabled: true }, windows: { enabled: true } }, capacityBudget: 2000 })().capacity).toBe(1644);
    });

    test('fails if the budget is above the 5,000 WCU AWS allows', () => {
      expect(newFirewall({ capacityBudget: 6000 })).toThrow(/invalid capacityBudget = 6000\. Fix: use a whole number from 1 to 5000/);
    });

    test('statement costs follow the AWS WAF developer guide', () => {
      const byte = (positionalConstraint: string, fieldToMatch: object, types: string[]) => ({
        byteMatchStatement: { fieldToMatch, positionalConstraint, searchString: 'x', textTransformations: types.map((type, priority) => ({ priority, type })) },
      });
      expect(statementCapacity(byte('STARTS_WITH', { uriPath: {} }, ['NONE']))).toBe(2);
      expect(statementCapacity(byte('CONTAINS', { uriPath: {} }, ['LOWERCASE', 'URL_DECODE']))).toBe(10 + 20);
      expect(statementCapacity(byte('EXACTLY', { allQueryArguments: {} }, ['NONE']))).toBe(2 + 10);
      expect(statementCapacity(byte('EXACTLY', { jsonBody: { matchPattern: { all: {} }, matchScope: 'ALL' } }, ['NONE']))).toBe(4);
      expect(statementCapacity({ sizeConstraintStatement: { fieldToMatch: { body: {} }, comparisonOperator: 'GT', size: 1, textTransformations: [{ priority: 0, type: 'NONE' }] } })).toBe(1);
      expect(statementCapacity({ geoMatchStatement: { countryCodes: ['DE'] } })).toBe(1);
      expect(statementCapacity({ rateBasedStatement: { aggregateKeyType: 'CUSTOM_KEYS', limit: 10, customKeys: [{ ip: {} }, { httpMethod: {} }] } })).toBe(62);
      expect(statementCapacity({ managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet' } })).toBe(MANAGED_RULE_GROUP_WCU.AWSManagedRulesCommonRuleSet);
      expect(() => statementCapacity({ xssMatchStatement: { fieldToMatch: { body: {} }, textTransformations: [] } })).toThrow(/Cannot compute the WCU/);
      expect(() => statementCapacity({ managedRuleGroupStatement: { vendorName: 'Acme', name: 'Rules' } })).toThrow(/No known WCU/);
    });
  });

  describe('validation', () => {
    test.each([
      ['rateLimit.limit', { rateLimit: { limit: 9 } }, /invalid rateLimit.limit = 9\. Fix: use a whole number of requests from 10/],
      ['rateLimit.limit (fraction)', { rateLimit: { limit: 10.5 } }, /invalid rateLimit.limit = 10.5/],
      ['authRateLimit.limit', { authRateLimit: { limit: 0 } }, /invalid authRateLimit.limit = 0/],
      ['headerRateLimit.limit', { headerRateLimit: { headerNames: ['x-api-key'], limit: 5 } }, /invalid headerRateLimit.limit = 5/],
    ])('fails if %s is below 10 or not whole', (_name, props, error) => {
      expect(newFirewall(props as Partial<WebFirewallProps>)).toThrow(error);
    });

    test.each([
      ['rateLimit.evaluationWindow', { rateLimit: { evaluationWindow: Duration.seconds(90) } }, /invalid rateLimit.evaluationWindow = "90 seconds"\. Fix: use one of 60, 120, 300, 600 seconds/],
      ['authRateLimit.evaluationWindow', { authRateLimit: { evaluationWindow: Duration.hours(1) } }, /invalid authRateLimit.evaluationWindow = "3600 seconds"/],
      ['headerRateLimit.evaluationWindow', { headerRateLimit: { headerNames: ['a'], evaluationWindow: Duration.seconds(30) } }, /invalid headerRateLimit.evaluationWindow = "30 seconds"/],
    ])('fails if %s is not 60, 120, 300 or 600 seconds', (_name, props, error) => {
      expect(newFirewall(props as Partial<WebFirewallProps>)).toThrow(error);
    });

    test('fails if an auth path does not start with "/"', () => {
      expect(newFirewall({ authRateLimit: { paths: ['auth/'] } })).toThrow(/invalid authRateLimit.paths = "auth\/"\. Fix: use a URI path prefix/);
    });

    test('fails if the account takeover prevention login path does not start with "/" (and keeps its case)', () => {
      expect(newFirewall({ accountTakeoverPrevention: { loginPath: 'auth/token' } })).toThrow(/invalid accountTakeoverPrevention.loginPath = "auth\/token"/);
      const atp = newFirewall({ accountTakeoverPrevention: { loginPath: '/Auth/Token' }, capacityBudget: 1300 })();
      const acl = Template.fromStack(Stack.of(atp)).findResources('AWS::WAFv2::WebACL');
      expect(JSON.stringify(acl)).toContain('"LoginPath":"/Auth/Token"');
    });

    test.each(['/%61uth/', '//auth/', '/x/../auth/', '/./login'])('fails if an auth path is not decoded and normalized (%s never matches)', (path) => {
      expect(newFirewall({ authRateLimit: { paths: [path] } })).toThrow(/invalid authRateLimit.paths = .*Fix: give the decoded, normalized path/);
    });

    test('the auth-path scope-down costs 2 + 2 x (2 + 3 transformations x 10) WCU', () => {
      expect(statementCapacity({ orStatement: { statements: ['/auth/', '/login'].map((searchString) => ({
        byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString,
          textTransformations: [{ priority: 0, type: 'URL_DECODE' }, { priority: 1, type: 'NORMALIZE_PATH' }, { priority: 2, type: 'LOWERCASE' }] },
      })) } })).toBe(64);
    });

    test('fails if there are no auth paths', () => {
      expect(newFirewall({ authRateLimit: { paths: [] } })).toThrow(/invalid authRateLimit.paths = \[\]/);
    });

    test('fails if a header name is not a header token, or there are more than 5 keys', () => {
      expect(newFirewall({ headerRateLimit: { headerNames: ['x api key'] } })).toThrow(/invalid headerRateLimit.headerNames = "x api key"/);
      expect(newFirewall({ headerRateLimit: { headerNames: ['a', 'b', 'c', 'd', 'e'], perIp: true } })).toThrow(/5 aggregation keys/);
      expect(newFirewall({ headerRateLimit: { headerNames: [] } })).toThrow(/invalid headerRateLimit.headerNames = \[\]/);
    });

    test('fails if a CIDR is malformed or /0', () => {
      expect(newFirewall({ blockedCidrs: ['10.0.0.0'] })).toThrow(/invalid blockedCidrs = "10.0.0.0"\. Fix: use CIDR notation/);
      expect(newFirewall({ allowedCidrs: ['0.0.0.0/0'] })).toThrow(/invalid allowedCidrs = "0.0.0.0\/0"/);
      expect(newFirewall({ allowedCidrs: [] })).toThrow(/invalid allowedCidrs = \[\]/);
    });

    test('fails if country codes are not ISO alpha-2, or both geo lists are set', () => {
      expect(newFirewall({ blockedCountries: ['de'] })).toThrow(/invalid blockedCountries = \["de"\]\. Fix: use ISO 3166-1 alpha-2/);
      expect(newFirewall({ blockedCountries: ['KP'], allowedCountries: ['DE'] })).toThrow(/invalid allowedCountries.*not both/);
    });

    test('fails if the body limit is above 64 KiB', () => {
      expect(newFirewall({ bodySizeLimit: { maxSize: Size.kibibytes(128) } })).toThrow(/invalid bodySizeLimit.maxSize = "131072 bytes"/);
    });

    test('fails if the log retention is under a year', () => {
      expect(newFirewall({ logRetention: 30 })).toThrow(/invalid retention = 30/);
    });
  });

  describe('in ApiStack', () => {
    test('dev (sharedWebAcl): one web ACL protects the REST API stage and the ALB, with the 8 KB ALB limit kept by oversize handling', () => {
      // GIVEN the dev stage of the example configuration (sharedWebAcl: true) with its load balancer kept (loadBalancer: true)
      const { stages } = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) });
      const api = stages[0].api;
      const template = Template.fromStack(api);
      // THEN one ACL, associated with the load balancer and every REST API stage
      expect(api.stage.sharedWebAcl).toBe(true);
      expect(api.edgeFirewall).toBe(api.firewall);
      template.resourceCountIs('AWS::WAFv2::WebACL', 1);
      const webAclArn = { 'Fn::GetAtt': [api.getLogicalId(api.firewall.webAcl), 'Arn'] };
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: { Ref: api.getLogicalId(api.loadBalancer!.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer) }, WebACLArn: webAclArn,
      });
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/stages/')])] }, WebACLArn: webAclArn,
      });
      // AND its body rule matches bodies too large to inspect (what keeps the ALB at 8 KB)
      const rule = (api.firewall.webAcl.rules as wafv2.CfnWebACL.RuleProperty[]).find((r) => r.name === 'BodySizeLimit')!;
      const size = (rule.statement as wafv2.CfnWebACL.StatementProperty).sizeConstraintStatement as wafv2.CfnWebACL.SizeConstraintStatementProperty;
      expect(size.fieldToMatch).toEqual({ body: { oversizeHandling: 'MATCH' } });
      expect(size.size).toBe(16 * 1024);
    });

    test('protects the REST API stages with a 16 KB web ACL and the ALB with an 8 KB one, logging at the stage retention', () => {
      // GIVEN the baseline app (prod stage: one web ACL per entry point)
      const { app, stages } = buildTestApp({ stages: ['prod'] });
      const api = stages[0].api;
      const template = Template.fromStack(api);
      // THEN two ACLs (API Gateway lets WAF inspect 16 KB of a body, an ALB only 8 KB), logs kept for the stage's retention,
      // and an association per entry point
      template.resourceCountIs('AWS::WAFv2::WebACL', 2);
      const bodyLimit = (acl: WebFirewall) => (acl.webAcl.rules as wafv2.CfnWebACL.RuleProperty[]).find((r) => r.name === 'BodySizeLimit')!
        .statement as wafv2.CfnWebACL.StatementProperty;
      expect((bodyLimit(api.firewall).sizeConstraintStatement as wafv2.CfnWebACL.SizeConstraintStatementProperty).size).toBe(16 * 1024);
      expect((bodyLimit(api.edgeFirewall!).sizeConstraintStatement as wafv2.CfnWebACL.SizeConstraintStatementProperty).size).toBe(8 * 1024);
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
        RetentionInDays: api.stage.logRetentionDays,
      });
      const webAclArn = { 'Fn::GetAtt': [api.getLogicalId(api.firewall.webAcl), 'Arn'] };
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: { Ref: api.getLogicalId(api.loadBalancer!.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer) },
        WebACLArn: { 'Fn::GetAtt': [api.getLogicalId(api.edgeFirewall!.webAcl), 'Arn'] },
      });
      const stagesInStack = api.node.findAll().filter((c): c is apigateway.CfnStage => c instanceof apigateway.CfnStage);
      expect(stagesInStack.length).toBeGreaterThanOrEqual(1); // the REST API stage (SecureRestApi)
      for (const stage of stagesInStack) {
        template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
          ResourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/stages/'), { Ref: api.getLogicalId(stage) }])] },
          WebACLArn: webAclArn,
        });
      }
      const associations = Object.keys(template.findResources('AWS::WAFv2::WebACLAssociation'));
      expect(associations).toHaveLength(1 + stagesInStack.length);
      // and no WAF-related rule-pack finding remains in the stack
      const wafRules = /ALBWAFEnabled|APIGWAssociatedWithWAF|APIG3|WAFv2LoggingEnabled/;
      expect(formatFindings(ruleFindings(app).filter((f) => wafRules.test(f.rule)))).toBe('');
    });
  });
});
