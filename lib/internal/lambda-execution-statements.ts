import * as iam from 'aws-cdk-lib/aws-iam';
import type { ManagedPolicyRole } from './managed-policy-role';

/**
 * What Lambda needs to attach a function to its VPC: one elastic network interface per subnet and security group
 * set, created, described and deleted by the Lambda service in the function's name. These actions do not support
 * resource-level permissions, so AWS documents Resource "*" for them (as in AWSLambdaVPCAccessExecutionRole).
 */
export const VPC_NETWORK_INTERFACE_ACTIONS: readonly string[] = Object.freeze([
  'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
]);

/** What a function with active tracing needs to send its segments to X-Ray (no resource-level permissions either). */
export const XRAY_TRACING_ACTIONS: readonly string[] = Object.freeze(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);

/**
 * The statement of a VPC-attached function's execution role that lets Lambda manage its network interfaces.
 * Used by every execution role the library writes itself (SecureFunction, the DatabaseBootstrap provider framework),
 * so the roles cannot drift apart.
 */
export function vpcNetworkInterfaceStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'ManageVpcNetworkInterfaces', actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] });
}

/** The statement of a traced function's execution role that lets it write X-Ray segments and telemetry. */
export function xrayTracingStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'WriteXRayTraces', actions: [...XRAY_TRACING_ACTIONS], resources: ['*'] });
}

/**
 * True when the only actions the role allows on Resource "*" are those of {@link vpcNetworkInterfaceStatement} and
 * {@link xrayTracingStatement}: what an acknowledgement of AwsSolutions-IAM5 `Resource::*` on an execution role claims.
 * A grant added later with a wildcard resource (for example `s3:GetObject` on `*`) makes it false, so that finding
 * reaches the user instead of hiding under the acknowledgement.
 */
export function onlyNetworkAndTracingOnAnyResource(role: ManagedPolicyRole): boolean {
  const allowed = new Set([...VPC_NETWORK_INTERFACE_ACTIONS, ...XRAY_TRACING_ACTIONS, ...ROTATION_ANY_RESOURCE_ACTIONS]);
  const actions = role.anyResourceActions();
  return actions !== undefined && actions.length > 0 && actions.every((a) => allowed.has(a));
}

/**
 * What aws-cdk-lib grants a secret's rotation function on "*": generating a password, an action without resource types.
 * An execution role may hold it beside the ENI and X-Ray actions; {@link rotationNote} names it in the reason.
 */
export const ROTATION_ANY_RESOURCE_ACTIONS: readonly string[] = Object.freeze(['secretsmanager:GetRandomPassword']);

/** The words the IAM5 `Resource::*` reasons add to their list of actions when the role holds the rotation action on "*" (else empty). */
export function rotationNote(role: ManagedPolicyRole): string {
  return (role.anyResourceActions() ?? []).some((a) => ROTATION_ANY_RESOURCE_ACTIONS.includes(a))
    ? ', and secretsmanager:GetRandomPassword, which aws-cdk-lib grants a secret\'s rotation function'
    : '';
}
