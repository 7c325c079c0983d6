import Ajv from 'ajv-draft-04';
import { HttpError } from '../../lambda/shared/http';
import { parseTokenRequest } from '../../app/lambda/session/core';
import {
  CODE_PATTERN, CODE_VERIFIER_PATTERN, TOKEN_REQUEST_FIELDS, TOKEN_REQUEST_LIMITS, tokenRequestSchema,
} from '../../app/lambda/session/schemas';

const VERIFIER = 'a'.repeat(TOKEN_REQUEST_LIMITS.verifierMinLength);
const CODE = '3f2b1c9e-8a7d-4e6f-9b0a-1c2d3e4f5a6b';

/** Bodies on both sides of every rule of the schema: bounds, character sets, types, required and unknown fields. */
const BODIES: unknown[] = [
  { code: CODE, code_verifier: VERIFIER },
  { code: 'a'.repeat(TOKEN_REQUEST_LIMITS.codeMinLength), code_verifier: 'A-._~'.repeat(25) + 'abc' },
  { code: 'a'.repeat(TOKEN_REQUEST_LIMITS.codeMaxLength), code_verifier: 'z'.repeat(TOKEN_REQUEST_LIMITS.verifierMaxLength) },
  { code: 'a'.repeat(TOKEN_REQUEST_LIMITS.codeMinLength - 1), code_verifier: VERIFIER },
  { code: 'a'.repeat(TOKEN_REQUEST_LIMITS.codeMaxLength + 1), code_verifier: VERIFIER },
  { code: CODE, code_verifier: 'a'.repeat(TOKEN_REQUEST_LIMITS.verifierMinLength - 1) },
  { code: CODE, code_verifier: 'a'.repeat(TOKEN_REQUEST_LIMITS.verifierMaxLength + 1) },
  { code: 'abc+/=abc', code_verifier: VERIFIER },
  { code: 'abc def ghi', code_verifier: VERIFIER },
  { code: CODE, code_verifier: `${VERIFIER}+` },
  { code: CODE, code_verifier: `${'a'.repeat(50)}é` },
  { code: `${CODE}\n`, code_verifier: VERIFIER },
  { code: CODE },
  { code_verifier: VERIFIER },
  {},
  { code: 12345678, code_verifier: VERIFIER },
  { code: CODE, code_verifier: null },
  { code: CODE, code_verifier: VERIFIER, redirect_uri: 'https://evil.example' },
  { code: CODE, code_verifier: VERIFIER, state: '' },
  [CODE, VERIFIER],
  'code',
  42,
  null,
];

function acceptedByHandler(body: unknown): boolean {
  try {
    parseTokenRequest({ method: 'POST', path: '/auth/token', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return true;
  } catch (err) {
    // A refusal is a 400 answer, never an exception of another kind.
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).statusCode).toBe(400);
    return false;
  }
}

describe('the token request schema (app/lambda/session/schemas.ts): one definition for the gateway model and the session handler', () => {
  const ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false });

  test('is a strict draft-04 schema that ajv compiles (the dialect of API Gateway models)', () => {
    expect(tokenRequestSchema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(() => ajv.compile(tokenRequestSchema)).not.toThrow();
  });

  test.each(BODIES.map((b) => [JSON.stringify(b).slice(0, 60), b]))('fails if the handler and the gateway model disagree on %s', (_name, body) => {
    // GIVEN the schema the gateway validates with  WHEN the same body reaches the handler  THEN both accept or both refuse it
    const validate = ajv.compile(tokenRequestSchema);
    expect({ body, accepted: acceptedByHandler(body) }).toEqual({ body, accepted: validate(body) });
  });

  test('the handler accepts exactly the schema\'s fields, with the schema\'s patterns', () => {
    expect(TOKEN_REQUEST_FIELDS).toEqual(Object.keys(tokenRequestSchema.properties));
    expect([...TOKEN_REQUEST_FIELDS].sort()).toEqual([...tokenRequestSchema.required].sort());
    expect(tokenRequestSchema.properties.code.pattern).toBe(CODE_PATTERN.source);
    expect(tokenRequestSchema.properties.code_verifier.pattern).toBe(CODE_VERIFIER_PATTERN.source);
  });

  test('fails if a pattern\'s length bounds differ from minLength/maxLength (API Gateway and ajv would then disagree with each other)', () => {
    for (const field of Object.values(tokenRequestSchema.properties)) {
      expect(field.pattern).toMatch(new RegExp(`\\{${field.minLength},${field.maxLength}\\}\\$$`));
    }
  });
});
