/**
 * The draft-04 meta-schema URI: the only JSON-schema version API Gateway models support, so every request schema of
 * the handlers declares it and SecureRestApi requires it (lib/constructs/secure-rest-api/json-schema.ts reads it from
 * here). A pure contract module: no import.
 */
export const JSON_SCHEMA_DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
