import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
import { invalidProp } from '../../internal/errors';
import { SecureLogGroup } from '../logging';
import { BASE_PRICE_WCU, MAX_WEB_ACL_WCU, ruleCapacity } from './capacity';
import { ALB_BODY_INSPECTION_BYTES, defaultCustomResponseBodies, visibility } from './defaults';
import {
  bodySizeRules, FirewallRule, inspectionGroupRules, ipListRules, paidGroupRules, rateLimitRules, reputationGroupRules,
} from './rules';
import { FirewallSettings, validateProps } from './validation';
import { WebFirewallProps } from './web-firewall-props';

/** Options of {@link WebFirewall.associateLoadBalancer}. */
export interface WebFirewallAssociateOptions {
  /**
   * Lets a web ACL whose body-size limit is above 8 KiB (sized for a REST API stage) also protect an ALB. AWS WAF inspects
   * only the first 8 KiB of an ALB request body and the body-size rule matches bodies too large to inspect, so on the ALB
   * every body over 8 KiB is blocked: the same limit as an ACL of its own, with one ACL (and its rules) to pay for.
   * @default false - refused, to make the ALB's effective limit explicit
   */
  readonly albBodyLimitIsInspectionLimit?: boolean;
}

/** A per-IP rate limit the web ACL enforces: requests one client IP address may send per evaluation window. */
export interface WebFirewallRateLimit {
  /** Requests one IP address may send per window. */
  readonly limit: number;
  /** The evaluation window (also the `Retry-After` of the 429). */
  readonly evaluationWindow: Duration;
}

/** Options of the metric helpers. */
export interface WebFirewallMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Rule name (= its metric name); `ALL` for the whole ACL.
   * @default 'ALL'
   */
  readonly rule?: string;
}

