/**
 * RS256/RS384/RS512 signatures are checked by lambda/shared/jwt/pkcs1.ts (the RSA operation, then the whole encoded
 * message compared with the expected one) instead of crypto.verify. Both must accept exactly the same signatures: the
 * reference here is OpenSSL's own verification (crypto.verify), over generated messages and signatures, including the
 * encodings forgeries rely on (a DigestInfo without its NULL parameters, another hash's identifier, data after the
 * digest or in the padding, a signature not below the modulus).
 */
import { constants, createHash, generateKeyPairSync, KeyObject, privateEncrypt, sign, verify } from 'node:crypto';
import * as fc from 'fast-check';
import { Pkcs1Hash, pkcs1Plan, verifyPkcs1 } from '../../lambda/shared/jwt/pkcs1';

interface Key { readonly name: string; readonly publicKey: KeyObject; readonly privateKey: KeyObject; readonly bytes: number }

const KEYS: Key[] = [
  { name: 'RSA-2048', bits: 2048, e: 65537 },
  { name: 'RSA-3072', bits: 3072, e: 65537 },
  { name: 'RSA-3072 (another)', bits: 3072, e: 65537 },
  { name: 'RSA-2048, e=3', bits: 2048, e: 3 },
].map(({ name, bits, e }) => ({ name, ...generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e }), bytes: bits / 8 }));
const HASHES: Pkcs1Hash[] = ['sha256', 'sha384', 'sha512'];
/** DigestInfo prefixes (RFC 8017 section 9.2): with the NULL parameters, and the variant without them. */
const OID_ARC: Record<Pkcs1Hash, number> = { sha256: 1, sha384: 2, sha512: 3 };
const DIGEST_BYTES: Record<Pkcs1Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };
const digestInfo = (hash: Pkcs1Hash, withNull: boolean): Buffer => {
  const n = DIGEST_BYTES[hash];
  return withNull
    ? Buffer.from([0x30, 0x11 + n, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, OID_ARC[hash], 0x05, 0x00, 0x04, n])
    : Buffer.from([0x30, 0x0f + n, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, OID_ARC[hash], 0x04, n]);
};

/** The answer of the module under test, as the verifier uses it (a throw is an invalid signature). */
function ours(key: Key, hash: Pkcs1Hash, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifyPkcs1(pkcs1Plan(key.publicKey, key.bytes, hash), message, signature);
  } catch {
    return false;
  }
}

/** The reference: OpenSSL's RSASSA-PKCS1-v1_5 verification. */
function reference(key: Key, hash: Pkcs1Hash, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(hash, message, key.publicKey, signature);
  } catch {
    return false;
  }
}

/** A raw RSA signature of an arbitrary encoded message (below the modulus: it starts with a zero byte). */
const rawSignature = (key: Key, em: Buffer): Buffer => privateEncrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, em);

/** EM = 0x00 0x01 FF.. 0x00 T, with T = DigestInfo || digest (RFC 8017 section 9.2). */
function encode(bytes: number, t: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(bytes - t.length - 3, 0xff), Buffer.from([0x00]), t]);
}

/** Ways to build a signature of `message`: genuine ones, and the encodings a forgery would try. */
type Variant = 'genuine' | 'bit flip' | 'random' | 'other message' | 'other key' | 'no NULL parameters' | 'other hash identifier'
  | 'trailing garbage' | 'garbage in padding' | 'block type 2' | 'not below the modulus' | 'all zero';
const VARIANTS: Variant[] = ['genuine', 'bit flip', 'random', 'other message', 'other key', 'no NULL parameters', 'other hash identifier',
  'trailing garbage', 'garbage in padding', 'block type 2', 'not below the modulus', 'all zero'];

