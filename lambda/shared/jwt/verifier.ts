import { KeyObject, verify as cryptoVerify } from 'node:crypto';
import { JwtVerifierConfig, validateVerifierConfig } from '../../../lib/contracts/jwt-config';
import { rejection } from './errors';
import { JwksCache, VerificationKey, VerifyPlan } from './jwks';
import { decodeJsonSegment, isCanonicalLength, isCompactJws, isCompactRest } from './parse';
import { verifyPkcs1 } from './pkcs1';

/** The caller, once the token is verified. */
export interface VerifiedIdentity {
  /** The `sub` claim. */
  sub: string;
  /** Roles from the configured roles claim (empty when absent). */
  roles: string[];
  /** Scopes from the space-separated `scope` claim (empty when absent). */
  scopes: string[];
  /** Every claim of the verified payload. */
  claims: Readonly<Record<string, unknown>>;
}

/** Options of {@link JwtVerifier}: injected dependencies. */
export interface JwtVerifierOptions {
  /** Clock in milliseconds since the epoch. @default Date.now */
  now?: () => number;
}

/** Largest token accepted, in characters. */
export const MAX_TOKEN_LENGTH = 8192;

/** `typ` values accepted when present (RFC 7519 / RFC 9068), case-insensitive, optional `application/` prefix. */
const TYP = /^(?:application\/)?(?:jwt|at\+jwt)$/i;
/** The RFC 9068 access-token type (section 2.1), case-insensitive, optional `application/` prefix. */
const ACCESS_TOKEN_TYP = /^(?:application\/)?at\+jwt$/i;
/** Parsed headers kept, keyed by their encoded form (issuers reuse one header per key). */
const HEADER_CACHE_SIZE = 64;
/**
 * Reused buffer for the signing input (crypto.verify is synchronous, so one buffer per process is enough). Three bytes
 * per character: the UTF-8 form of any accepted token fits whole, so the bytes written are its full UTF-8 length.
 */
const SCRATCH = Buffer.allocUnsafe(MAX_TOKEN_LENGTH * 3);
/** The token whose bytes SCRATCH holds, already found to be ASCII ({@link copyAscii}); undefined when none. */
let scratchToken: string | undefined;

/**
 * Copies the token into SCRATCH as UTF-8 and tells whether it is ASCII (only then are the bytes as many as the
 * characters). One native pass that is both the ASCII check of the cached-header path and the signing input's copy.
 */
function copyAscii(token: string): boolean {
  const ascii = SCRATCH.write(token, 0, 'utf8') === token.length;
  scratchToken = ascii ? token : undefined;
  return ascii;
}
/** Reused buffer for the decoded signature (the largest accepted, RSA-8192, is 1 KB; a longer one cannot match a key). */
const SIGNATURE_SCRATCH = Buffer.allocUnsafe(MAX_TOKEN_LENGTH);

interface Header {
  readonly alg: string;
  readonly kid: string;
}

/**
 * Verifies compact JWS tokens (JWTs) signed with an asymmetric key from the
 * issuer's JWKS, on node:crypto only.
 *
 * Order of checks, cheapest first: size and shape (strict base64url, three
 * segments), header (alg allow-list, crit, typ, kid) — decided without touching
 * the payload or the signature —, key lookup and alg/key match, payload
 * (strict JSON object, no duplicate or prototype keys), claims (iss, token_use,
 * aud / client_id, sub, exp, nbf, iat, age), then the signature. `jku`, `x5u`,
 * `jwk` and `x5c` header fields are never read: keys come only from JWKS_URI.
 */
export class JwtVerifier {
  /** The validated configuration. */
  public readonly config: Readonly<JwtVerifierConfig>;
  /** The JWKS cache (shared by every verification of this verifier). */
  public readonly jwks: JwksCache;
  readonly #now: () => number;
  readonly #algorithms: ReadonlySet<string>;
  readonly #audience: readonly string[];
  readonly #skew: number;
  readonly #maxAge: number;
  readonly #requireAccessTokenType: boolean;
  readonly #headers = new Map<string, Header>();

