import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * How cdk-nag writes a value into a finding id, for example the resource of `AwsSolutions-IAM5[Resource::<text>]`:
 * the value is resolved in the stack of `scope`, then `Ref` becomes `<LogicalId>` (`<AWS::Region>` for a pseudo
 * parameter), `Fn::GetAtt` becomes `<LogicalId.Attribute>`, `Fn::Join` joins its parts, `Fn::Sub` turns `${x}` into
 * `<x>`, `Fn::ImportValue` shows the export name, and anything else is its JSON.
 *
 * Acknowledge a finding with the text of the very value the resource uses (`nagText(role, arn)` for the ARN in the
 * policy), never with an ARN written out a second time: the acknowledgement then follows the policy when it changes,
 * for environment-agnostic and concrete stacks alike. It mirrors cdk-nag's own `flattenCfnReference` (a test compares
 * the two), because the library cannot load the optional `cdk-nag` at synth.
 */
export function nagText(scope: IConstruct, value: unknown): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object') {
    const fn = node as Record<string, unknown>;
    if (fn['Fn::Join']) {
      const [delimiter, parts] = fn['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if (fn['Fn::Sub']) return flatten(fn['Fn::Sub']);
    if (fn['Fn::GetAtt']) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (fn['Fn::ImportValue']) return flatten(fn['Fn::ImportValue']);
    if (fn.Ref) return `<${flatten(fn.Ref)}>`;
  }
  return JSON.stringify(node);
}
