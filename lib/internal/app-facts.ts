/**
 * Facts about the finished app that a construct checks at synth end before it acknowledges a rule-pack finding
 * (see `acknowledgeIfVerified`): each function reads the construct tree with public APIs only and answers "cannot
 * tell" (undefined, or a value that fails the check) whenever a value is a token it cannot compare.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { IConstruct } from 'constructs';

/**
 * The AWS WAF web ACL association in the app whose `resourceArn` is `arn` of `resource` (the ARN attribute of the
 * resource itself, as `WebFirewall.associate()` and a hand-written `CfnWebACLAssociation` pass it), or undefined.
 * Both values are resolved in the resource's own stack, so an association in another stack of the app matches too.
 */
export function webAclAssociationOf(resource: IConstruct, arn: string): wafv2.CfnWebACLAssociation | undefined {
  const stack = Stack.of(resource);
  const target = JSON.stringify(stack.resolve(arn));
  for (const node of resource.node.root.node.findAll()) {
    if (node instanceof wafv2.CfnWebACLAssociation && JSON.stringify(stack.resolve(node.resourceArn)) === target) return node;
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
  const groupId = JSON.stringify(stack.resolve(securityGroup.securityGroupId));
  const standalone = securityGroup.node.root.node.findAll()
    .filter((n): n is ec2.CfnSecurityGroupIngress => n instanceof ec2.CfnSecurityGroupIngress)
    .filter((n) => n.groupId !== undefined && JSON.stringify(stack.resolve(n.groupId)) === groupId)
    .map((n) => stack.resolve({ ipProtocol: n.ipProtocol, fromPort: n.fromPort, toPort: n.toPort }) as IngressRule);
  return [...(inline ?? []), ...standalone];
}

/** True when every rule admits exactly one TCP port from `ports` (no port range, no other protocol, no token). */
export function onlyTcpPorts(rules: readonly IngressRule[], ports: readonly number[]): boolean {
  return rules.every((r) => r.ipProtocol === 'tcp' && typeof r.fromPort === 'number' && r.fromPort === r.toPort
    && !Token.isUnresolved(r.fromPort) && ports.includes(r.fromPort));
}
