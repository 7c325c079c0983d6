/**
 * JSON schema (draft-04) of the session endpoints' one request body, defined once and used twice: by the API Gateway
 * request model of `POST /auth/token` (edge, app/stacks/api-stack.ts) and by `core.ts`, whose checks read the property
 * names and patterns from it (in code, before the issuer is called). `POST /auth/refresh` and `POST /auth/logout` take
 * no body.
 *
 * The same rules as the notes API's schemas (app/lambda/api/schemas): only draft-04 basics that API Gateway models support,
 * every string bounded, unknown properties rejected, patterns that mean the same in ECMAScript and Java regular
 * expressions (one character class each, bounds equal to minLength/maxLength).
 */

/** The draft-04 meta-schema URI the schema declares (API Gateway models are draft-04). */
import { JSON_SCHEMA_DRAFT_04 as DRAFT_04 } from '../../../lib/contracts/json-schema';

export { DRAFT_04 };

/** Length bounds of the token request's fields, in characters (both fields are ASCII only). */
export const TOKEN_REQUEST_LIMITS = Object.freeze({
  /** Authorization codes: Cognito's are UUIDs (36); other issuers' are longer opaque strings. */
  codeMinLength: 8,
  codeMaxLength: 512,
  /** RFC 7636 §4.1: a code verifier has 43 to 128 characters. */
  verifierMinLength: 43,
  verifierMaxLength: 128,
});

const L = TOKEN_REQUEST_LIMITS;
/** Authorization codes: printable, URL-safe, bounded. */
export const CODE_PATTERN = new RegExp(`^[A-Za-z0-9\\-._~+/=]{${L.codeMinLength},${L.codeMaxLength}}$`);
/** RFC 7636 §4.1: the unreserved characters `A-Z a-z 0-9 - . _ ~`, 43-128 of them. */
export const CODE_VERIFIER_PATTERN = new RegExp(`^[A-Za-z0-9\\-._~]{${L.verifierMinLength},${L.verifierMaxLength}}$`);

/** `POST /auth/token` body: `{ code, code_verifier }`, both required, nothing else. */
export const tokenRequestSchema = {
  $schema: DRAFT_04,
  title: 'TokenRequest',
  type: 'object',
  required: ['code', 'code_verifier'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', minLength: L.codeMinLength, maxLength: L.codeMaxLength, pattern: CODE_PATTERN.source },
    code_verifier: { type: 'string', minLength: L.verifierMinLength, maxLength: L.verifierMaxLength, pattern: CODE_VERIFIER_PATTERN.source },
  },
} as const;

/** The properties a token request may carry, read from {@link tokenRequestSchema}. */
export const TOKEN_REQUEST_FIELDS: readonly string[] = Object.freeze(Object.keys(tokenRequestSchema.properties));
