import {
  DEFAULT_CLOCK_SKEW_SECONDS, JwtVerifierConfig, validateVerifierConfig, verifierConfigFromEnv, verifierEnvironment,
} from '../../lambda/shared/jwt';
import { ROUTES_ENV } from '../../lib/contracts/route-permissions';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';

/** Configurations that differ from the defaults in every setting the environment carries. */
const CONFIGS: [string, JwtVerifierConfig][] = [
  ['Cognito access tokens', {
    issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, algorithms: ['RS256'],
    maxTokenAgeSeconds: 900, clockSkewSeconds: 30, tokenUse: 'access', rolesClaim: 'cognito:groups',
  }],
  ['an OIDC issuer with two audiences, two algorithms, no clock skew and its own roles claim', {
    issuer: 'https://login.example.org/', audience: ['https://api.example.org', 'second'], jwksUri: 'https://login.example.org/jwks',
    algorithms: ['ES256', 'RS256'], maxTokenAgeSeconds: 3600, clockSkewSeconds: 0, rolesClaim: 'roles', requireAccessTokenType: true,
  }],
  ['the largest clock skew, the access-token type check off and a JWKS refetch interval', {
    issuer: 'https://login.example.org/', audience: ['https://api.example.org'], jwksUri: 'http://127.0.0.1:8080/jwks',
    algorithms: ['EdDSA'], maxTokenAgeSeconds: 60, clockSkewSeconds: 60, rolesClaim: 'groups', requireAccessTokenType: false,
    jwksRefetchIntervalSeconds: 300,
  }],
];

describe('verifierEnvironment: the one writer of the verifier settings that verifierConfigFromEnv reads', () => {
  test.each(CONFIGS)('fails if a configuration (%s) does not survive the round trip through the environment', (_name, config) => {
    // GIVEN a configuration  WHEN written as environment variables and read back as a handler does at cold start
    const env = verifierEnvironment(config);
    // THEN the handler verifies with exactly that configuration (validated and normalized as any configuration is)
    expect(verifierConfigFromEnv(env)).toEqual(validateVerifierConfig(config));
    expect(env.JWT_CLOCK_SKEW_SECONDS).toBe(String(config.clockSkewSeconds));
  });

  test('fails if the clock skew is left for the handler\'s default instead of being written', () => {
    // GIVEN a skew other than the default  THEN it is in the environment, and the handler reads it back
    const config = { ...CONFIGS[0][1], clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS + 15 };
    const env = verifierEnvironment(config);
    expect(env.JWT_CLOCK_SKEW_SECONDS).toBe(String(DEFAULT_CLOCK_SKEW_SECONDS + 15));
    expect(verifierConfigFromEnv(env).clockSkewSeconds).toBe(DEFAULT_CLOCK_SKEW_SECONDS + 15);
  });

  test('writes only settings: no route table, nothing undefined', () => {
    const env = verifierEnvironment(CONFIGS[1][1]);
    expect(Object.keys(env)).not.toContain(ROUTES_ENV);
    expect(Object.keys(env)).not.toContain('JWT_TOKEN_USE');
    expect(Object.values(env).every((v) => typeof v === 'string' && v !== 'undefined')).toBe(true);
  });
});
