import { get as httpsGet } from 'node:https';
import { constants, createPublicKey, KeyObject } from 'node:crypto';
import { checkTrustedUrl } from '../../../lib/contracts/jwt-config';
import { JwksError } from './errors';
import { isBase64Url, parseJsonObject } from './parse';
import { Pkcs1Hash, Pkcs1Plan, pkcs1Plan } from './pkcs1';

/** How to verify one algorithm with one key, prepared once when the key is imported. */
export interface VerifyPlan {
  /** Digest passed to crypto.verify (null for EdDSA). */
  readonly digest: string | null;
  /** The key, or the key with padding / signature-encoding options. */
  readonly key: KeyObject | { key: KeyObject; padding: number; saltLength: number } | { key: KeyObject; dsaEncoding: 'ieee-p1363' };
  /** Exact length of a valid signature in bytes. */
  readonly signatureLength: number;
  /** RS256/384/512: the RSASSA-PKCS1-v1_5 verification used instead of crypto.verify ({@link verifyPkcs1}, same answers). */
  readonly pkcs1?: Pkcs1Plan;
}

/** A signing key from the JWKS, imported once. */
export interface VerificationKey {
  readonly kid: string;
  readonly kty: string;
  /** Plans by accepted algorithm: the only algorithms this key may be used with. */
  readonly plans: Readonly<Record<string, VerifyPlan | undefined>>;
}

/** Options of {@link JwksCache}. */
export interface JwksCacheOptions {
  /** Algorithms the verifier accepts; keys usable with none of them are ignored. */
  readonly algorithms: readonly string[];
  /** Minimum milliseconds between two fetches caused by unknown kids. */
  readonly refetchIntervalMs: number;
  /** Clock in milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Timeout of one fetch. @default 3000 ms */
  readonly timeoutMs?: number;
  /** Largest JWKS document accepted. @default 64 KiB */
  readonly maxBytes?: number;
}

/** Smallest RSA modulus accepted. */
const MIN_RSA_BITS = 2048;
/** When no key was ever loaded, a failed fetch may be retried sooner than the refetch interval. */
const COLD_RETRY_MS = 5_000;

const RSA_ALGS: Record<string, { digest: Pkcs1Hash; pss: boolean }> = {
  RS256: { digest: 'sha256', pss: false }, RS384: { digest: 'sha384', pss: false }, RS512: { digest: 'sha512', pss: false },
  PS256: { digest: 'sha256', pss: true }, PS384: { digest: 'sha384', pss: true }, PS512: { digest: 'sha512', pss: true },
};
const EC_CURVES: Record<string, { alg: string; digest: string; signatureLength: number }> = {
  'P-256': { alg: 'ES256', digest: 'sha256', signatureLength: 64 },
  'P-384': { alg: 'ES384', digest: 'sha384', signatureLength: 96 },
};
const OKP_CURVES: Record<string, number> = { Ed25519: 64, Ed448: 114 };

/**
 * The issuer's signing keys, fetched from JWKS_URI and kept in memory across
 * invocations. Keys are imported once as KeyObjects with a verification plan per
 * algorithm they may be used with. Once keys are loaded, an unknown kid causes at
 * most one refetch per refetch interval (concurrent callers share it; the
 * initial load does not count, so a rotation right after a cold start is picked
 * up); before any key is loaded, a failed load is retried at most every 5 s
 * (or the interval, if shorter). When the endpoint is down the
 * cached keys keep working and unknown kids fail closed. A successful fetch
 * replaces the whole set, so keys the issuer removed stop working.
 */
export class JwksCache {
  #keys = new Map<string, VerificationKey>();
  /** When an unknown kid last caused a refetch (the initial load does not count). */
  #lastRefetch = Number.NEGATIVE_INFINITY;
  /** When a load was last attempted before any key was ever loaded. */
  #lastColdAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #everLoaded = false;
  readonly #uri: string;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  /** Fetches attempted so far (for tests and metrics). */
  public fetchCount = 0;

  readonly #options: JwksCacheOptions;

  constructor(uri: string, options: JwksCacheOptions) {
    this.#options = options;
    this.#uri = checkTrustedUrl('JWKS_URI', uri).toString();
    this.#now = options.now ?? Date.now;
    this.#timeoutMs = options.timeoutMs ?? 3_000;
    this.#maxBytes = options.maxBytes ?? 65_536;
  }

  /** True once a JWKS was loaded successfully. */
  public get loaded(): boolean {
    return this.#everLoaded;
  }

  /** The cached key with this kid, without fetching. */
  public get(kid: string): VerificationKey | undefined {
    return this.#keys.get(kid);
  }

  /**
   * The key with this kid, fetching the JWKS when the kid is unknown and the
   * refetch interval allows it. Undefined when the kid stays unknown.
   */
  public async resolve(kid: string): Promise<VerificationKey | undefined> {
    const cached = this.#keys.get(kid);
    if (cached !== undefined) return cached;
    if (this.#inflight === undefined) {
      const now = this.#now();
      if (this.#everLoaded) {
        // A warm cache refetches for an unknown kid at most once per interval (an attacker's kid flood costs one fetch).
        if (now - this.#lastRefetch < this.#options.refetchIntervalMs) return undefined;
        this.#lastRefetch = now;
      } else if (now - this.#lastColdAttempt < Math.min(this.#options.refetchIntervalMs, COLD_RETRY_MS)) {
        return undefined;
      }
      void this.refresh().catch(() => undefined);
    }
    try {
      await this.#inflight;
    } catch {
      // Outage: fail closed for this kid; cached keys keep working.
    }
    return this.#keys.get(kid);
  }

  /** Starts a fetch now (or joins the one in flight); rejects with {@link JwksError} on failure. */
  public refresh(): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (!this.#everLoaded) this.#lastColdAttempt = this.#now();
    this.fetchCount++;
    const run = this.#load().finally(() => { this.#inflight = undefined; });
    this.#inflight = run;
    return run;
  }

  async #load(): Promise<void> {
    this.#accept(await this.#loadWithNodeHttp());
  }