/** A rule with its priority, and the WCU it needs. */
interface NumberedRule {
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
  public readonly logGroup: logs.ILogGroup;
  /** The logging configuration. */
  public readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;
  /** WCU the configured rules need (computed at synth). */
  public readonly capacity: number;
  /** WCU of each rule, by rule name, in evaluation order (a frozen object). */
  public readonly ruleCapacities: Record<string, number>;
  /** The rule names in evaluation order (each is also the rule's metric name). */
  public readonly ruleNames: string[];
  private readonly maxBodyBytes: number;
  private readonly authLimit: { readonly limit: number; readonly windowSeconds: number };
  private readonly apiGatewayInspectionBytes: number;
  private readonly associated = new Set<string>();

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);
    const settings = validateProps(this, props);
    this.maxBodyBytes = settings.maxBodyBytes;
    this.apiGatewayInspectionBytes = settings.apiGatewayInspectionBytes;
    this.authLimit = { limit: settings.authRateLimit.limit, windowSeconds: settings.authRateLimit.windowSeconds };

    const rules = this.collectRules(settings);
    this.capacity = this.checkCapacityBudget(rules, settings.capacityBudget);
    this.ruleCapacities = Object.freeze(Object.fromEntries(rules.map((r) => [r.rule.name, r.wcu])));
    this.ruleNames = rules.map((r) => r.rule.name);

    this.webAclName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.webAcl = this.createWebAcl(props, rules);
    this.node.defaultChild = this.webAcl;
    this.webAclArn = this.webAcl.attrArn;

    this.logGroup = this.createLogGroup(props);
    this.loggingConfiguration = this.createLoggingConfiguration(settings.redactedHeaders);
  }
  /**
   * The per-IP limit on authentication paths: requests per `evaluationWindow` (what one client may send there). A new
   * copy each read, so changing it changes nothing the web ACL enforces.
   */
  public get authRateLimit(): WebFirewallRateLimit {
    return { limit: this.authLimit.limit, evaluationWindow: Duration.seconds(this.authLimit.windowSeconds) };
  }


  /**
   * Protects an Application Load Balancer with this web ACL (an association in this construct's scope). One ACL may
   * protect several resources; each resource can have only one ACL. AWS WAF inspects only the first 8 KiB of an ALB
   * request body, so an ACL whose body-size limit is higher is refused unless
   * `options.albBodyLimitIsInspectionLimit` accepts that the ALB's limit is 8 KiB.
   */
  public associateLoadBalancer(loadBalancer: elbv2.IApplicationLoadBalancer, options: WebFirewallAssociateOptions = {}): wafv2.CfnWebACLAssociation {
    if (this.maxBodyBytes > ALB_BODY_INSPECTION_BYTES && options.albBodyLimitIsInspectionLimit !== true) {
      invalidProp(this, 'bodySizeLimit.maxSize', `${this.maxBodyBytes} bytes`,
        `Fix: an ALB lets AWS WAF inspect only ${ALB_BODY_INSPECTION_BYTES} bytes, so every larger body would be blocked anyway; set at most Size.kibibytes(8), or protect the ALB with its own WebFirewall.`);
    }
    return this.associateArn(loadBalancer, 'Alb', loadBalancer.loadBalancerArn);
  }

  /**
   * Protects an API Gateway REST API stage with this web ACL (an association in this construct's scope). One ACL may
   * protect several resources; each resource can have only one ACL. The body-size limit must fit in the body bytes
   * AWS WAF inspects for API Gateway (`apiGatewayBodyInspectionLimit`).
   */
  public associateStage(stage: apigateway.IStage): wafv2.CfnWebACLAssociation {
    if (this.maxBodyBytes > this.apiGatewayInspectionBytes) {
      invalidProp(this, 'bodySizeLimit.maxSize', `${this.maxBodyBytes} bytes`,
        `Fix: AWS WAF inspects ${this.apiGatewayInspectionBytes} bytes of API Gateway bodies; raise apiGatewayBodyInspectionLimit or lower bodySizeLimit.maxSize.`);
    }
    return this.associateArn(stage, 'Stage', stageArn(stage));
  }

  /** The association of `resource` (refused when it already has one from this ACL). */
  private associateArn(resource: IConstruct, kind: 'Alb' | 'Stage', resourceArn: string): wafv2.CfnWebACLAssociation {
    const key = resource.node.path;
    if (this.associated.has(key)) {
      invalidProp(this, `associate${kind === 'Alb' ? 'LoadBalancer' : 'Stage'}()`, key, 'Fix: associate each resource once; a resource can have only one web ACL.');
    }
    this.associated.add(key);
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

  /** Every rule in evaluation order, numbered from priority 0, each with its metric and its WCU. */
  private collectRules(settings: FirewallSettings): NumberedRule[] {
    const rules: FirewallRule[] = [
      ...ipListRules(this, settings),
      ...reputationGroupRules(settings),
      ...rateLimitRules(settings),
      ...bodySizeRules(settings),
      ...inspectionGroupRules(settings),
      ...paidGroupRules(settings),
    ];
    return rules.map(({ name, statement, action, overrideAction }, priority) => {
      const rule: wafv2.CfnWebACL.RuleProperty = {
        name, priority, statement, ...(action ? { action } : {}), ...(overrideAction ? { overrideAction } : {}), visibilityConfig: visibility(name),
      };
      return { rule, wcu: ruleCapacity(rule) };
    });
  }

  /** The WCU the rules need; fails synth, with the breakdown, above the budget, before AWS rejects the ACL at deploy time. */
  private checkCapacityBudget(rules: NumberedRule[], budget: number): number {
    const capacity = rules.reduce((sum, r) => sum + r.wcu, 0);
    if (capacity > budget) {
      const breakdown = rules.map((r) => `${r.rule.name}=${r.wcu}`).join(', ');
      invalidProp(this, 'capacityBudget', budget,
        `The configured rules need ${capacity} WCU (${breakdown}), over the budget of ${budget}. ` +
        `Fix: switch off optional rule groups, or raise capacityBudget (at most ${MAX_WEB_ACL_WCU}; above ${BASE_PRICE_WCU} WCU each 500 WCU costs extra).`);
    }
    return capacity;
  }

  /** The REGIONAL web ACL: allow by default, the rules decide; JSON bodies for the custom responses. */
  private createWebAcl(props: WebFirewallProps, rules: NumberedRule[]): wafv2.CfnWebACL {
    return new wafv2.CfnWebACL(this, 'Resource', {
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
  }

  /** The KMS-encrypted log group; WAF accepts only a destination whose name starts with `aws-waf-logs-`. */
  private createLogGroup(props: WebFirewallProps): logs.ILogGroup {
    return new SecureLogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
    });
  }

  /** Logs every request of the ACL to the log group, with credentials (the redacted headers) left out. */
  private createLoggingConfiguration(redactedHeaders: readonly string[]): wafv2.CfnLoggingConfiguration {
    return new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [...new Set(redactedHeaders)].map((name) => ({ singleHeader: { Name: name } })),
    });
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
