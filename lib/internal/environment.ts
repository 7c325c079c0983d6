import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalidProp } from './errors';

/** Lambda's limit on all environment variables of a function together (names and values), in bytes. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What an unresolved value (an ARN, an id, an endpoint) is assumed to take once deployed, in bytes. */
const UNRESOLVED_VALUE_BYTES = 128;

/** Bytes the variables take in Lambda's count (names + values; unresolved values estimated). */
export function lambdaEnvironmentBytes(environment: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(environment)) bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  return bytes;
}

/** Bytes one value takes (an unresolved value estimated). */
function valueBytes(value: string): number {
  return Token.isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value, 'utf8');
}

/**
 * Throws at synth (naming the construct, the prop and the fix) when the variables exceed Lambda's 4 KB,
 * which CloudFormation would otherwise only report at deploy time. `largest` names the variable the prop feeds.
 */
export function checkLambdaEnvironmentSize(
  scope: IConstruct, prop: string, environment: Readonly<Record<string, string>>, largest: string,
  fix = 'shorten the table (one route per resource path template, fewer or shorter roles and scopes).',
): void {
  const bytes = lambdaEnvironmentBytes(environment);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const own = Buffer.byteLength(environment[largest] ?? '', 'utf8');
  invalidProp(scope, prop, `${own} bytes in ${largest}`,
    `Fix: the function's environment would take about ${bytes} bytes and Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} for all variables together; ${fix}`);
}

/** The name of the variable whose value takes the most bytes (for the error message), or '' when there is none. */
export function largestVariable(environment: Readonly<Record<string, string>>): string {
  let name = '';
  let size = -1;
  for (const [k, v] of Object.entries(environment)) {
    const bytes = valueBytes(v);
    if (bytes > size) { name = k; size = bytes; }
  }
  return name;
}
