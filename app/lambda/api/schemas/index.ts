/**
 * JSON schemas (draft-04) of the notes API, defined once and used twice:
 * by the API Gateway request models/validators (edge) and by `app.ts` with
 * ajv + ajv-draft-04 (in code, before any query).
 *
 * Only draft-04 basics that API Gateway models support are used: `type`,
 * `properties`, `required`, `additionalProperties`, `minLength`/`maxLength`,
 * `pattern`, `items`, `maxItems`, `uniqueItems`, `minProperties`/`maxProperties`.
 * No `format`, `$ref`, `const`, `if`/`then` or other later keywords. Every string
 * has a length bound and every array a size bound; unknown properties are rejected.
 *
 * Patterns are written so they mean the same in ECMAScript (ajv) and Java
 * (API Gateway) regular expressions, and are linear (one character class each).
 */

/** The draft-04 meta-schema URI every schema here declares. */
import { JSON_SCHEMA_DRAFT_04 as DRAFT_04 } from '../../../../lib/contracts/json-schema';

export { DRAFT_04 };

/** Bounds of a note, in Unicode code points (what ajv and API Gateway count). */
export const NOTE_LIMITS = Object.freeze({
  titleMinLength: 1,
  titleMaxLength: 200,
  bodyMaxLength: 10_000,
  tagsMaxItems: 10,
  tagMaxLength: 32,
  listDefaultLimit: 20,
  listMaxLimit: 100,
  cursorMaxLength: 128,
  /** Largest request body accepted, in bytes (10,000 code points of 4-byte UTF-8 plus JSON escaping headroom). */
  maxBodyBytes: 64 * 1024,
});

/** A note title: no control characters (they hide text in UIs and logs). */
export const TITLE_PATTERN = '^[^\\u0000-\\u001F\\u007F]+$';
/** A note body: tab, line feed and carriage return allowed; other control characters (NUL cannot be stored in PostgreSQL text) are not. */
export const BODY_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
/** A tag: lower-case letters, digits and hyphens, 1–32 characters. */
export const TAG_PATTERN = '^[a-z0-9-]{1,32}$';
/** A UUID in its canonical 8-4-4-4-12 hexadecimal form (any version). */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
/** A page size 1..100 as it arrives in a query string (a string, no sign, no leading zero). */
export const LIMIT_PATTERN = '^([1-9][0-9]?|100)$';
/** An opaque pagination cursor: base64url without padding, bounded. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,128}$';

const title = {
  type: 'string',
  minLength: NOTE_LIMITS.titleMinLength,
  maxLength: NOTE_LIMITS.titleMaxLength,
  pattern: TITLE_PATTERN,
} as const;

const body = {
  type: 'string',
  minLength: 0,
  maxLength: NOTE_LIMITS.bodyMaxLength,
  pattern: BODY_PATTERN,
} as const;

const tags = {
  type: 'array',
  minItems: 0,
  maxItems: NOTE_LIMITS.tagsMaxItems,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: NOTE_LIMITS.tagMaxLength, pattern: TAG_PATTERN },
} as const;

/** `POST /notes` body: `{ title, body, tags? }`. */
export const createNoteSchema = {
  $schema: DRAFT_04,
  title: 'CreateNote',
  type: 'object',
  required: ['title', 'body'],
  additionalProperties: false,
  minProperties: 2,
  maxProperties: 3,
  properties: { title, body, tags },
} as const;

/** `PUT /notes/{id}` body: any of `title`, `body`, `tags`, at least one. */
export const updateNoteSchema = {
  $schema: DRAFT_04,
  title: 'UpdateNote',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 3,
  properties: { title, body, tags },
} as const;

/** `GET /notes` query string: `limit` (1..100, as a string) and `cursor` (opaque), both optional. */
export const listNotesQuerySchema = {
  $schema: DRAFT_04,
  title: 'ListNotesQuery',
  type: 'object',
  additionalProperties: false,
  maxProperties: 2,
  properties: {
    limit: { type: 'string', minLength: 1, maxLength: 3, pattern: LIMIT_PATTERN },
    cursor: { type: 'string', minLength: 1, maxLength: NOTE_LIMITS.cursorMaxLength, pattern: CURSOR_PATTERN },
  },
} as const;

/** `{id}` path parameter of `/notes/{id}`: a UUID. */
export const noteIdParamsSchema = {
  $schema: DRAFT_04,
  title: 'NoteIdParams',
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 36, maxLength: 36, pattern: UUID_PATTERN },
  },
} as const;

/** A note as returned by the API (response model; documentation and SDK generation). */
export const noteSchema = {
  $schema: DRAFT_04,
  title: 'Note',
  type: 'object',
  required: ['id', 'title', 'body', 'tags', 'createdAt', 'updatedAt', 'version'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 36, maxLength: 36, pattern: UUID_PATTERN },
    title,
    body,
    tags,
    createdAt: { type: 'string', minLength: 1, maxLength: 40 },
    updatedAt: { type: 'string', minLength: 1, maxLength: 40 },
    version: { type: 'integer', minimum: 1 },
  },
} as const;

/** The error body every error response carries: `{ "error": { "code", "message" } }`. */
export const errorSchema = {
  $schema: DRAFT_04,
  title: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', maxLength: 64 },
        message: { type: 'string', maxLength: 512 },
      },
    },
  },
} as const;

/** Every request schema by name, for the REST API's request models and the tests. */
export const REQUEST_SCHEMAS = Object.freeze({
  CreateNote: createNoteSchema,
  UpdateNote: updateNoteSchema,
  ListNotesQuery: listNotesQuerySchema,
  NoteIdParams: noteIdParamsSchema,
});
