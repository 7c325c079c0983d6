/**
 * ID tokens are never API credentials. Tokens come from a real OAuth 2.0 server
 * (npm oauth2-mock-server on 127.0.0.1, code flow with PKCE): its ID token
 * (`typ: JWT`, `aud` = the client id) and its access token, shaped like an RFC 9068
 * issuer's (`typ: at+jwt`, `aud` = the API identifier), both signed with its key and
 * checked against its JWKS.
 */
import { JwtError, JwtVerifier, JwtVerifierConfig, verifierConfigFromEnv } from '../../lambda/shared/jwt';
import { MockOAuthServer, startMockOAuthServer } from './oauth2-mock';

const CLIENT_ID = 'spa-client';
const API = 'https://api.example.test';
const REDIRECT_URI = 'https://app.example.test/callback';

let issuer: MockOAuthServer;

beforeAll(async () => { issuer = await startMockOAuthServer(); });
afterAll(async () => { await issuer.stop(); });
afterEach(async () => { await issuer.reset(); });

/** Signs in through the code flow and returns the token endpoint's access and ID tokens. */
async function signIn(accessToken: NonNullable<Parameters<MockOAuthServer['set']>[0]['accessToken']>): Promise<{ access: string; id: string }> {
  await issuer.set({ accessToken });
  const { code, verifier } = await issuer.authorize(CLIENT_ID, REDIRECT_URI);
  const res = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'openid notes.read' }),
  });
  const body = await res.json() as { access_token: string; id_token: string };
  return { access: body.access_token, id: body.id_token };
}

function verifier(overrides: Partial<JwtVerifierConfig> = {}): JwtVerifier {
  return new JwtVerifier({
    issuer: issuer.url, audience: [API], jwksUri: issuer.jwksUri, algorithms: ['RS256'], maxTokenAgeSeconds: 900,
    clockSkewSeconds: 30, rolesClaim: 'groups', ...overrides,
  });
}

async function reason(v: JwtVerifier, token: string): Promise<string> {
  try {
    await v.verify(token);
  } catch (err) {
    if (err instanceof JwtError) return err.reason;
    throw err;
  }
  return 'accepted';
}

const header = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
const payload = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

describe('OIDC issuers: access tokens by RFC 9068 typ at+jwt', () => {
  test('accepts the issuer\'s access token (typ at+jwt, aud = the API identifier)', async () => {
    const { access } = await signIn({ typ: 'at+jwt', aud: API, groups: ['user'] });
    expect(header(access).typ).toBe('at+jwt');
    const identity = await verifier().verify(access);
    expect(identity).toMatchObject({ sub: 'johndoe', roles: ['user'], scopes: ['openid', 'notes.read'] });
  });

  test('fails if the ID token of the same sign-in is accepted as an API credential', async () => {
    // GIVEN a sign-in: the ID token says typ JWT and aud = the client id
    const { id } = await signIn({ typ: 'at+jwt', aud: API });
    expect(header(id).typ).toBe('JWT');
    expect(payload(id).aud).toBe(CLIENT_ID);
    // WHEN it is presented to the API, even by a verifier whose audience wrongly lists the client id
    // THEN it is refused for its type
    expect(await reason(verifier(), id)).toBe('typ_invalid');
    expect(await reason(verifier({ audience: [API, CLIENT_ID] }), id)).toBe('typ_invalid');
  });

  test('the default from the environment requires at+jwt (no JWT_TOKEN_USE, no JWT_REQUIRE_ACCESS_TOKEN_TYPE)', async () => {
    const { access, id } = await signIn({ typ: 'at+jwt', aud: API });
    const config = verifierConfigFromEnv({ JWT_ISSUER: issuer.url, JWT_AUDIENCE: `${API},${CLIENT_ID}`, JWKS_URI: issuer.jwksUri });
    expect(config.requireAccessTokenType).toBe(true);
    const v = new JwtVerifier(config);
    await expect(v.verify(access)).resolves.toBeDefined();
    expect(await reason(v, id)).toBe('typ_invalid');
  });

  test('fails if an access token of an issuer without typ at+jwt is accepted by default', async () => {
    // GIVEN an issuer that types its access tokens JWT: the default refuses them too (fail closed, never guess)
    const { access } = await signIn({ typ: 'JWT', aud: API });
    expect(await reason(verifier(), access)).toBe('typ_invalid');
  });

  test('opt-out for issuers that do not set typ: access tokens by audience, the ID token still refused by its audience', async () => {
    // GIVEN requireAccessTokenType: false and the API identifier as the only audience
    const { access, id } = await signIn({ typ: 'JWT', aud: API });
    const v = verifier({ requireAccessTokenType: false });
    // THEN the access token passes, and the ID token (aud = client id) does not
    await expect(v.verify(access)).resolves.toMatchObject({ sub: 'johndoe' });
    expect(await reason(v, id)).toBe('aud_invalid');
  });
});

describe('Cognito: access tokens by token_use', () => {
  test('fails if tokenUse id can be configured (an ID token is never an API credential)', () => {
    expect(() => verifier({ tokenUse: 'id' })).toThrow(/JWT_TOKEN_USE must be access or empty \(ID tokens are never API credentials\)/);
    expect(() => verifierConfigFromEnv({ JWT_ISSUER: issuer.url, JWT_AUDIENCE: CLIENT_ID, JWKS_URI: issuer.jwksUri, JWT_TOKEN_USE: 'id' })).toThrow(/ID tokens are never API credentials/);
  });

  test('tokenUse access does not require typ (Cognito access tokens carry none) and is explicit about it', () => {
    expect(verifier({ tokenUse: 'access', audience: [CLIENT_ID] }).config.requireAccessTokenType).toBe(false);
    expect(verifier({ tokenUse: 'access', audience: [CLIENT_ID], requireAccessTokenType: true }).config.requireAccessTokenType).toBe(true);
    expect(() => verifierConfigFromEnv({ JWT_ISSUER: issuer.url, JWT_AUDIENCE: API, JWKS_URI: issuer.jwksUri, JWT_REQUIRE_ACCESS_TOKEN_TYPE: 'yes' })).toThrow(/JWT_REQUIRE_ACCESS_TOKEN_TYPE must be true or false/);
  });
});
