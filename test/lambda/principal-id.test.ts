/**
 * The principalId the authorizer answers and the identity the API handler derives from it. A subject that is not
 * log-safe is hashed into the principalId (the access log does not escape it); the handler must accept exactly that
 * hash for exactly that subject, and nothing else. Named examples, then generated subjects (fast-check) against a
 * reference model written here.
 */
import { createHash } from 'crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as fc from 'fast-check';
import { buildPolicy, parseMethodArn } from '../../lambda/authorizer/authorizer';
import { callerFrom } from '../../app/lambda/api/request';
import { HttpError } from '../../lambda/shared/http';
import type { VerifiedIdentity } from '../../lambda/shared/jwt/verifier';

const ARN = parseMethodArn('arn:aws:execute-api:eu-west-1:123456789012:abc123def4/prod/GET/notes')!;

/** What API Gateway hands the handler: the authorizer's principalId beside its context (values as strings). */
function handlerEvent(authorizer: Record<string, string>): APIGatewayProxyEvent {
  return { requestContext: { authorizer } } as unknown as APIGatewayProxyEvent;
}

/** The authorizer's answer for a subject, as the handler receives it. */
function authorizedContext(sub: string): Record<string, string> {
  const identity: VerifiedIdentity = { sub, roles: ['user'], scopes: [], claims: { sub } };
  const result = buildPolicy(ARN, identity, []);
  return { principalId: result.principalId, ...result.context };
}

/** The handler's answer: the principal, or 'refused' for a 401. */
function principalOf(authorizer: Record<string, string>): string {
  try {
    return callerFrom(handlerEvent(authorizer)).principal;
  } catch (e) {
    if (e instanceof HttpError && e.statusCode === 401) return 'refused';
    throw e;
  }
}

// Reference model, written independently of lambda/shared/principal-id: a subject is valid for the handler when it
// has 1-256 characters and no control character; its log form is itself when every character is in the log-safe
// alphabet, else a prefix outside that alphabet and 32 hex digits of SHA-256.
const VALID_SUB = (sub: string): boolean => sub.length >= 1 && sub.length <= 256 && ![...sub].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const LOG_SAFE = /^[A-Za-z0-9_.:@|+=/-]{1,256}$/;
const modelHash = (sub: string): string => `#sha256:${createHash('sha256').update(sub, 'utf8').digest('hex').slice(0, 32)}`;
const modelPrincipalId = (sub: string): string => (LOG_SAFE.test(sub) ? sub : modelHash(sub));

describe('a subject that is not log-safe', () => {
  test.each(['josé', 'Jane Doe', 'user#42', 'x","sourceIp":"203.0.113.7', 'ｕｓｅｒ'])('%j gets through with its hashed principalId, as itself', (sub) => {
    const ctx = authorizedContext(sub);
    expect(ctx.principalId).toMatch(/^#sha256:[0-9a-f]{32}$/);
    expect(principalOf(ctx)).toBe(sub);
  });

  test('a log-safe subject is its own principalId', () => {
    expect(authorizedContext('user-123').principalId).toBe('user-123');
    expect(principalOf(authorizedContext('user-123'))).toBe('user-123');
  });

  test('no log-safe subject can equal a hashed principalId (the prefix is outside the log-safe alphabet)', () => {
    const hashed = authorizedContext('josé').principalId;
    expect(authorizedContext(hashed).principalId).not.toBe(hashed);
  });

  test.each([
    ['the hash of another subject', { principalId: authorizedContext('mallory#1').principalId, sub: 'josé', roles: 'user' }],
    ['a hashed principalId without the subject it stands for', { principalId: authorizedContext('josé').principalId, roles: 'user' }],
    ['a hash with the old prefix', { principalId: `sub-sha256:${modelHash('josé').slice(8)}`, sub: 'josé', roles: 'user' }],
    ['a hash cut short', { principalId: authorizedContext('josé').principalId.slice(0, 20), sub: 'josé', roles: 'user' }],
    ['plain disagreement', { principalId: 'alice', sub: 'mallory', roles: 'user' }],
  ])('fails if the principalId is %s (401)', (_name, ctx) => {
    expect(principalOf(ctx)).toBe('refused');
  });
});

describe('generated subjects', () => {
  const subjects = fc.oneof(
    fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
    fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
    fc.stringMatching(/^[A-Za-z0-9_.:@|+=/# -]{1,40}$/),
  );

  test('every valid subject gets through as itself, with the principalId the model predicts', () => {
    fc.assert(fc.property(subjects, (sub) => {
      const ctx = authorizedContext(sub);
      expect(ctx.principalId).toBe(modelPrincipalId(sub));
      expect(principalOf(ctx)).toBe(VALID_SUB(sub) ? sub : 'refused');
    }), { numRuns: 2000 });
  });

  test('a principalId that is neither the subject nor its hash is refused', () => {
    fc.assert(fc.property(subjects, fc.oneof(subjects, subjects.map(modelHash), fc.stringMatching(/^#sha256:[0-9a-f]{32}$/)), (sub, principalId) => {
      fc.pre(principalId !== sub && principalId !== modelHash(sub));
      expect(principalOf({ principalId, sub, roles: 'user' })).toBe('refused');
    }), { numRuns: 2000 });
  });
});
