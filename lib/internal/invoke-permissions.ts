import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { acknowledge, acknowledgeIfVerified } from './acknowledge';

/** The Control Tower rule (CT.LAMBDA.PR.2) that cannot evaluate a SourceArn built with Fn::Join. */
const PUBLIC_ACCESS_RULE = 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check';

/**
 * Acknowledges CT.LAMBDA.PR.2 on one Lambda invoke permission when it is scoped: a service principal
 * (`*.amazonaws.com`) limited to a SourceArn. The static rule accepts only a literal string or a local Ref as
 * SourceArn, while API Gateway permissions name the API's execute-api ARN through Fn::Join. Decided at synth end
 * (an authorizer's ARN resolves only once the authorizer is attached to an API).
 */
export function acknowledgeScopedInvokePermission(permission: lambda.CfnPermission): void {
  acknowledgeIfVerified(permission, [PUBLIC_ACCESS_RULE], () => {
    const principal = Stack.of(permission).resolve(permission.principal);
    if (typeof principal !== 'string' || !principal.endsWith('.amazonaws.com') || permission.sourceArn === undefined) return undefined;
    const sourceArn = Stack.of(permission).resolve(permission.sourceArn) as unknown;
    // A literal SourceArn the static check reads itself; only an ARN built with Fn::Join needs the acknowledgement.
    if (typeof sourceArn !== 'object' || sourceArn === null || !('Fn::Join' in sourceArn)) return undefined;
    const what = JSON.stringify(sourceArn).includes(':execute-api:') ? 'an execute-api ARN of one REST API' : 'a source ARN';
    return `Only ${principal} may invoke the function, and only for the SourceArn set on this permission (${what}, checked at synth); ` +
      'the ARN is built with Fn::Join, which the static check cannot evaluate.';
  });
}

/**
 * Acknowledges CT.LAMBDA.PR.2 on a service invoke permission limited to the stack's own account (SourceAccount =
 * AWS::AccountId), which the static rule cannot evaluate either.
 */
export function acknowledgeAccountScopedInvokePermission(permission: lambda.CfnPermission): void {
  const principal = Stack.of(permission).resolve(permission.principal);
  const account = Stack.of(permission).resolve(permission.sourceAccount) as unknown;
  acknowledge(permission, PUBLIC_ACCESS_RULE, typeof account === 'string'
    ? `Only ${principal} acting for account ${account} (SourceAccount, the stack's own account) may invoke the function.`
    : `Only ${principal} acting for this account (SourceAccount = AWS::AccountId) may invoke the function; the account is the stack's own pseudo parameter, which the static check cannot evaluate.`);
}

/** {@link acknowledgeScopedInvokePermission} on every invoke permission in `scope`'s subtree. */
export function acknowledgeScopedInvokePermissions(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    if (node instanceof lambda.CfnPermission) acknowledgeScopedInvokePermission(node);
  }
}