  constructor(config: JwtVerifierConfig, options: JwtVerifierOptions = {}) {
    this.config = Object.freeze(validateVerifierConfig(config));
    this.#now = options.now ?? Date.now;
    this.#algorithms = new Set(this.config.algorithms);
    this.#audience = Object.freeze([...this.config.audience]);
    this.#skew = this.config.clockSkewSeconds;
    this.#maxAge = this.config.maxTokenAgeSeconds;
    this.#requireAccessTokenType = this.config.requireAccessTokenType === true;
    this.jwks = new JwksCache(this.config.jwksUri, {
      algorithms: this.config.algorithms,
      refetchIntervalMs: (this.config.jwksRefetchIntervalSeconds ?? 60) * 1000,
      now: this.#now,
    });
  }

  /** Verifies a token, fetching the JWKS when its kid is not cached yet. Rejects with {@link JwtError}. */
  public verify(token: string): Promise<VerifiedIdentity> {
    // Not an async function: the warm path (key cached) runs synchronously and returns a settled promise.
    try {
      const header = this.#readHeader(token);
      const key = this.jwks.get(header.kid);
      if (key !== undefined) return Promise.resolve(this.#verifyWithKey(token, header, key));
      return this.#verifyAfterFetch(token, header);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #verifyAfterFetch(token: string, header: Header): Promise<VerifiedIdentity> {
    const key = await this.jwks.resolve(header.kid);
    if (key === undefined) {
      throw this.jwks.loaded
        // token signed with a key that is not in the issuer JWKS
        ? rejection('kid_unknown')
        : rejection('jwks_unavailable');
    }
    return this.#verifyWithKey(token, header, key);
  }

  /** Verifies a token with the cached keys only (no fetch): an uncached kid is rejected with `kid_unknown`. */
  public verifySync(token: string): VerifiedIdentity {
    const header = this.#readHeader(token);
    const key = this.jwks.get(header.kid);
    // token signed with a key that is not in the cached JWKS
    if (key === undefined) throw rejection('kid_unknown');
    return this.#verifyWithKey(token, header, key);
  }

  /** Loads the JWKS ahead of the first request (for example during a Lambda cold start). Never throws. */
  public async preload(): Promise<boolean> {
    try {
      await this.jwks.refresh();
      return true;
    } catch {
      return false;
    }
  }

  /** Shape and header checks: everything decidable without the payload or the signature. */
  #readHeader(token: unknown): Header {
    if (typeof token !== 'string' || token.length === 0) throw rejection('token_missing');
    if (token.length > MAX_TOKEN_LENGTH) throw rejection('token_too_large');
    const dot = token.indexOf('.');
    if (dot > 0) {
      // Fast path: a header already validated (the cache key is its exact encoded form); check the rest's shape only.
      const cached = this.#headers.get(token.slice(0, dot));
      if (cached !== undefined) {
        // token is not three unpadded base64url segments
        if (!isCompactRest(token, dot) || !copyAscii(token)) throw rejection('token_malformed');
        return cached;
      }
    }
    // token is not three unpadded base64url segments
    if (!isCompactJws(token)) throw rejection('token_malformed');
    const encoded = token.slice(0, dot);

    const h = decodeJsonSegment(token, 0, dot);
    // header is not a canonical base64url JSON object without duplicate keys
    if (h === undefined) throw rejection('header_invalid');
    const alg = h.alg;
    if (typeof alg !== 'string' || !this.#algorithms.has(alg)) throw rejection('alg_not_allowed');
    // header has crit: no extension is understood
    if (h.crit !== undefined) throw rejection('crit_unsupported');
    // header has JWE or unencoded-payload parameters
    if (h.b64 !== undefined || h.zip !== undefined || h.enc !== undefined) throw rejection('header_invalid');
    if (h.typ !== undefined && (typeof h.typ !== 'string' || !TYP.test(h.typ))) throw rejection('typ_invalid');
    // An ID token (typ JWT) is not an API credential: RFC 9068 access tokens say what they are.
    // header typ is not at+jwt (an access token)
    if (this.#requireAccessTokenType && (typeof h.typ !== 'string' || !ACCESS_TOKEN_TYP.test(h.typ))) throw rejection('typ_invalid');
    // nested tokens (cty JWT) are not accepted
    if (h.cty !== undefined && (typeof h.cty !== 'string' || /^(?:application\/)?jwt$/i.test(h.cty))) throw rejection('header_invalid');
    const kid = h.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw rejection('kid_missing');
    const header: Header = { alg, kid };
    if (this.#headers.size >= HEADER_CACHE_SIZE) this.#headers.clear();
    this.#headers.set(encoded, header);
    return header;
  }

  #verifyWithKey(token: string, header: Header, key: VerificationKey): VerifiedIdentity {
    const plan: VerifyPlan | undefined = key.plans[header.alg];
    // header alg does not match the key type, curve or declared alg
    if (plan === undefined) throw rejection('alg_key_mismatch');

    const dot1 = token.indexOf('.');
    const dot2 = token.indexOf('.', dot1 + 1);
    const claims = decodeJsonSegment(token, dot1 + 1, dot2);
    // payload is not a canonical base64url JSON object without duplicate keys
    if (claims === undefined) throw rejection('payload_invalid');
    const identity = this.#checkClaims(claims);

    // signature is not canonical base64url
    if (!isCanonicalLength(token, dot2 + 1, token.length)) throw rejection('token_malformed');
    const signatureLength = SIGNATURE_SCRATCH.write(token.slice(dot2 + 1), 0, 'base64url');
    // signature is not canonical base64url
    if (signatureLength !== ((token.length - dot2 - 1) * 3) >> 2) throw rejection('token_malformed');
    // signature has the wrong length for the key
    if (signatureLength !== plan.signatureLength) throw rejection('signature_invalid');
    let valid: boolean;
    try {
      // The signing input is ASCII (the whole token checked by isCompactJws, or the header by its exact cached form, the rest by
      // isCompactRest and copyAscii, which left the token in SCRATCH unless another verification ran since): verified synchronously.
      if (scratchToken !== token) {
        SCRATCH.write(token, 0, dot2, 'latin1');
        // SCRATCH no longer holds the token copyAscii left there (a verification waiting for the JWKS must not use these bytes).
        scratchToken = undefined;
      }
      const data = SCRATCH.subarray(0, dot2);
      const signature = SIGNATURE_SCRATCH.subarray(0, signatureLength);
      valid = plan.pkcs1 !== undefined ? verifyPkcs1(plan.pkcs1, data, signature) : cryptoVerify(plan.digest, data, plan.key as KeyObject, signature);
    } catch {
      valid = false;
    }
    if (!valid) throw rejection('signature_invalid');
    return identity;
  }

  #checkClaims(claims: Record<string, unknown>): VerifiedIdentity {
    const config = this.config;
    if (claims.iss !== config.issuer) throw rejection('iss_invalid');
    if (config.tokenUse !== undefined && claims.token_use !== config.tokenUse) throw rejection('token_use_invalid');
    if (config.tokenUse === 'access') {
      const clientId = claims.client_id;
      if (typeof clientId !== 'string' || !this.#audience.includes(clientId)) throw rejection('aud_invalid');
    } else if (!this.#audienceMatches(claims.aud)) {
      throw rejection('aud_invalid');
    }
    const sub = claims.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 1024) throw rejection('sub_invalid');

    const now = this.#now() / 1000;
    const exp = claims.exp;
    if (exp === undefined) throw rejection('exp_missing');
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw rejection('claim_invalid');
    if (now >= exp + this.#skew) throw rejection('expired');
    const nbf = claims.nbf;
    if (nbf !== undefined) {
      if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw rejection('claim_invalid');
      if (nbf > now + this.#skew) throw rejection('nbf_future');
    }
    const iat = claims.iat;
    if (iat === undefined) throw rejection('iat_missing');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw rejection('claim_invalid');
    if (iat > now + this.#skew) throw rejection('iat_future');
    if (now - iat > this.#maxAge) throw rejection('token_too_old');

    return { sub, roles: this.#roles(claims[config.rolesClaim]), scopes: scopes(claims.scope), claims };
  }

  #audienceMatches(aud: unknown): boolean {
    if (typeof aud === 'string') return this.#audience.includes(aud);
    if (!Array.isArray(aud) || aud.length === 0 || aud.length > 32) return false;
    let match = false;
    for (const a of aud) {
      if (typeof a !== 'string') return false;
      if (this.#audience.includes(a)) match = true;
    }
    return match;
  }

  #roles(value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.length > 100) throw rejection('claim_invalid');
    for (const r of value) if (typeof r !== 'string') throw rejection('claim_invalid');
    return value as string[];
  }
}

function scopes(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string') throw rejection('claim_invalid');
  return value === '' ? [] : value.split(' ').filter((s) => s !== '');
}