  /** GET with node:https (node:http for loopback): no redirects, a timeout, a size cap. */
  #loadWithNodeHttp(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const url = new URL(this.#uri);
      // node:http is loaded only for a loopback http issuer (tests): a deployed authorizer never pays for it.
      const get = url.protocol === 'https:' ? httpsGet : process.getBuiltinModule('node:http').get;
      let settled = false;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(new JwksError(message));
      };
      const timer = setTimeout(() => fail('JWKS endpoint unreachable (TimeoutError)'), this.#timeoutMs);
      const req = get(url, { headers: { accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          fail(`JWKS endpoint answered HTTP ${res.statusCode}`);
          return;
        }
        if (Number(res.headers['content-length'] ?? '0') > this.#maxBytes) {
          res.resume();
          fail(`JWKS document is larger than ${this.#maxBytes} bytes`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxBytes) fail(`JWKS document is larger than ${this.#maxBytes} bytes`);
          else chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', () => fail('JWKS endpoint unreachable (error)'));
      });
      req.on('error', (err) => fail(`JWKS endpoint unreachable (${err.name})`));
    });
  }

  #accept(text: string): void {
    if (text.length > this.#maxBytes) throw new JwksError(`JWKS document is larger than ${this.#maxBytes} bytes`);
    const doc = parseJsonObject(text);
    if (doc === undefined || !Array.isArray(doc.keys)) throw new JwksError('JWKS document is not a JSON object with a keys array');
    const next = new Map<string, VerificationKey>();
    const duplicates = new Set<string>();
    for (const jwk of doc.keys as unknown[]) {
      const key = importJwk(jwk, this.#options.algorithms);
      if (key === undefined) continue;
      if (next.has(key.kid)) duplicates.add(key.kid);
      next.set(key.kid, key);
    }
    // Two keys with one kid are ambiguous: use neither.
    for (const kid of duplicates) next.delete(kid);
    if (next.size === 0) throw new JwksError('JWKS document has no usable signing key; the cached keys are kept');
    this.#keys = next;
    this.#everLoaded = true;
  }
}

/** Imports one JWK as a public verification key, or undefined when it is unusable (wrong use, weak, unsupported). */
export function importJwk(jwk: unknown, algorithms: readonly string[]): VerificationKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const k = jwk as Record<string, unknown>;
  if (typeof k.kid !== 'string' || k.kid === '' || k.kid.length > 256) return undefined;
  if (k.use !== undefined && k.use !== 'sig') return undefined;
  if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify'))) return undefined;
  if (k.alg !== undefined && typeof k.alg !== 'string') return undefined;
  const declaredAlg = k.alg as string | undefined;
  const accepts = (alg: string): boolean => algorithms.includes(alg) && (declaredAlg === undefined || declaredAlg === alg);
  const plans: Record<string, VerifyPlan> = Object.create(null) as Record<string, VerifyPlan>;
  try {
    if (k.kty === 'RSA') {
      if (!isBase64Url(k.n) || !isBase64Url(k.e)) return undefined;
      const key = createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' });
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) return undefined;
      const signatureLength = Math.ceil(bits / 8);
      for (const [alg, spec] of Object.entries(RSA_ALGS)) {
        if (!accepts(alg)) continue;
        plans[alg] = {
          digest: spec.digest,
          key: spec.pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key,
          signatureLength,
          ...(spec.pss ? {} : { pkcs1: pkcs1Plan(key, signatureLength, spec.digest) }),
        };
      }
    } else if (k.kty === 'EC') {
      const curve = typeof k.crv === 'string' ? EC_CURVES[k.crv] : undefined;
      if (curve === undefined || !isBase64Url(k.x) || !isBase64Url(k.y)) return undefined;
      const key = createPublicKey({ key: { kty: 'EC', crv: k.crv as string, x: k.x, y: k.y }, format: 'jwk' });
      if (accepts(curve.alg)) plans[curve.alg] = { digest: curve.digest, key: { key, dsaEncoding: 'ieee-p1363' }, signatureLength: curve.signatureLength };
    } else if (k.kty === 'OKP') {
      const signatureLength = typeof k.crv === 'string' ? OKP_CURVES[k.crv] : undefined;
      if (signatureLength === undefined || !isBase64Url(k.x)) return undefined;
      const key = createPublicKey({ key: { kty: 'OKP', crv: k.crv as string, x: k.x }, format: 'jwk' });
      if (accepts('EdDSA')) plans.EdDSA = { digest: null, key, signatureLength };
    } else {
      return undefined;
    }
  } catch {
    return undefined;
  }
  if (Object.keys(plans).length === 0) return undefined;
  return { kid: k.kid, kty: k.kty, plans };
}
