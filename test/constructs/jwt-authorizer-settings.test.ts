import { App, Stack } from 'aws-cdk-lib';
import fc from 'fast-check';
import { HttpMethod, JwtAuthorizer } from '../../lib/constructs/jwt-authorizer';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { DEFAULT_CLOCK_SKEW_SECONDS, JwtVerifierConfig, validateVerifierConfig } from '../../lambda/shared/jwt';

/**
 * JwtAuthorizer's prop checks and the verifier's own check of its settings (validateVerifierConfig, run by the
 * authorizer at cold start) are one rule: a setting synth accepts is a setting the deployed verifier accepts, and one
 * synth refuses is one the verifier would refuse. Generated cases compare the two on the settings both check: the
 * maximum token age and the roles claim's name (forbidden prototype keys included).
 */

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Auth', { env: { account: '111111111111', region: 'eu-west-1' } });
const logsKey = new LogsKey(stack, 'LogsKey').key;
const { vpc } = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
let n = 0;

/** Whether JwtAuthorizer accepts the settings (each attempt is a new construct in the one stack). */
function synthAccepts(settings: { maxTokenAgeSeconds?: number; rolesClaim?: string }): boolean {
  try {
    new JwtAuthorizer(stack, `Authorizer${n++}`, {
      vpc, logsKey, issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`,
      routes: [{ method: HttpMethod.GET, path: '/orders', roles: ['clerk'], scopes: ['https://shop.example.com/orders.read'] }], ...settings,
    });
    return true;
  } catch (err) {
    if (!/invalid (maxTokenAgeSeconds|rolesClaim)/.test(String(err))) throw err;
    return false;
  }
}

/** Whether the verifier accepts the same settings. */
function verifierAccepts(settings: { maxTokenAgeSeconds?: number; rolesClaim?: string }): boolean {
  const config: JwtVerifierConfig = {
    issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, algorithms: ['RS256'],
    maxTokenAgeSeconds: settings.maxTokenAgeSeconds ?? 900, clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
    requireAccessTokenType: true, rolesClaim: settings.rolesClaim ?? 'cognito:groups',
  };
  try {
    validateVerifierConfig(config);
    return true;
  } catch {
    return false;
  }
}

describe('JwtAuthorizer settings checks are the verifier\'s', () => {
  test.each([
    ['the largest token age (one day)', { maxTokenAgeSeconds: 86_400 }, true],
    ['a token age over a day', { maxTokenAgeSeconds: 86_401 }, false],
    ['token age 0', { maxTokenAgeSeconds: 0 }, false],
    ['rolesClaim __proto__', { rolesClaim: '__proto__' }, false],
    ['rolesClaim constructor', { rolesClaim: 'constructor' }, false],
    ['a blank rolesClaim', { rolesClaim: '  ' }, false],
    ['rolesClaim roles', { rolesClaim: 'roles' }, true],
  ])('%s: synth and verifier agree', (_name, settings, accepted) => {
    expect({ synth: synthAccepts(settings), verifier: verifierAccepts(settings) }).toEqual({ synth: accepted, verifier: accepted });
  });

  test('generated token ages and roles-claim names: synth accepts exactly what the verifier accepts', () => {
    const claim = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', '\t', 'roles', 'cognito:groups'), fc.string({ maxLength: 12 }));
    fc.assert(fc.property(fc.integer({ min: -10, max: 100_000 }), claim, (maxTokenAgeSeconds, rolesClaim) => {
      const settings = { maxTokenAgeSeconds, rolesClaim };
      expect(synthAccepts(settings)).toBe(verifierAccepts(settings));
    }), { numRuns: 60 });
  });
});
