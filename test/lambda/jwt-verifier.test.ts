/**
 * The JWT verifier core against real keys (RSA-2048, EC P-256 / P-384, Ed25519)
 * generated here, real signatures made with node:crypto, and a JWKS served on
 * 127.0.0.1. Every rejection names its reason code; each test would fail if the
 * check it covers were removed.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import * as fc from 'fast-check';
import {
  JwksCache, JwtConfigError, JwtError, JwtVerifier, JwtVerifierConfig, MAX_TOKEN_LENGTH, verifierConfigFromEnv,
} from '../../lambda/shared/jwt';
import { decodeJsonSegment, parseJsonObject } from '../../lambda/shared/jwt/parse';
import { startJwksServer, startLoopbackServer } from '../integration/http';
import { b64url, generateTestKey, signBytes, signHs256, signJwt, TestKey } from '../helpers/jwt';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TeSt12345';
const CLIENT_ID = '7abc1defghijklmnopqrstuvwx';

type Jwks = Awaited<ReturnType<typeof startJwksServer>>;

let rsa: TestKey; let rsa2: TestKey; let ps: TestKey; let ec256: TestKey; let ec384: TestKey; let ed: TestKey; let rsaNoAlg: TestKey;
let attacker: TestKey;
let server: Jwks;
let nowMs: number;
const nowS = (): number => Math.floor(nowMs / 1000);

beforeAll(async () => {
  rsa = generateTestKey('RS256', 'rsa-1');
  rsa2 = generateTestKey('RS256', 'rsa-2');
  ps = generateTestKey('PS256', 'ps-1');
  ec256 = generateTestKey('ES256', 'ec-256');
  ec384 = generateTestKey('ES384', 'ec-384');
  ed = generateTestKey('EdDSA', 'ed-1');
  rsaNoAlg = generateTestKey('RS256', 'rsa-no-alg', { withAlg: false });
  attacker = generateTestKey('RS256', 'attacker');
  server = await startJwksServer({ keys: [rsa, ps, ec256, ec384, ed, rsaNoAlg].map((k) => k.jwk) });
});

afterAll(async () => { await server.close(); });

beforeEach(() => {
  nowMs = Date.UTC(2026, 10, 28, 12, 0, 0);
  server.setKeys({ keys: [rsa, ps, ec256, ec384, ed, rsaNoAlg].map((k) => k.jwk) });
});

function config(overrides: Partial<JwtVerifierConfig> = {}): JwtVerifierConfig {
  return {
    issuer: ISSUER, audience: [CLIENT_ID], jwksUri: server.jwksUri, algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
    // These tests cover every other check on Cognito-shaped tokens (typ JWT); the access-token type rule is tested
    // on its own below and in token-type.test.ts, so it is off in this base configuration.
    maxTokenAgeSeconds: 900, clockSkewSeconds: 30, rolesClaim: 'cognito:groups', requireAccessTokenType: false, ...overrides,
  };
}

function verifier(overrides: Partial<JwtVerifierConfig> = {}): JwtVerifier {
  return new JwtVerifier(config(overrides), { now: () => nowMs });
}

function claims(overrides: Record<string, unknown> = {}, remove: string[] = []): Record<string, unknown> {
  const c: Record<string, unknown> = {
    sub: 'a1b2c3d4-0000-4000-8000-000000000001', 'cognito:groups': ['user'], iss: ISSUER, aud: CLIENT_ID, token_use: 'id',
    scope: 'notes/read notes/write', iat: nowS() - 10, auth_time: nowS() - 10, exp: nowS() + 890, jti: 'jti-1', ...overrides,
  };
  for (const r of remove) delete c[r];
  return c;
}

async function rejection(v: JwtVerifier, token: string): Promise<JwtError> {
  try {
    await v.verify(token);
  } catch (err) {
    expect(err).toBeInstanceOf(JwtError);
    const e = err as JwtError;
    // The token never appears in an error.
    for (const part of token.split('.')) if (part.length > 8) expect(e.message).not.toContain(part);
    return e;
  }
  throw new Error('token was accepted');
}

async function expectReason(token: string, reason: string, v: JwtVerifier = verifier()): Promise<void> {
  expect((await rejection(v, token)).reason).toBe(reason);
}

/** Replaces the payload of a token, keeping header and signature (a tampered token). */
function withSegments(token: string, segments: { header?: string; payload?: string; signature?: string }): string {
  const [h, p, s] = token.split('.');
  return `${segments.header ?? h}.${segments.payload ?? p}.${segments.signature ?? s}`;
}

describe('valid tokens', () => {
  test.each([
    ['RS256 (RSA-2048)', () => rsa],
    ['PS256 (RSA-2048)', () => ps],
    ['ES256 (P-256, raw r||s)', () => ec256],
    ['ES384 (P-384, raw r||s)', () => ec384],
    ['EdDSA (Ed25519)', () => ed],
    ['RS256 with a JWK that declares no alg', () => rsaNoAlg],
  ])('accepts %s and returns the identity', async (_name, key) => {
    // GIVEN a token signed by a key in the JWKS
    const token = signJwt(key(), claims());
    // WHEN it is verified
    const identity = await verifier().verify(token);
    // THEN the identity comes from the claims
    expect(identity.sub).toBe('a1b2c3d4-0000-4000-8000-000000000001');
    expect(identity.roles).toEqual(['user']);
    expect(identity.scopes).toEqual(['notes/read', 'notes/write']);
    expect(identity.claims.jti).toBe('jti-1');
  });

  test.each(['JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/jwt', 'application/at+jwt'])('accepts typ %s', async (typ) => {
    await expect(verifier().verify(signJwt(rsa, claims(), { typ }))).resolves.toMatchObject({ sub: expect.any(String) });
  });

  test('accepts a token without typ', async () => {
    const token = signJwt(rsa, claims(), JSON.stringify({ alg: 'RS256', kid: rsa.kid }));
    await expect(verifier().verify(token)).resolves.toMatchObject({ roles: ['user'] });
  });

  test('accepts an aud array that contains an accepted audience', async () => {
    await expect(verifier().verify(signJwt(rsa, claims({ aud: ['other-client', CLIENT_ID] })))).resolves.toBeDefined();
  });

  test('accepts one of several configured audiences', async () => {
    await expect(verifier({ audience: ['first', CLIENT_ID] }).verify(signJwt(rsa, claims()))).resolves.toBeDefined();
  });

  test('accepts exp, nbf and iat within the clock skew', async () => {
    const v = verifier({ clockSkewSeconds: 30 });
    await expect(v.verify(signJwt(rsa, claims({ exp: nowS() - 29 })))).resolves.toBeDefined();
    await expect(v.verify(signJwt(rsa, claims({ nbf: nowS() + 29 })))).resolves.toBeDefined();
    await expect(v.verify(signJwt(rsa, claims({ iat: nowS() + 29 })))).resolves.toBeDefined();
  });

  test('accepts a Cognito access token by client_id when tokenUse is access', async () => {
    const token = signJwt(rsa, claims({ token_use: 'access', client_id: CLIENT_ID }, ['aud']));
    const identity = await verifier({ tokenUse: 'access' }).verify(token);
    expect(identity.scopes).toEqual(['notes/read', 'notes/write']);
  });

  test('reads roles from the configured claim and defaults to no roles', async () => {
    const token = signJwt(rsa, claims({ roles: ['admin'] }));
    expect((await verifier({ rolesClaim: 'roles' }).verify(token)).roles).toEqual(['admin']);
    expect((await verifier().verify(signJwt(rsa, claims({}, ['cognito:groups'])))).roles).toEqual([]);
  });

  test('verifySync works with cached keys and refuses to fetch', async () => {
    const v = verifier();
    expect(() => v.verifySync(signJwt(rsa, claims()))).toThrow(expect.objectContaining({ reason: 'kid_unknown' }));
    await v.preload();
    expect(v.verifySync(signJwt(rsa, claims())).sub).toBeDefined();
  });
});

