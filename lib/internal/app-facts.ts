/**
 * Facts about the finished app that a construct checks at synth end before it acknowledges a rule-pack finding
 * (see `acknowledgeIfVerified`): each function reads the construct tree with public APIs only and answers "cannot
 * tell" (undefined, or a value that fails the check) whenever a value is a token it cannot compare.
 */
import { Stack, Stage, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { IConstruct } from 'constructs';

/**
 * Every construct of the stage (the cloud assembly) that holds `scope`: the constructs that can reference it. A stage
 * nested in a pipeline is a separate assembly, so the walk never crosses into another one.
 */
export function stageConstructs(scope: IConstruct): IConstruct[] {
  return (Stage.of(scope) ?? scope.node.root).node.findAll();
}

/** `value` resolved in `stack`, as JSON for comparison; undefined when it cannot be resolved there (another stage's token). */
export function resolvedJson(stack: Stack, value: unknown): string | undefined {
  try {
    return JSON.stringify(stack.resolve(value));
  } catch {
    return undefined;
  }
}

/**
 * The AWS WAF web ACL association in the app whose `resourceArn` is `arn` of `resource` (the ARN attribute of the
 * resource itself, as `WebFirewall.associateLoadBalancer()`/`associateStage()` and a hand-written `CfnWebACLAssociation` pass it), or undefined.
 * Both values are resolved in the resource's own stack, so an association in another stack of the app matches too.
 */
export function webAclAssociationOf(resource: IConstruct, arn: string): wafv2.CfnWebACLAssociation | undefined {
  const stack = Stack.of(resource);
  const target = resolvedJson(stack, arn);
  if (target === undefined) return undefined;
  for (const node of stageConstructs(resource)) {
    if (node instanceof wafv2.CfnWebACLAssociation && resolvedJson(stack, node.resourceArn) === target) return node;
  }
  return undefined;
}

/** One ingress rule of a security group, as CloudFormation receives it. */
export interface IngressRule {
  readonly ipProtocol: unknown;
  readonly fromPort: unknown;
  readonly toPort: unknown;
}

/**
 * Every ingress rule of the security group: its inline rules and the `AWS::EC2::SecurityGroupIngress` resources of the
 * app that target it (aws-cdk-lib creates those for rules between security groups of different stacks).
 */
export function ingressRules(securityGroup: ec2.SecurityGroup): IngressRule[] {
  const stack = Stack.of(securityGroup);
  const cfn = securityGroup.node.defaultChild as ec2.CfnSecurityGroup;
  const inline = stack.resolve(cfn.securityGroupIngress) as IngressRule[] | undefined;
  const groupId = resolvedJson(stack, securityGroup.securityGroupId);
  const standalone = stageConstructs(securityGroup)
    .filter((n): n is ec2.CfnSecurityGroupIngress => n instanceof ec2.CfnSecurityGroupIngress)
    .filter((n) => n.groupId !== undefined && resolvedJson(stack, n.groupId) === groupId)
    .map((n) => stack.resolve({ ipProtocol: n.ipProtocol, fromPort: n.fromPort, toPort: n.toPort }) as IngressRule);
  return [...(inline ?? []), ...standalone];
}

/** True when every rule admits exactly one TCP port from `ports` (no port range, no other protocol, no token). */
export function onlyTcpPorts(rules: readonly IngressRule[], ports: readonly number[]): boolean {
  return rules.every((r) => r.ipProtocol === 'tcp' && typeof r.fromPort === 'number' && r.fromPort === r.toPort
    && !Token.isUnresolved(r.fromPort) && ports.includes(r.fromPort));
}

/**
 * The reason for Control Tower's `lambda_inside_vpc_check` on a function whose VPC is defined in another stack, when
 * its VpcConfig (read at synth end) names subnets and security groups and the subnet ids are references, which the
 * static template check cannot resolve; undefined otherwise (then the check sees literal ids and needs no help).
 */
export function crossStackVpcReason(cfn: lambda.CfnFunction, vpc: IConstruct, subject: string): string | undefined {
  const config = Stack.of(cfn).resolve(cfn.vpcConfig) as { subnetIds?: unknown[]; securityGroupIds?: unknown[] } | undefined;
  const subnets = config?.subnetIds ?? [];
  if (subnets.length === 0 || (config?.securityGroupIds ?? []).length === 0 || subnets.every((s) => typeof s === 'string')) return undefined;
  return `${subject} runs in a VPC, checked at synth: its VpcConfig names ${subnets.length} subnets and its security groups, and the subnet ids ` +
    `are references to stack ${Stack.of(vpc).stackName} (Fn::ImportValue in this template), which this static template check cannot resolve. ` +
    'cdk-nag LambdaInsideVPC checks the same on the construct.';
}

/**
 * Services that call a function synchronously through its resource policy (the answer, or the error, goes back to
 * them): API Gateway integrations and authorizers, ALB targets, Cognito triggers, and Secrets Manager rotation (the
 * Lambda developer guide: "Secrets Manager invokes the Lambda rotation function as a synchronous invocation").
 */
export const SYNCHRONOUS_INVOKERS: readonly string[] = [
  'apigateway.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'cognito-idp.amazonaws.com', 'secretsmanager.amazonaws.com',
];

/**
 * The services the function's resource policy lets invoke it (its `AWS::Lambda::Permission`s anywhere in the app), or
 * undefined when one of them is not a synchronous invoker, a principal is a token, or the function has an asynchronous
 * invoke configuration: then nothing shows that a dead-letter queue would stay unused.
 */
export function synchronousInvokers(fn: lambda.IFunction): string[] | undefined {
  const stack = Stack.of(fn);
  const ids = new Set([resolvedJson(stack, fn.functionArn), resolvedJson(stack, fn.functionName)]);
  ids.delete(undefined);
  const names = (value: unknown): boolean => { const json = resolvedJson(stack, value); return json !== undefined && ids.has(json); };
  const principals = new Set<string>();
  for (const node of stageConstructs(fn)) {
    if (node instanceof lambda.CfnEventInvokeConfig && names(node.functionName)) return undefined;
    if (node instanceof lambda.CfnPermission && names(node.functionName)) {
      const principal = stack.resolve(node.principal);
      if (typeof principal !== 'string' || !SYNCHRONOUS_INVOKERS.includes(principal)) return undefined;
      principals.add(principal);
    }
  }
  return [...principals].sort();
}
