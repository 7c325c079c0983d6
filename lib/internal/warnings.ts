import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { BaselineError, BaselineErrorCode } from './errors';

/** Every synth warning of this library starts with the package name, like aws-cdk-lib's `@aws-cdk/<module>:<id>`. */
export const WARNING_ID_PREFIX = 'aws-security-baseline/';

/** `aws-security-baseline/<construct>:<warning>`, both parts kebab-case (lower-case letters and digits, single hyphens). */
export const WARNING_ID = /^aws-security-baseline\/[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Adds a synth warning with an id in the library's one style: `warn(this, 'tls-load-balancer:deletion-protection-off', ...)`
 * records `aws-security-baseline/tls-load-balancer:deletion-protection-off`. Users acknowledge it with
 * `Acknowledgements.of(scope).add('Annotation::<that id>', reason)`.
 */
export function warn(scope: IConstruct, id: string, message: string): void {
  const full = `${WARNING_ID_PREFIX}${id}`;
  if (!WARNING_ID.test(full)) {
    throw new BaselineError(BaselineErrorCode.ASSUMPTION_FAILED, `${scope.node.path}: warning id "${full}" does not match ${WARNING_ID}. Fix: use "<construct>:<warning>" in kebab-case.`);
  }
  Annotations.of(scope).addWarningV2(full, message);
}

/** `managedRules.anonymousIp.mode` -> `managed-rules-anonymous-ip-mode`: a prop path as one kebab-case warning id part. */
export function kebabCase(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
}
