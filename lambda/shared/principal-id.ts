/**
 * The principalId the authorizer answers for a subject, and the check the handlers make of it. API Gateway
 * writes principalId into the access log (`$context.authorizer.principalId`) without escaping it, so a subject
 * with a quote, a backslash, a space or a non-ASCII character is replaced by a hash there; the handlers get the
 * exact subject in the authorizer context (which API Gateway JSON-encodes) and accept either form.
 */
import { createHash } from 'crypto';
import { asciiClass, consistsOf } from '../../lib/contracts/ascii';

/**
 * A subject that may be the principalId as it is: every character is safe in a JSON string without escaping.
 * A quote or backslash in a subject an external issuer lets users choose could otherwise add or overwrite fields of
 * the access log line (log forging).
 */
const LOG_SAFE_SUB = asciiClass('A-Za-z0-9_.:@|+=/-');

/**
 * The prefix of a hashed principalId. `#` is not in the log-safe alphabet, so no subject that is passed through
 * as it is can equal a hashed principalId, and the two forms never collide.
 */
export const HASHED_PRINCIPAL_PREFIX = '#sha256:';

/** The hashed form: the prefix and the first 32 hex digits (128 bits) of the subject's SHA-256 in UTF-8. */
function hashedPrincipalId(sub: string): string {
  return `${HASHED_PRINCIPAL_PREFIX}${createHash('sha256').update(sub, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The principalId for a subject: the subject itself when every character is safe in a JSON string without
 * escaping, otherwise the hashed form (stable per subject, so the log can still be correlated).
 */
export function logSafePrincipalId(sub: string): string {
  return consistsOf(sub, LOG_SAFE_SUB, 1, 256) ? sub : hashedPrincipalId(sub);
}

/**
 * Whether a principalId is the one the authorizer answers for this subject: the subject itself, or the hashed form
 * of exactly this subject (for a subject that is not log-safe). Anything else is an inconsistent identity.
 */
export function isPrincipalIdOf(principalId: string, sub: string): boolean {
  if (principalId === sub) return true;
  return principalId.startsWith(HASHED_PRINCIPAL_PREFIX) && principalId === hashedPrincipalId(sub);
}
