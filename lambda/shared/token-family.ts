/**
 * The token family: what a logout revokes and what the API entries check. All
 * access tokens minted from one sign-in share it, so recording it once ends
 * every one of them, including tokens refreshed after the one presented.
 */

import { asciiClass, consistsOf } from '../../lib/contracts/ascii';

/** Printable ASCII without the space. */
const FAMILY = asciiClass('\x21-\x7e');

/**
 * The family of a verified token's claims: Cognito's `origin_jti` (shared by every token minted from one
 * refresh token), else the OIDC session id `sid` (every token of the session), else the token's own `jti`
 * (only that token). Undefined when the token carries none of them as a printable string of at most 256
 * characters: such a token cannot be revoked before it expires.
 */
export function tokenFamily(claims: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of ['origin_jti', 'sid', 'jti'] as const) {
    const value = claims[name];
    if (typeof value === 'string' && consistsOf(value, FAMILY, 1, 256)) return `${name === 'jti' ? 'jti' : name === 'sid' ? 'sid' : 'oj'}:${value}`;
  }
  return undefined;
}