function signatureFor(variant: Variant, key: Key, hash: Pkcs1Hash, message: Uint8Array, seed: number): Buffer {
  const digest = createHash(hash).update(message).digest();
  const genuine = sign(hash, message, key.privateKey);
  switch (variant) {
    case 'genuine': return genuine;
    case 'bit flip': { const s = Buffer.from(genuine); s[seed % s.length] ^= 1 << (seed % 8); return s; }
    case 'random': { const s = Buffer.alloc(key.bytes); for (let i = 0; i < s.length; i++) s[i] = (seed * 31 + i * 17) & 0xff; s[0] = 0; return s; }
    case 'other message': return sign(hash, Buffer.concat([message, Buffer.from([seed & 0xff])]), key.privateKey);
    case 'other key': { const other = KEYS.find((k) => k !== key && k.bytes === key.bytes)!; return sign(hash, message, other.privateKey); }
    case 'no NULL parameters': return rawSignature(key, encode(key.bytes, Buffer.concat([digestInfo(hash, false), digest])));
    case 'other hash identifier': {
      const other = HASHES[(HASHES.indexOf(hash) + 1 + (seed % 2)) % 3];
      const info = Buffer.from(digestInfo(hash, true));
      info[14] = OID_ARC[other]; // the identifier says another hash; the digest and lengths stay this hash's
      return rawSignature(key, encode(key.bytes, Buffer.concat([info, digest])));
    }
    case 'trailing garbage': {
      // Bleichenbacher 2006: fewer 0xFF bytes, the digest, then bytes a loose parser ignores
      const t = Buffer.concat([digestInfo(hash, true), digest, Buffer.alloc(1 + (seed % 40), 0x5a)]);
      return rawSignature(key, encode(key.bytes, t));
    }
    case 'garbage in padding': {
      const em = encode(key.bytes, Buffer.concat([digestInfo(hash, true), digest]));
      em[2 + (seed % 8)] = seed & 0xfe; // one padding byte is not 0xFF
      return rawSignature(key, em);
    }
    case 'block type 2': {
      const em = encode(key.bytes, Buffer.concat([digestInfo(hash, true), digest]));
      em[1] = 0x02;
      return rawSignature(key, em);
    }
    case 'not below the modulus': {
      const n = key.publicKey.export({ format: 'jwk' }).n as string;
      const modulus = Buffer.from(n, 'base64url');
      const s = Buffer.alloc(key.bytes);
      modulus.copy(s, key.bytes - modulus.length);
      if (seed % 2 === 1) s.fill(0xff); // the largest k-byte value
      return s; // n itself, or 2^(8k) - 1
    }
    case 'all zero': return Buffer.alloc(key.bytes);
  }
}

describe('RSASSA-PKCS1-v1_5 verification (RS256, RS384, RS512)', () => {
  test('accepts exactly the signatures crypto.verify accepts (generated messages, keys, hashes and forgery encodings)', () => {
    const seen = new Map<Variant, Set<boolean>>();
    fc.assert(fc.property(fc.constantFrom(...KEYS), fc.constantFrom(...HASHES), fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...VARIANTS),
      fc.nat({ max: 10_000 }), (key, hash, message, variant, seed) => {
        const signature = signatureFor(variant, key, hash, message, seed);
        const expected = reference(key, hash, message, signature);
        expect({ key: key.name, hash, variant, valid: ours(key, hash, message, signature) }).toEqual({ key: key.name, hash, variant, valid: expected });
        seen.set(variant, (seen.get(variant) ?? new Set()).add(expected));
      }), { numRuns: 600 });
    // the generator reaches both answers: genuine signatures verify, every forgery encoding is refused by the reference too
    expect([...(seen.get('genuine') ?? [])]).toEqual([true]);
    for (const variant of VARIANTS.filter((v) => v !== 'genuine' && v !== 'bit flip')) expect({ variant, answers: [...(seen.get(variant) ?? [])] }).toEqual({ variant, answers: [false] });
  });

  test('a verification leaves nothing behind for the next one: a valid and an invalid signature in turn, with one plan', () => {
    const key = KEYS[0];
    const plan = pkcs1Plan(key.publicKey, key.bytes, 'sha256');
    const a = Buffer.from('first message');
    const b = Buffer.from('second message');
    const sa = sign('sha256', a, key.privateKey);
    const sb = sign('sha256', b, key.privateKey);
    for (let i = 0; i < 3; i++) {
      expect(verifyPkcs1(plan, a, sa)).toBe(true);
      expect(verifyPkcs1(plan, b, sa)).toBe(false);
      expect(verifyPkcs1(plan, b, sb)).toBe(true);
    }
  });

  test('a modulus too short for the encoding is refused when the key is imported', () => {
    // 62 bytes leave no room for 8 padding bytes around a SHA-512 DigestInfo (19 + 64 bytes); such keys never get here (2,048 bits minimum)
    expect(() => pkcs1Plan(KEYS[0].publicKey, 62, 'sha512')).toThrow(/modulus too short/);
  });
});
