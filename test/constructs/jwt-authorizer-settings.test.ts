import { App, Duration, Stack } from 'aws-cdk-lib';
import fc from 'fast-check';
import { HttpMethod, JwtAuthorizer } from '../../lib/constructs/jwt-authorizer';
import { LogsKey } from '../../lib/constructs/logging';
import { SecureVpc } from '../../lib/constructs/secure-vpc';
import { DEFAULT_CLOCK_SKEW_SECONDS, JwtVerifierConfig, validateVerifierConfig } from '../../lambda/shared/jwt';

/**
 * JwtAuthorizer's prop checks and the verifier's own check of its settings (validateVerifierConfig, run by the
 * authorizer at cold start) are one rule: a setting synth accepts is a setting the deployed verifier accepts, and one
 * synth refuses is one the verifier would refuse. Generated cases compare the two on the settings both check: the
 * maximum token age and the clock skew (a `Duration` at synth, whole seconds for the verifier, so fractions of a second
 * are refused by both) and the roles claim's name (forbidden prototype keys included).
 */

/** The settings compared: durations in milliseconds (synth gets `Duration.millis`, the verifier the seconds). */
interface Settings { readonly maxTokenAgeMillis?: number; readonly clockSkewMillis?: number; readonly rolesClaim?: string }

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Auth', { env: { account: '111111111111', region: 'eu-west-1' } });
const logsKey = new LogsKey(stack, 'LogsKey').key;
const { vpc } = new SecureVpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], logsKey, natGateways: 1 });
let n = 0;

/** Whether JwtAuthorizer accepts the settings (each attempt is a new construct in the one stack). */
function synthAccepts(settings: Settings): boolean {
  const millis = (ms: number | undefined) => (ms === undefined ? undefined : Duration.millis(ms));
  try {
    new JwtAuthorizer(stack, `Authorizer${n++}`, {
      vpc, logsKey, issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`,
      routes: [{ method: HttpMethod.GET, path: '/orders', roles: ['clerk'], scopes: ['https://shop.example.com/orders.read'] }],
      maxTokenAge: millis(settings.maxTokenAgeMillis), clockSkew: millis(settings.clockSkewMillis), rolesClaim: settings.rolesClaim,
    });
    return true;
  } catch (err) {
    // A negative Duration cannot even be made (aws-cdk-lib throws): synth cannot be given one.
    if (!/invalid (maxTokenAge|clockSkew|rolesClaim) =|Duration amounts cannot be negative/.test(String(err))) throw err;
    return false;
  }
}

/** Whether the verifier accepts the same settings. */
function verifierAccepts(settings: Settings): boolean {
  const config: JwtVerifierConfig = {
    issuer: ISSUER, audience: ['client-1'], jwksUri: `${ISSUER}/.well-known/jwks.json`, algorithms: ['RS256'],
    maxTokenAgeSeconds: settings.maxTokenAgeMillis === undefined ? 900 : settings.maxTokenAgeMillis / 1000,
    clockSkewSeconds: settings.clockSkewMillis === undefined ? DEFAULT_CLOCK_SKEW_SECONDS : settings.clockSkewMillis / 1000,
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
    ['the largest token age (one day)', { maxTokenAgeMillis: 86_400_000 }, true],
    ['a token age over a day', { maxTokenAgeMillis: 86_401_000 }, false],
    ['token age 0', { maxTokenAgeMillis: 0 }, false],
    ['a token age of 900.5 seconds', { maxTokenAgeMillis: 900_500 }, false],
    ['no clock skew', { clockSkewMillis: 0 }, true],
    ['the largest clock skew (one minute)', { clockSkewMillis: 60_000 }, true],
    ['a clock skew over a minute', { clockSkewMillis: 61_000 }, false],
    ['a clock skew of half a second', { clockSkewMillis: 500 }, false],
    ['rolesClaim __proto__', { rolesClaim: '__proto__' }, false],
    ['rolesClaim constructor', { rolesClaim: 'constructor' }, false],
    ['a blank rolesClaim', { rolesClaim: '  ' }, false],
    ['rolesClaim roles', { rolesClaim: 'roles' }, true],
  ])('%s: synth and verifier agree', (_name, settings, accepted) => {
    expect({ synth: synthAccepts(settings), verifier: verifierAccepts(settings) }).toEqual({ synth: accepted, verifier: accepted });
  });

  test('generated token ages, clock skews and roles-claim names: synth accepts exactly what the verifier accepts', () => {
    const claim = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', '\t', 'roles', 'cognito:groups'), fc.string({ maxLength: 12 }));
    // Mostly whole seconds (around the limits), sometimes any number of milliseconds.
    const millis = (maxSeconds: number) => fc.oneof(fc.integer({ min: -10, max: maxSeconds }).map((s) => s * 1000), fc.integer({ min: 0, max: maxSeconds * 1000 }));
    fc.assert(fc.property(millis(100_000), millis(100), claim, (maxTokenAgeMillis, clockSkewMillis, rolesClaim) => {
      const settings = { maxTokenAgeMillis, clockSkewMillis, rolesClaim };
      expect(synthAccepts(settings)).toBe(verifierAccepts(settings));
    }), { numRuns: 60 });
  });
});