describe('header attacks, decided before the payload, the signature or any fetch', () => {
  test.each(['none', 'None', 'NONE', 'nOnE'])('rejects alg %s (with and without a signature)', async (alg) => {
    // GIVEN an unsigned token, as an attacker would forge it
    const v = verifier();
    const header = b64url(JSON.stringify({ alg, kid: rsa.kid, typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims({ 'cognito:groups': ['admin'] })));
    // THEN it is rejected: with an empty signature the shape is wrong; with any signature the alg is not allowed
    await expectReason(`${header}.${payload}.`, 'token_malformed', v);
    await expectReason(`${header}.${payload}.${b64url('x')}`, 'alg_not_allowed', v);
    // AND no JWKS was fetched to decide it
    expect(v.jwks.fetchCount).toBe(0);
  });

  test('rejects HS256 signed with the RSA public key as the HMAC secret (key confusion)', async () => {
    const v = verifier();
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
    const der = rsa.publicKey.export({ format: 'der', type: 'spki' });
    for (const secret of [pem, der, Buffer.from(String(rsa.jwk.n), 'base64url'), JSON.stringify(rsa.jwk)]) {
      await expectReason(signHs256(secret, claims(), { kid: rsa.kid }), 'alg_not_allowed', v);
    }
    expect(v.jwks.fetchCount).toBe(0);
  });

  test.each(['HS256', 'HS384', 'HS512', 'RS1', 'ES512', 'PS256K', '', 'rs256'])('rejects alg %j outside the allow-list', async (alg) => {
    await expectReason(signJwt(rsa, claims(), { alg }), 'alg_not_allowed', verifier({ algorithms: ['RS256'] }));
  });

  test('rejects an allowed algorithm that is not configured (PS256 when only RS256 is allowed)', async () => {
    await expectReason(signJwt(ps, claims()), 'alg_not_allowed', verifier({ algorithms: ['RS256'] }));
  });

  test('rejects a non-string alg', async () => {
    await expectReason(signJwt(rsa, claims(), { alg: ['RS256'] }), 'alg_not_allowed');
  });

  test.each([
    ['missing', JSON.stringify({ alg: 'RS256', typ: 'JWT' })],
    ['empty', JSON.stringify({ alg: 'RS256', kid: '' })],
    ['a number', JSON.stringify({ alg: 'RS256', kid: 1 })],
    ['an array', JSON.stringify({ alg: 'RS256', kid: ['rsa-1'] })],
  ])('rejects a kid that is %s', async (_name, header) => {
    const v = verifier();
    await expectReason(signJwt(rsa, claims(), header), 'kid_missing', v);
    expect(v.jwks.fetchCount).toBe(0);
  });

  test.each([['JWE'], ['secevent+jwt'], ['dpop+jwt'], ['text/plain'], [1]])('rejects typ %j', async (typ) => {
    await expectReason(signJwt(rsa, claims(), { typ }), 'typ_invalid');
  });

  test('rejects any crit header, even one naming a registered claim', async () => {
    await expectReason(signJwt(rsa, claims(), { crit: ['exp'] }), 'crit_unsupported');
    await expectReason(signJwt(rsa, claims(), { crit: [] }), 'crit_unsupported');
  });

  test('rejects unencoded-payload (b64), compressed (zip) and nested (cty JWT) tokens', async () => {
    await expectReason(signJwt(rsa, claims(), { b64: false }), 'header_invalid');
    await expectReason(signJwt(rsa, claims(), { zip: 'DEF' }), 'header_invalid');
    await expectReason(signJwt(rsa, claims(), { cty: 'JWT' }), 'header_invalid');
  });
});

describe('keys: kid lookup and alg/key match', () => {
  test('rejects an unknown kid after one refetch', async () => {
    const v = verifier();
    await v.preload();
    await expectReason(signJwt(attacker, claims()), 'kid_unknown', v);
    expect(v.jwks.fetchCount).toBe(2);
  });

  test('rejects alg/kty mismatches: RS256 header on an EC key, ES256 header on an RSA key, EdDSA on RSA', async () => {
    const v = verifier();
    await expectReason(signJwt(ec256, claims(), { alg: 'RS256' }), 'alg_key_mismatch', v);
    await expectReason(signJwt(rsa, claims(), { alg: 'ES256' }), 'alg_key_mismatch', v);
    await expectReason(signJwt(rsa, claims(), { alg: 'EdDSA' }), 'alg_key_mismatch', v);
    await expectReason(signJwt(ec384, claims(), { alg: 'ES256' }), 'alg_key_mismatch', v);
  });

  test('rejects an alg the JWK does not declare (PS256 on a key published for RS256)', async () => {
    // The RSA key could technically verify PS256, but its JWK pins alg RS256.
    const header = JSON.stringify({ alg: 'PS256', kid: rsa.kid });
    const input = `${b64url(header)}.${b64url(JSON.stringify(claims()))}`;
    const token = `${input}.${b64url(signBytes('PS256', rsa.privateKey, input))}`;
    await expectReason(token, 'alg_key_mismatch');
  });

  test('rejects an ES256 signature presented as RS256 with an RSA kid', async () => {
    const header = JSON.stringify({ alg: 'RS256', kid: rsa.kid });
    const input = `${b64url(header)}.${b64url(JSON.stringify(claims()))}`;
    const token = `${input}.${b64url(signBytes('ES256', ec256.privateKey, input))}`;
    await expectReason(token, 'signature_invalid');
  });

  test('rejects a DER-encoded ECDSA signature (only raw r||s is valid)', async () => {
    const header = JSON.stringify({ alg: 'ES256', kid: ec256.kid });
    const input = `${b64url(header)}.${b64url(JSON.stringify(claims()))}`;
    const der = sign('sha256', Buffer.from(input), ec256.privateKey);
    await expectReason(`${input}.${b64url(der)}`, 'signature_invalid');
  });

  test('ignores jku, x5u, jwk and x5c header fields: keys come only from JWKS_URI', async () => {
    // GIVEN an attacker's JWKS server and the attacker's key embedded in the header
    const evil = await startJwksServer({ keys: [attacker.jwk] });
    try {
      const inject = {
        jku: evil.jwksUri, x5u: `${evil.url}/cert.pem`, jwk: attacker.jwk,
        x5c: [attacker.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')],
      };
      const v = verifier();
      // WHEN the attacker signs with their own key under their own kid, or under a legitimate kid
      await expectReason(signJwt(attacker, claims(), inject), 'kid_unknown', v);
      await expectReason(signJwt(attacker, claims(), { ...inject, kid: rsa.kid }), 'signature_invalid', v);
      // THEN the attacker's server was never contacted
      expect(evil.hits.size).toBe(0);
    } finally {
      await evil.close();
    }
  });
});

describe('tampering', () => {
  test('rejects a tampered header', async () => {
    const token = signJwt(rsa, claims());
    const header = b64url(JSON.stringify({ alg: 'RS256', kid: rsa.kid, typ: 'at+jwt' }));
    await expectReason(withSegments(token, { header }), 'signature_invalid');
  });

  test('rejects a tampered payload (role escalation)', async () => {
    const token = signJwt(rsa, claims());
    const payload = b64url(JSON.stringify(claims({ 'cognito:groups': ['admin'] })));
    await expectReason(withSegments(token, { payload }), 'signature_invalid');
  });

  test('rejects a tampered, truncated or extended signature', async () => {
    const token = signJwt(rsa, claims());
    const sig = Buffer.from(token.split('.')[2], 'base64url');
    const flipped = Buffer.from(sig); flipped[17] ^= 0x01;
    await expectReason(withSegments(token, { signature: b64url(flipped) }), 'signature_invalid');
    await expectReason(withSegments(token, { signature: b64url(sig.subarray(1)) }), 'signature_invalid');
    await expectReason(withSegments(token, { signature: b64url(Buffer.concat([sig, Buffer.from([0])])) }), 'signature_invalid');
    await expectReason(withSegments(token, { signature: b64url(Buffer.alloc(256)) }), 'signature_invalid');
  });

  test('fails if a token that waited for the JWKS is checked against the bytes of another token verified meanwhile', async () => {
    // GIVEN a verifier whose first JWKS fetch is held open by the issuer
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const slow = await startLoopbackServer(async () => { await gate; return { body: { keys: [rsa.jwk] } }; });
    const v = new JwtVerifier(config({ jwksUri: `${slow.url}/.well-known/jwks.json` }), { now: () => nowMs });
    // A first token caches its header ({"typ":"JWT"}) and waits for the keys.
    const first = v.verify(signJwt(rsa, claims({ jti: 'first' })));
    // A genuine token with a header of the same length that is not cached ({"typ":"jwt"}) waits too.
    const genuine = signJwt(rsa, claims(), { typ: 'jwt' });
    const genuineResult = v.verify(genuine);
    // A forgery: the cached header, a payload of the genuine payload's length naming another subject, the genuine signature.
    const [, payload, signature] = genuine.split('.');
    const forgedPayload = b64url(JSON.stringify(claims({ sub: 'a1b2c3d4-0000-4000-8000-00000000EV1L' })));
    expect(forgedPayload.length).toBe(payload.length);
    const forged = `${signJwt(rsa, claims({ jti: 'first' })).split('.')[0]}.${forgedPayload}.${signature}`;
    const forgedResult = v.verify(forged);
    // WHEN the keys arrive (the three continue in order: first, genuine, forged)
    open();
    // THEN the forgery is checked against its own signing input, not the genuine token's
    await expect(first).resolves.toBeDefined();
    await expect(genuineResult).resolves.toMatchObject({ sub: 'a1b2c3d4-0000-4000-8000-000000000001' });
    await expect(forgedResult).rejects.toMatchObject({ reason: 'signature_invalid' });
    await slow.close();
  });

  test('rejects an Ed25519 token with a flipped signature bit', async () => {
    const token = signJwt(ed, claims());
    const sig = Buffer.from(token.split('.')[2], 'base64url'); sig[3] ^= 0x80;
    await expectReason(withSegments(token, { signature: b64url(sig) }), 'signature_invalid');
  });
});

describe('claims', () => {
  test.each([
    ['another issuer', { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }],
    ['the issuer with a trailing slash', { iss: `${ISSUER}/` }],
    ['the issuer in another case', { iss: ISSUER.toUpperCase() }],
    ['a non-string issuer', { iss: [ISSUER] }],
  ])('rejects %s', async (_name, override) => {
    await expectReason(signJwt(rsa, claims(override)), 'iss_invalid');
  });

  test('rejects a missing iss', async () => {
    await expectReason(signJwt(rsa, claims({}, ['iss'])), 'iss_invalid');
  });

  test.each([
    ['another audience', { aud: 'other-client' }],
    ['an aud array without an accepted value', { aud: ['a', 'b'] }],
    ['an empty aud array', { aud: [] }],
    ['an aud array with a non-string', { aud: [CLIENT_ID, 1] }],
    ['a numeric aud', { aud: 7 }],
  ])('rejects %s', async (_name, override) => {
    await expectReason(signJwt(rsa, claims(override)), 'aud_invalid');
  });

  test('rejects a missing aud', async () => {
    await expectReason(signJwt(rsa, claims({}, ['aud'])), 'aud_invalid');
  });

  test('access tokens: client_id must be accepted (aud is not a substitute)', async () => {
    const v = verifier({ tokenUse: 'access' });
    await expectReason(signJwt(rsa, claims({ token_use: 'access', client_id: 'other' }, ['aud'])), 'aud_invalid', v);
    await expectReason(signJwt(rsa, claims({ token_use: 'access' })), 'aud_invalid', v);
  });

  test('rejects a token_use that does not match', async () => {
    await expectReason(signJwt(rsa, claims({ token_use: 'id', client_id: CLIENT_ID })), 'token_use_invalid', verifier({ tokenUse: 'access' }));
    await expectReason(signJwt(rsa, claims({ token_use: 'refresh', client_id: CLIENT_ID })), 'token_use_invalid', verifier({ tokenUse: 'access' }));
    await expectReason(signJwt(rsa, claims({ client_id: CLIENT_ID }, ['token_use'])), 'token_use_invalid', verifier({ tokenUse: 'access' }));
  });

  test('requireAccessTokenType: only typ at+jwt (any case, optional application/ prefix) passes; decided from the header', async () => {
    const v = verifier({ requireAccessTokenType: true });
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) await expect(v.verify(signJwt(rsa, claims(), { typ }))).resolves.toBeDefined();
    for (const typ of ['JWT', 'jwt', 'application/jwt', undefined]) {
      await expectReason(signJwt(rsa, claims(), typ === undefined ? JSON.stringify({ alg: 'RS256', kid: 'rsa-1' }) : { typ }), 'typ_invalid', v);
    }
  });

  test('rejects a missing, empty or non-string sub', async () => {
    await expectReason(signJwt(rsa, claims({}, ['sub'])), 'sub_invalid');
    await expectReason(signJwt(rsa, claims({ sub: '' })), 'sub_invalid');
    await expectReason(signJwt(rsa, claims({ sub: 42 })), 'sub_invalid');
  });

  test('rejects a missing exp', async () => {
    await expectReason(signJwt(rsa, claims({}, ['exp'])), 'exp_missing');
  });

  test('rejects a token expired beyond the skew', async () => {
    await expectReason(signJwt(rsa, claims({ exp: nowS() - 31, iat: nowS() - 100 })), 'expired');
    await expectReason(signJwt(rsa, claims({ exp: nowS() - 1 })), 'expired', verifier({ clockSkewSeconds: 0 }));
  });

  test('rejects nbf in the future beyond the skew', async () => {
    await expectReason(signJwt(rsa, claims({ nbf: nowS() + 31 })), 'nbf_future');
  });

  test('rejects iat in the future beyond the skew, and a missing iat', async () => {
    await expectReason(signJwt(rsa, claims({ iat: nowS() + 31 })), 'iat_future');
    await expectReason(signJwt(rsa, claims({}, ['iat'])), 'iat_missing');
  });

  test('rejects a token older than the maximum age even when exp is far away', async () => {
    await expectReason(signJwt(rsa, claims({ iat: nowS() - 901, exp: nowS() + 86_400 })), 'token_too_old');
    await expect(verifier().verify(signJwt(rsa, claims({ iat: nowS() - 900 })))).resolves.toBeDefined();
    await expectReason(signJwt(rsa, claims({ iat: nowS() - 61 })), 'token_too_old', verifier({ maxTokenAgeSeconds: 60 }));
  });

  test.each([
    ['exp as a string', { exp: String(Math.floor(Date.UTC(2030, 0, 1) / 1000)) }],
    ['nbf as a string', { nbf: '0' }],
    ['iat as a string', { iat: '0' }],
    ['exp as null', { exp: null }],
    ['roles as a string', { 'cognito:groups': 'admin' }],
    ['roles with a non-string', { 'cognito:groups': ['user', { admin: true }] }],
    ['scope as an array', { scope: ['notes/read'] }],
  ])('rejects %s', async (_name, override) => {
    await expectReason(signJwt(rsa, claims(override)), 'claim_invalid');
  });
});

describe('structure, before any crypto', () => {
  test('rejects a token over 8 KB without parsing it', async () => {
    const token = signJwt(rsa, claims({ padding: 'x'.repeat(MAX_TOKEN_LENGTH) }));
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    await expectReason(token, 'token_too_large');
  });

  test('rejects non-tokens', async () => {
    const v = verifier();
    for (const bad of [undefined, null, 42, {}, '']) await expect(v.verify(bad as unknown as string)).rejects.toMatchObject({ reason: 'token_missing' });
  });

  test.each([
    ['padding', (t: string) => `${t}==`],
    ['padding in the payload', (t: string) => t.replace('.', '=.')],
    ['+ and / (base64, not base64url)', (t: string) => withSegments(t, { signature: Buffer.from(t.split('.')[2], 'base64url').toString('base64').replace(/=+$/, '') })],
    ['whitespace', (t: string) => t.replace('.', ' .')],
    ['two segments', (t: string) => t.split('.').slice(0, 2).join('.')],
    ['four segments', (t: string) => `${t}.${t.split('.')[2]}`],
    ['an empty header', (t: string) => withSegments(t, { header: '' })],
    ['an empty payload', (t: string) => withSegments(t, { payload: '' })],
    ['non-ASCII characters', (t: string) => `${t.slice(0, 5)}é${t.slice(6)}`],
  ])('rejects %s', async (_name, mutate) => {
    const token = signJwt(rsa, claims());
    let mutated = mutate(token);
    // Make sure the + / case really contains them (the signature always has 342 chars; most contain one of them).
    if (_name.startsWith('+')) while (!/[+/]/.test(mutated.split('.')[2])) mutated = mutate(signJwt(rsa, claims({ jti: Math.random().toString() })));
    await expectReason(mutated, 'token_malformed');
  });

  test.each([
    ['+ in the signature', (t: string) => withSegments(t, { signature: `${t.split('.')[2].slice(0, 10)}+${t.split('.')[2].slice(11)}` })],
    ['/ in the payload', (t: string) => withSegments(t, { payload: `${t.split('.')[1].slice(0, 10)}/${t.split('.')[1].slice(11)}` })],
    ['padding', (t: string) => `${t}==`],
    ['= inside the payload', (t: string) => withSegments(t, { payload: `${t.split('.')[1].slice(0, 12)}=${t.split('.')[1].slice(12)}` })],
    ['whitespace in the payload', (t: string) => withSegments(t, { payload: `${t.split('.')[1].slice(0, 12)} ${t.split('.')[1].slice(13)}` })],
    ['a space added to the signature', (t: string) => withSegments(t, { signature: `${t.split('.')[2].slice(0, 12)} ${t.split('.')[2].slice(12)}` })],
    ['non-ASCII in the payload', (t: string) => withSegments(t, { payload: `${t.split('.')[1].slice(0, 12)}é${t.split('.')[1].slice(13)}` })],
    ['% in the signature', (t: string) => withSegments(t, { signature: `%${t.split('.')[2].slice(1)}` })],
    ['two segments', (t: string) => t.split('.').slice(0, 2).join('.')],
    ['four segments', (t: string) => `${t}.${t.split('.')[2]}`],
    ['an empty payload', (t: string) => withSegments(t, { payload: '' })],
    ['an empty signature', (t: string) => withSegments(t, { signature: '' })],
  ])('rejects %s before any crypto even when the header is cached (fast path)', async (_name, mutate) => {
    // GIVEN a verifier that has already accepted a token with the same header
    const v = verifier();
    const token = signJwt(rsa, claims());
    await v.verify(token);
    // WHEN a malformed variant arrives
    const reason = (await rejection(v, mutate(token))).reason;
    // THEN it is rejected as malformed (or as an undecodable payload), never reaching the signature check
    expect(['token_malformed', 'payload_invalid']).toContain(reason);
    await expect(v.verify(token)).resolves.toBeDefined();
  });

  /** The same character with a high byte added: Node's base64url decoder and a latin1 copy both read only the low byte. */
  const lookAlike = (c: string): string => String.fromCharCode(0x100 | c.charCodeAt(0));
  const atEach = (seg: 'payload' | 'signature', where: 'first' | 'middle' | 'last') => (t: string): string => {
    const part = t.split('.')[seg === 'payload' ? 1 : 2];
    const i = where === 'first' ? 0 : where === 'last' ? part.length - 1 : part.length >> 1;
    return withSegments(t, { [seg]: `${part.slice(0, i)}${lookAlike(part[i])}${part.slice(i + 1)}` });
  };
  /** Sets the spare low bits of the last character of a segment (a second encoding of the same bytes). */
  const trailingBits = (seg: 'payload' | 'signature') => (t: string): string => {
    const part = t.split('.')[seg === 'payload' ? 1 : 2];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    return withSegments(t, { [seg]: `${part.slice(0, -1)}${alphabet[alphabet.indexOf(part[part.length - 1]) + 1]}` });
  };

  test.each([
    ['a non-ASCII look-alike as the first payload character', atEach('payload', 'first')],
    ['a non-ASCII look-alike inside the payload', atEach('payload', 'middle')],
    ['a non-ASCII look-alike as the last payload character', atEach('payload', 'last')],
    ['a non-ASCII look-alike as the first signature character', atEach('signature', 'first')],
    ['a non-ASCII look-alike inside the signature', atEach('signature', 'middle')],
    ['a non-ASCII look-alike as the last signature character', atEach('signature', 'last')],
    ['non-canonical trailing bits in the signature', trailingBits('signature')],
    ['a Latin-1 look-alike (U+00C1) inside the payload', (t: string) => { const p = t.split('.')[1]; return withSegments(t, { payload: `${p.slice(0, 9)}\u00c1${p.slice(10)}` }); }],
    ['an ASCII character outside the alphabet as the last signature character', (t: string) => withSegments(t, { signature: `${t.split('.')[2].slice(0, -1)}!` })],
    ['~ inside the payload', (t: string) => { const p = t.split('.')[1]; return withSegments(t, { payload: `${p.slice(0, 9)}~${p.slice(10)}` }); }],
  ])('fails if %s verifies as the same token, cold or warm (one token, one string)', async (_name, mutate) => {
    // GIVEN a valid token and a variant that decodes to the same bytes under a different string
    let token = signJwt(rsa, claims());
    // (the payload needs spare bits for the trailing-bits case; RSA-2048 signatures always have them)
    while (token.split('.')[1].length % 4 === 0) token = signJwt(rsa, claims({ jti: Math.random().toString(36) }));
    const variant = mutate(token);
    expect(variant).not.toBe(token);
    // WHEN it arrives at a fresh verifier (cold) and at one that has cached the header (warm fast path)
    const cold = verifier();
    const warm = verifier();
    await warm.verify(token);
    // THEN both refuse it before any crypto, and the original still verifies
    for (const v of [cold, warm]) expect(['token_malformed', 'payload_invalid']).toContain((await rejection(v, variant)).reason);
    await expect(warm.verify(token)).resolves.toBeDefined();
  });

  test('fails if a payload with spare bits set verifies on the fast path', async () => {
    // GIVEN a warm verifier and a token whose payload length leaves spare bits in its last character
    let token = signJwt(rsa, claims());
    while (token.split('.')[1].length % 4 === 0) token = signJwt(rsa, claims({ jti: Math.random().toString(36) }));
    const v = verifier();
    await v.verify(token);
    // WHEN the spare bits are set; THEN the payload is not canonical
    await expectReason(trailingBits('payload')(token), 'payload_invalid', v);
  });

  test('rejects non-canonical base64url (non-zero trailing bits) in each segment', async () => {
    const token = signJwt(rsa, claims());
    const [h, p, s] = token.split('.');
    const bump = (seg: string): string | undefined => {
      if (seg.length % 4 === 0) return undefined;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(seg[seg.length - 1]);
      return `${seg.slice(0, -1)}${alphabet[last + 1]}`;
    };
    const v = verifier();
    const hh = bump(h); if (hh !== undefined) await expectReason(`${hh}.${p}.${s}`, 'header_invalid', v);
    const pp = bump(p); if (pp !== undefined) await expectReason(`${h}.${pp}.${s}`, 'payload_invalid', v);
    await expectReason(`${h}.${p}.${bump(s)}`, 'token_malformed', v); // RSA-2048 signatures are 342 chars: 2 spare bits
    expect([hh, pp].some((x) => x !== undefined)).toBe(true);
  });

  test.each([
    ['not JSON', '{"alg":"RS256","kid":"rsa-1"'],
    ['an array', '["RS256"]'],
    ['a string', '"RS256"'],
    ['null', 'null'],
    ['a duplicate alg', '{"alg":"RS256","kid":"rsa-1","alg":"none"}'],
    ['a duplicate kid (escaped)', '{"alg":"RS256","kid":"rsa-1","k\\u0069d":"ps-1"}'],
    ['a __proto__ key', '{"alg":"RS256","kid":"rsa-1","__proto__":{"alg":"none"}}'],
  ])('rejects a header that is %s', async (_name, header) => {
    const v = verifier();
    await expectReason(signJwt(rsa, claims(), header), 'header_invalid', v);
    expect(v.jwks.fetchCount).toBe(0);
  });

  test.each([
    ['not JSON', '{"sub":"x"'],
    ['an array', '[1,2]'],
    ['a number', '12'],
    ['a string', '"sub"'],
    ['null', 'null'],
    ['JSON with trailing garbage', '{"sub":"x"} x'],
  ])('rejects a payload that is %s', async (_name, payload) => {
    await expectReason(signJwt(rsa, payload), 'payload_invalid');
  });

  test('rejects duplicate claims, at the top level, escaped, nested, and in arrays of objects', async () => {
    const base = JSON.stringify(claims()).slice(0, -1);
    for (const extra of [
      ',"sub":"admin-user"',
      ',"s\\u0075b":"admin-user"',
      ',"nested":{"a":1,"a":2}',
      ',"list":[{"a":1},{"b":1,"b":2}]',
      ',"iss" :"https://evil.example"',
    ]) {
      await expectReason(signJwt(rsa, `${base}${extra}}`), 'payload_invalid');
    }
  });

  test('accepts colons, quotes and backslashes inside string values (no false duplicates)', async () => {
    const c = claims({ note: 'a:b "c": \\"d\\": e\\\\', 'x:y': { 'k:': ':' } });
    await expect(verifier().verify(signJwt(rsa, c))).resolves.toBeDefined();
  });

  test.each([
    ['__proto__', '{"__proto__":{"isAdmin":true}}'],
    ['escaped __proto__', '{"\\u005f_proto__":{"isAdmin":true}}'],
    ['constructor', '{"constructor":{"prototype":{"isAdmin":true}}}'],
    ['prototype', '{"prototype":1}'],
    ['nested __proto__', '{"profile":{"__proto__":{"isAdmin":true}}}'],
    ['__proto__ in an array', '{"list":[{"__proto__":{}}]}'],
  ])('rejects a payload with a %s key', async (_name, extra) => {
    const payload = `${JSON.stringify(claims()).slice(0, -1)},${extra.slice(1)}`;
    await expectReason(signJwt(rsa, payload), 'payload_invalid');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  test('rejects a payload nested deeper than 16 levels', async () => {
    const deep = `${'{"a":'.repeat(20)}1${'}'.repeat(20)}`;
    await expectReason(signJwt(rsa, `${JSON.stringify(claims()).slice(0, -1)},"deep":${deep}}`), 'payload_invalid');
  });

  test('rejects a payload that is not valid UTF-8', async () => {
    const header = b64url(JSON.stringify({ alg: 'RS256', kid: rsa.kid }));
    const bytes = Buffer.concat([Buffer.from(JSON.stringify(claims()).slice(0, -1) + ',"n":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const input = `${header}.${b64url(bytes)}`;
    await expectReason(`${input}.${b64url(signBytes('RS256', rsa.privateKey, input))}`, 'payload_invalid');
  });

  test('parseJsonObject: duplicate detection and prototype keys (unit)', () => {
    expect(parseJsonObject('{"a":1,"b":{"c":[1,{"d":2}]}}')).toEqual({ a: 1, b: { c: [1, { d: 2 }] } });
    expect(parseJsonObject('{"a":1,"a":1}')).toBeUndefined();
    expect(parseJsonObject('{"a":"x\\\\","a":1}')).toBeUndefined();
    expect(parseJsonObject('{"a":"\\":"}')).toEqual({ a: '":' });
    expect(parseJsonObject('{ "a" : 1 , "b" : 2 }')).toEqual({ a: 1, b: 2 });
    expect(parseJsonObject('{"constructor":1}')).toBeUndefined();
  });

  /** A JSON value as members in text order (duplicates possible), written by the test itself. */
  type Model = { kind: 'object'; members: [string, Model][] } | { kind: 'array'; items: Model[] } | { kind: 'leaf'; json: string };
  const keyArb = fc.constantFrom('a', 'b', 'sub', 'k:"', 'x\\', 'q"', 'u\u00e9', ':', 'constructor', '__proto__', 'prototype');
  const leafArb = fc.oneof(fc.integer().map(String), fc.constantFrom('true', 'null', '1e3'), fc.string({ maxLength: 6 }).map((t) => JSON.stringify(t)),
    fc.constantFrom('"a:b"', '"\\""', '"\\\\"', '"{\\"k\\":1}"', '"https://x"'));
  const { model: modelArb } = fc.letrec<{ model: Model }>((tie) => ({
    model: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      leafArb.map((json): Model => ({ kind: 'leaf', json })),
      fc.array(fc.tuple(keyArb, tie('model')), { maxLength: 4 }).map((members): Model => ({ kind: 'object', members })),
      fc.array(tie('model'), { maxLength: 3 }).map((items): Model => ({ kind: 'array', items }))),
  }));
  /** Writes the model; a key may be spelled with a \u escape of its first character, and spaces may surround the colon. */
  const write = (m: Model, escape: boolean, spaced: boolean): string => {
    if (m.kind === 'leaf') return m.json;
    if (m.kind === 'array') return `[${m.items.map((i) => write(i, escape, spaced)).join(',')}]`;
    return `{${m.members.map(([k, v]) => {
      const key = escape ? `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(k).slice(2)}` : JSON.stringify(k);
      return `${key}${spaced ? ' : ' : ':'}${write(v, escape, spaced)}`;
    }).join(',')}}`;
  };
  /** The reference: some object has two equal keys, or a prototype key. */
  const refused = (m: Model): boolean => {
    if (m.kind === 'leaf') return false;
    if (m.kind === 'array') return m.items.some(refused);
    const keys = m.members.map(([k]) => k);
    return new Set(keys).size !== keys.length || keys.some((k) => ['__proto__', 'constructor', 'prototype'].includes(k)) || m.members.some(([, v]) => refused(v));
  };

  test('parseJsonObject accepts exactly the objects without duplicate or prototype keys, however they are spelled (generated)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(keyArb, modelArb), { maxLength: 6 }), fc.boolean(), fc.boolean(), (members, escape, spaced) => {
      const model: Model = { kind: 'object', members };
      const text = write(model, escape, spaced);
      const parsed = parseJsonObject(text);
      if (refused(model)) expect(parsed).toBeUndefined();
      else expect(parsed).toEqual(JSON.parse(text));
    }), { numRuns: 2000 });
  });

  test('a token segment decodes to the object parseJsonObject gives for its text, and to nothing when it is not UTF-8 (generated)', () => {
    // The verifier parses headers and payloads with decodeJsonSegment, which counts the text's quotes in the decoded bytes
    // (four at a time) instead of in the text: it must accept and refuse exactly what parseJsonObject does.
    fc.assert(fc.property(fc.array(fc.tuple(keyArb, modelArb), { maxLength: 6 }), fc.boolean(), fc.boolean(), fc.string({ maxLength: 3 }),
      (members, escape, spaced, prefix) => {
        const model: Model = { kind: 'object', members };
        const text = write(model, escape, spaced);
        // a segment inside a token, at any offset; the quote count crosses word boundaries wherever the text falls
        const token = `${b64url(JSON.stringify({ alg: 'RS256', p: prefix }))}.${b64url(text)}.c2ln`;
        const dot1 = token.indexOf('.');
        const dot2 = token.indexOf('.', dot1 + 1);
        const decoded = decodeJsonSegment(token, dot1 + 1, dot2);
        expect(decoded).toEqual(parseJsonObject(text));
        if (refused(model)) expect(decoded).toBeUndefined();
        // the same bytes with one invalid UTF-8 byte appended are refused
        expect(decodeJsonSegment(b64url(Buffer.concat([Buffer.from(text), Buffer.from([0xff])])), 0, b64url(Buffer.concat([Buffer.from(text), Buffer.from([0xff])])).length)).toBeUndefined();
      }), { numRuns: 2000 });
    // named cases: quotes in the last, partial word, and a dropped duplicate whose quotes sit in different words
    expect(decodeJsonSegment(b64url('{"a":"b"}'), 0, b64url('{"a":"b"}').length)).toEqual({ a: 'b' });
    expect(decodeJsonSegment(b64url('{"aaa":1,"aaa":2}'), 0, b64url('{"aaa":1,"aaa":2}').length)).toBeUndefined();
    // bytes that are not ASCII are decoded as UTF-8: an invalid byte inside a string is refused, a valid one kept
    const invalid = b64url(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')]));
    expect(decodeJsonSegment(invalid, 0, invalid.length)).toBeUndefined();
    const accented = b64url(Buffer.from('{"a":"\u00e9"}', 'utf8'));
    expect(decodeJsonSegment(accented, 0, accented.length)).toEqual({ a: '\u00e9' });
    const escaped = '{"x":"\\\\"}'; // {"x":"\\"}: a backslash in the text takes the member count, not the quote count
    expect(decodeJsonSegment(b64url(escaped), 0, b64url(escaped).length)).toEqual({ x: '\\' });
  });
});

describe('JWKS cache', () => {
  test('caches keys across verifications: one fetch for many tokens and keys', async () => {
    const v = verifier();
    const before = server.hits.get('/.well-known/jwks.json') ?? 0;
    for (const key of [rsa, ps, ec256, ec384, ed, rsa, ps]) await v.verify(signJwt(key, claims()));
    expect(v.jwks.fetchCount).toBe(1);
    expect(server.hits.get('/.well-known/jwks.json')).toBe(before + 1);
  });

  test('key rotation: a new kid triggers exactly one refetch and then verifies', async () => {
    const v = verifier();
    await v.verify(signJwt(rsa, claims()));
    // WHEN the issuer publishes a new key and signs with it
    server.setKeys({ keys: [rsa.jwk, rsa2.jwk] });
    const results = await Promise.all([1, 2, 3].map(() => v.verify(signJwt(rsa2, claims()))));
    // THEN concurrent verifications share one refetch
    expect(results).toHaveLength(3);
    expect(v.jwks.fetchCount).toBe(2);
    await v.verify(signJwt(rsa, claims()));
    expect(v.jwks.fetchCount).toBe(2);
  });

  test('a key removed from the JWKS stops verifying after the next refetch', async () => {
    const v = verifier();
    await v.verify(signJwt(rsa, claims()));
    server.setKeys({ keys: [rsa2.jwk] });
    nowMs += 61_000;
    await v.verify(signJwt(rsa2, claims()));
    await expectReason(signJwt(rsa, claims()), 'kid_unknown', v);
  });

  test('an unknown-kid flood causes at most one fetch per interval', async () => {
    // GIVEN a warm verifier
    const v = verifier({ jwksRefetchIntervalSeconds: 60 });
    await v.verify(signJwt(rsa, claims()));
    const path = '/.well-known/jwks.json';
    const before = server.hits.get(path) ?? 0;
    // WHEN 200 tokens with random unknown kids arrive, concurrently and one by one
    const flood = Array.from({ length: 100 }, (_, i) => signJwt(attacker, claims(), { kid: `random-${i}` }));
    const results = await Promise.allSettled(flood.map((t) => v.verify(t)));
    for (const t of flood) await expect(v.verify(t)).rejects.toMatchObject({ reason: 'kid_unknown' });
    // THEN all fail closed and the JWKS was fetched once
    expect(results.every((r) => r.status === 'rejected' && (r.reason as JwtError).reason === 'kid_unknown')).toBe(true);
    expect(server.hits.get(path)).toBe(before + 1);
    // AND after the interval, one more fetch is allowed
    nowMs += 59_000;
    await expectReason(flood[0], 'kid_unknown', v);
    expect(server.hits.get(path)).toBe(before + 1);
    nowMs += 2_000;
    await expectReason(flood[0], 'kid_unknown', v);
    await expectReason(flood[1], 'kid_unknown', v);
    expect(server.hits.get(path)).toBe(before + 2);
  });

  test('JWKS outage: cached keys keep working and unknown kids fail closed', async () => {
    const v = verifier();
    await v.verify(signJwt(rsa, claims()));
    server.fail(503);
    nowMs += 120_000;
    // cached keys keep working
    await expect(v.verify(signJwt(rsa, claims()))).resolves.toBeDefined();
    await expect(v.verify(signJwt(ec256, claims()))).resolves.toBeDefined();
    // unknown kids fail closed (one failed refetch, then rate-limited)
    await expectReason(signJwt(rsa2, claims()), 'kid_unknown', v);
    await expectReason(signJwt(rsa2, claims()), 'kid_unknown', v);
    expect(v.jwks.fetchCount).toBe(2);
    // the old keys were kept after the failed refetch
    await expect(v.verify(signJwt(rsa, claims()))).resolves.toBeDefined();
  });

  test.each([
    ['an HTTP error', (s: Jwks) => s.fail(500)],
    ['an empty key set', (s: Jwks) => s.setKeys({ keys: [] })],
    ['a document that is not JSON', (s: Jwks) => s.setHandler(() => ({ body: '<html>' }))],
    ['a document with duplicate members', (s: Jwks) => s.setHandler(() => ({ body: `{"keys":[],"keys":${JSON.stringify([rsa2.jwk])}}` }))],
    ['a document over 64 KiB', (s: Jwks) => s.setHandler(() => ({ body: { keys: [rsa2.jwk], pad: 'x'.repeat(70_000) } }))],
  ])('keeps the cached keys when the refetch returns %s', async (_name, breakIt) => {
    const v = verifier();
    await v.verify(signJwt(rsa, claims()));
    breakIt(server);
    nowMs += 61_000;
    await expectReason(signJwt(rsa2, claims()), 'kid_unknown', v);
    await expect(v.verify(signJwt(rsa, claims()))).resolves.toBeDefined();
  });

  test('cold outage: no key ever loaded fails closed as jwks_unavailable, then recovers', async () => {
    server.fail(503);
    const v = verifier();
    await expectReason(signJwt(rsa, claims()), 'jwks_unavailable', v);
    server.setKeys({ keys: [rsa.jwk] });
    await expectReason(signJwt(rsa, claims()), 'jwks_unavailable', v); // rate-limited retry
    nowMs += 5_001;
    await expect(v.verify(signJwt(rsa, claims()))).resolves.toBeDefined();
  });

  test('a hanging JWKS endpoint times out and fails closed', async () => {
    // GIVEN an endpoint that never answers
    const hanging = await startLoopbackServer(() => new Promise(() => undefined));
    try {
      const cache = new JwksCache(`${hanging.url}/jwks`, { algorithms: ['RS256'], refetchIntervalMs: 60_000, timeoutMs: 200 });
      // WHEN a kid is resolved THEN the fetch is abandoned after the timeout
      const started = Date.now();
      await expect(cache.resolve('rsa-1')).resolves.toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(cache.loaded).toBe(false);
    } finally {
      await hanging.close();
    }
  });

  test('does not follow redirects (a redirect to another host cannot supply keys)', async () => {
    const evil = await startJwksServer({ keys: [attacker.jwk] });
    const redirecting = await startLoopbackServer(() => ({ status: 302, headers: { location: evil.jwksUri }, body: '' }));
    try {
      const v = verifier({ jwksUri: `${redirecting.url}/.well-known/jwks.json` });
      await expectReason(signJwt(attacker, claims()), 'jwks_unavailable', v);
      expect(evil.hits.size).toBe(0);
    } finally {
      await redirecting.close();
      await evil.close();
    }
  });

  test('an unreachable JWKS endpoint fails closed', async () => {
    const dead = await startLoopbackServer(() => ({ body: {} }));
    const uri = `${dead.url}/.well-known/jwks.json`;
    await dead.close();
    await expectReason(signJwt(rsa, claims()), 'jwks_unavailable', verifier({ jwksUri: uri }));
  });

  test('ignores unusable JWKs: RSA-1024, use enc, key_ops without verify, private key parts, duplicate kids, unsupported curves', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakKey: TestKey = { ...rsa, kid: 'weak', privateKey: weak.privateKey, publicKey: weak.publicKey, jwk: { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' } };
    const encKey = generateTestKey('RS256', 'enc');
    const opsKey = generateTestKey('RS256', 'ops');
    const dup1 = generateTestKey('RS256', 'dup');
    const dup2 = generateTestKey('RS256', 'dup');
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    server.setKeys({
      keys: [
        rsa.jwk, weakKey.jwk, { ...encKey.jwk, use: 'enc' }, { ...opsKey.jwk, key_ops: ['encrypt'] }, dup1.jwk, dup2.jwk,
        { ...p521.publicKey.export({ format: 'jwk' }), kid: 'p521' }, { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
      ],
    });
    const v = verifier();
    await expect(v.verify(signJwt(rsa, claims()))).resolves.toBeDefined();
    for (const key of [weakKey, encKey, opsKey, dup1, dup2]) await expectReason(signJwt(key, claims()), 'kid_unknown', v);
    await expectReason(signHs256('secret', claims(), { kid: 'hmac' }), 'alg_not_allowed', v);
  });
});

describe('configuration', () => {
  const env = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
    JWT_ISSUER: ISSUER, JWT_AUDIENCE: `${CLIENT_ID}, second`, JWKS_URI: `${ISSUER}/.well-known/jwks.json`, ...overrides,
  });

  test('reads the environment with secure defaults', () => {
    expect(verifierConfigFromEnv(env())).toEqual({
      issuer: ISSUER, audience: [CLIENT_ID, 'second'], jwksUri: `${ISSUER}/.well-known/jwks.json`, algorithms: ['RS256'],
      maxTokenAgeSeconds: 900, clockSkewSeconds: 30, tokenUse: undefined, requireAccessTokenType: true, rolesClaim: 'cognito:groups', jwksRefetchIntervalSeconds: 60,
    });
    expect(verifierConfigFromEnv(env({ JWT_ALGORITHMS: 'RS256,ES256', JWT_TOKEN_USE: 'access', JWT_CLOCK_SKEW_SECONDS: '60', JWT_MAX_TOKEN_AGE_SECONDS: '3600', JWT_ROLES_CLAIM: 'roles' })))
      .toMatchObject({ algorithms: ['RS256', 'ES256'], tokenUse: 'access', clockSkewSeconds: 60, maxTokenAgeSeconds: 3600, rolesClaim: 'roles' });
    expect(verifierConfigFromEnv(env({ JWKS_URI: 'http://127.0.0.1:8080/jwks' })).jwksUri).toBe('http://127.0.0.1:8080/jwks');
    expect(verifierConfigFromEnv(env({ JWKS_URI: 'http://[::1]:8080/jwks' })).jwksUri).toBe('http://[::1]:8080/jwks');
    expect(verifierConfigFromEnv(env({ JWKS_URI: 'http://localhost/jwks' })).jwksUri).toBe('http://localhost/jwks');
  });

  test.each([
    ['JWT_ISSUER is missing', { JWT_ISSUER: undefined }, /JWT_ISSUER is required/],
    ['JWT_ISSUER is plain http', { JWT_ISSUER: 'http://issuer.example.com' }, /JWT_ISSUER must use https/],
    ['JWT_AUDIENCE is missing', { JWT_AUDIENCE: undefined }, /JWT_AUDIENCE is required/],
    ['JWT_AUDIENCE is only commas', { JWT_AUDIENCE: ' , ,' }, /JWT_AUDIENCE is required/],
    ['JWKS_URI is missing', { JWKS_URI: undefined }, /JWKS_URI is required/],
    ['JWKS_URI is plain http on a public host', { JWKS_URI: 'http://issuer.example.com/jwks' }, /JWKS_URI must use https/],
    ['JWKS_URI is plain http on a look-alike host', { JWKS_URI: 'http://127.0.0.1.evil.example/jwks' }, /JWKS_URI must use https/],
    ['JWKS_URI has credentials', { JWKS_URI: 'https://user:pass@issuer.example.com/jwks' }, /must not contain credentials/],
    ['JWKS_URI is not a URL', { JWKS_URI: 'jwks.json' }, /JWKS_URI is not a valid URL/],
    ['JWT_ALGORITHMS allows HS256', { JWT_ALGORITHMS: 'RS256,HS256' }, /HS256.*not an allowed asymmetric algorithm/],
    ['JWT_ALGORITHMS allows none', { JWT_ALGORITHMS: 'none' }, /not an allowed asymmetric algorithm/],
    ['JWT_CLOCK_SKEW_SECONDS is over 60', { JWT_CLOCK_SKEW_SECONDS: '61' }, /JWT_CLOCK_SKEW_SECONDS must be a whole number from 0 to 60/],
    ['JWT_CLOCK_SKEW_SECONDS is negative', { JWT_CLOCK_SKEW_SECONDS: '-1' }, /JWT_CLOCK_SKEW_SECONDS must be a whole number/],
    ['JWT_MAX_TOKEN_AGE_SECONDS is not a number', { JWT_MAX_TOKEN_AGE_SECONDS: '15m' }, /JWT_MAX_TOKEN_AGE_SECONDS must be a whole number/],
    ['JWT_MAX_TOKEN_AGE_SECONDS is 0', { JWT_MAX_TOKEN_AGE_SECONDS: '0' }, /JWT_MAX_TOKEN_AGE_SECONDS must be a whole number from 1/],
    ['JWT_TOKEN_USE is refresh', { JWT_TOKEN_USE: 'refresh' }, /JWT_TOKEN_USE must be access or empty/],
    ['JWT_ROLES_CLAIM is __proto__', { JWT_ROLES_CLAIM: '__proto__' }, /JWT_ROLES_CLAIM must name a claim/],
  ])('fails if %s', (_name, overrides, message) => {
    expect(() => verifierConfigFromEnv(env(overrides))).toThrow(message);
    expect(() => verifierConfigFromEnv(env(overrides))).toThrow(JwtConfigError);
  });

  test('fails if the constructor gets an unsafe configuration', () => {
    expect(() => new JwtVerifier(config({ algorithms: ['HS256'] }))).toThrow(/not an allowed asymmetric algorithm/);
    expect(() => new JwtVerifier(config({ clockSkewSeconds: 120 }))).toThrow(/JWT_CLOCK_SKEW_SECONDS/);
  });
});
