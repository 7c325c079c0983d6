/**
 * Real keys and real signed JWTs for tests and benchmarks (node:crypto only):
 * RSA-2048, EC P-256 / P-384 and Ed25519 keys generated on the spot, tokens
 * signed exactly as an issuer would, and helpers to build malformed tokens.
 */
import { constants, createHmac, generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';

export type TestAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA';

/** A key pair and its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly alg: TestAlg;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Public JWK with kid, alg and use (what the issuer publishes). */
  readonly jwk: Record<string, unknown>;
}

/** Generates a key pair for the algorithm. */
export function generateTestKey(alg: TestAlg, kid: string = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`, options: { withAlg?: boolean } = {}): TestKey {
  let pair: { publicKey: KeyObject; privateKey: KeyObject };
  if (alg.startsWith('RS') || alg.startsWith('PS')) pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else pair = generateKeyPairSync('ed25519');
  const jwk: Record<string, unknown> = { ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' };
  if (options.withAlg ?? true) jwk.alg = alg;
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

/** base64url without padding. */
export function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs `signingInput` with the key for the algorithm (raw r||s for ECDSA). */
export function signBytes(alg: string, privateKey: KeyObject, signingInput: string): Buffer {
  const data = Buffer.from(signingInput);
  const digest = `sha${alg.slice(2)}`;
  if (alg.startsWith('RS')) return sign(digest, data, privateKey);
  if (alg.startsWith('PS')) return sign(digest, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  if (alg.startsWith('ES')) return sign(digest, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  if (alg === 'EdDSA') return sign(null, data, privateKey);
  throw new Error(`cannot sign ${alg}`);
}

/**
 * Builds a signed compact JWS. Header and payload may be objects or raw JSON
 * text (to test duplicate keys, odd spacing, ...). The header gets the key's
 * alg and kid unless given; the signature always uses the key's own algorithm.
 */
export function signJwt(key: TestKey, payload: object | string, header: object | string = {}): string {
  const h = typeof header === 'string' ? header : JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header });
  const p = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const input = `${b64url(h)}.${b64url(p)}`;
  return `${input}.${b64url(signBytes(key.alg, key.privateKey, input))}`;
}

/** An HS256 token whose HMAC secret is `secret` (for key-confusion attacks). */
export function signHs256(secret: Buffer | string, payload: object, header: object): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Realistic Cognito-like claims (ID-token style, with aud) valid at `nowSeconds`. */
export function cognitoClaims(issuer: string, clientId: string, nowSeconds: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sub = randomUUID();
  return {
    sub,
    'cognito:groups': ['user'],
    email_verified: true,
    iss: issuer,
    'cognito:username': sub,
    origin_jti: randomUUID(),
    aud: clientId,
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: nowSeconds - 60,
    exp: nowSeconds + 840,
    iat: nowSeconds - 60,
    jti: randomUUID(),
    email: 'jane.doe@example.com',
    ...overrides,
  };
}

/** Cognito-like access-token claims (client_id, no aud) valid at `nowSeconds`. */
export function cognitoAccessClaims(issuer: string, clientId: string, nowSeconds: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const sub = randomUUID();
  return {
    sub,
    'cognito:groups': ['user'],
    iss: issuer,
    version: 2,
    client_id: clientId,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'openid notes/read notes/write',
    auth_time: nowSeconds - 60,
    exp: nowSeconds + 840,
    iat: nowSeconds - 60,
    jti: randomUUID(),
    username: sub,
    ...overrides,
  };
}
