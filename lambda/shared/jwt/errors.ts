/**
 * Typed errors of the JWT verifier. A rejection carries a stable `reason` code
 * that callers map (and log) without string matching. Messages never contain
 * the token or any part of it.
 */

/** Why a token was rejected. */
export type JwtErrorReason =
  | 'token_missing'
  | 'token_too_large'
  | 'token_malformed'
  | 'header_invalid'
  | 'payload_invalid'
  | 'typ_invalid'
  | 'crit_unsupported'
  | 'alg_not_allowed'
  | 'kid_missing'
  | 'kid_unknown'
  | 'alg_key_mismatch'
  | 'signature_invalid'
  | 'iss_invalid'
  | 'aud_invalid'
  | 'token_use_invalid'
  | 'sub_invalid'
  | 'claim_invalid'
  | 'exp_missing'
  | 'expired'
  | 'nbf_future'
  | 'iat_missing'
  | 'iat_future'
  | 'token_too_old'
  | 'jwks_unavailable';

/** Every rejection of a token. */
export class JwtError extends Error {
  /** Stable machine-readable reason. */
  public readonly reason: JwtErrorReason;

  constructor(reason: JwtErrorReason, message: string) {
    // A rejection is an expected outcome, not a bug: skip the stack trace (it costs more than deciding the rejection).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'JwtError';
    this.reason = reason;
  }
}

const SHARED = new Map<JwtErrorReason, JwtError>();

/**
 * The shared, frozen {@link JwtError} of a reason (its message is the reason code). Rejections then allocate nothing,
 * which keeps a flood of bad tokens cheap, and no rejection can carry any part of a token. What each reason means is
 * said where the verifier decides it (lambda/shared/jwt/verifier.ts), not in the message: the authorizer logs the
 * reason only, and the bundle stays small.
 */
export function rejection(reason: JwtErrorReason): JwtError {
  let error = SHARED.get(reason);
  if (error === undefined) {
    error = Object.freeze(new JwtError(reason, reason));
    SHARED.set(reason, error);
  }
  return error;
}

/** Missing or unsafe verifier configuration: defined beside the configuration it checks, in the contract module. */
export { JwtConfigError } from '../../../lib/contracts/jwt-config';

/** The JWKS endpoint could not be read or returned an unusable document (never contains key material). */
export class JwksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksError';
  }
}
