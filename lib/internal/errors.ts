import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Throws an error that names the construct, the prop, the value received and the fix.
 * Use it for every props validation so messages read the same everywhere.
 */
export function invalidProp(scope: IConstruct, prop: string, value: unknown, fix: string): never {
  throw new Error(`${scope.node.path}: invalid ${prop} = ${describe(value)}. ${fix}`);
}

/** Validates a whole-number prop within [min, max], skipping unresolved tokens. */
export function checkRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || !Number.isInteger(value) || value < min || value > max) {
    invalidProp(scope, prop, value, `Fix: use a whole number from ${min} to ${max}.`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}
