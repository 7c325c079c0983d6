import type * as apigateway from 'aws-cdk-lib/aws-apigateway';

/**
 * The JSON schemas a {@link SecureRestApi} validates input with, as plain functions of the schema (no construct, no App):
 * what makes a schema unbounded or not enforceable by API Gateway, and the copy rendered into a model.
 *
 * API Gateway models speak draft-04 only and silently ignore keywords they do not know, so a schema written for a later
 * draft validates less at the edge than it says. An object that allows additional properties, a string without
 * `maxLength` or an array without `maxItems` lets a caller send input of any size. Both are refused at synth.
 */

/**
 * A JSON schema (draft-04) as a plain object, for example `createNoteSchema` from `app/lambda/api/schemas`: the props
 * declare it as `{ [keyword: string]: any }` (what jsii carries as a map); these functions read it as this.
 */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };

/** The draft-04 meta-schema URI, the only JSON-schema version API Gateway models support (one definition, shared with the handlers). */
import { JSON_SCHEMA_DRAFT_04 } from '../../contracts/json-schema';

export { JSON_SCHEMA_DRAFT_04 };

/** Keywords API Gateway (draft-04) does not know: a schema using them would validate less at the edge than it says. */
const NON_DRAFT4_KEYWORDS = ['const', 'if', 'then', 'else', '$defs', 'contains', 'propertyNames', 'dependentRequired', 'dependentSchemas',
  'unevaluatedProperties', 'unevaluatedItems', 'prefixItems', 'examples'];

/** The `properties` of an object schema, or `{}` when it declares none. */
export function schemaProperties(schema: JsonSchemaObject): Record<string, unknown> {
  const properties = schema.properties;
  return properties !== null && typeof properties === 'object' ? properties as Record<string, unknown> : {};
}

/** Lists, with JSON pointers, what makes a schema unbounded or not enforceable by API Gateway. */
export function boundedSchemaProblems(schema: unknown, pointer: string): string[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [`${pointer} is not a schema object`];
  const s = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const keyword of NON_DRAFT4_KEYWORDS) {
    if (keyword in s) problems.push(`${pointer}/${keyword} is not a draft-04 keyword`);
  }
  if ('$ref' in s) problems.push(`${pointer}/$ref is not allowed (inline the schema)`);
  const types = Array.isArray(s.type) ? s.type as unknown[] : [s.type];
  const bounded = Array.isArray(s.enum);
  if ((types.includes('object') || 'properties' in s) && s.additionalProperties !== false) {
    problems.push(`${pointer} allows additional properties`);
  }
  if (types.includes('string') && !bounded && typeof s.maxLength !== 'number') {
    problems.push(`${pointer} is a string without maxLength`);
  }
  if (types.includes('array') && typeof s.maxItems !== 'number') {
    problems.push(`${pointer} is an array without maxItems`);
  }
  if (s.type === undefined && !bounded && !('anyOf' in s || 'oneOf' in s || 'allOf' in s)) {
    problems.push(`${pointer} has no type`);
  }
  for (const [name, child] of Object.entries(schemaProperties(s as JsonSchemaObject))) {
    problems.push(...boundedSchemaProblems(child, `${pointer}/properties/${name}`));
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) s.items.forEach((child, i) => problems.push(...boundedSchemaProblems(child, `${pointer}/items/${i}`)));
    else problems.push(...boundedSchemaProblems(s.items, `${pointer}/items`));
  }
  for (const combinator of ['anyOf', 'oneOf', 'allOf']) {
    const list = s[combinator];
    if (Array.isArray(list)) list.forEach((child, i) => problems.push(...boundedSchemaProblems(child, `${pointer}/${combinator}/${i}`)));
  }
  return problems;
}

/**
 * Every reason a route schema is refused: a `$schema` other than draft-04 (first), then the
 * {@link boundedSchemaProblems} of the whole schema. Empty when API Gateway enforces the schema as written.
 */
export function routeSchemaProblems(schema: JsonSchemaObject): string[] {
  const problems = boundedSchemaProblems(schema, '#');
  if (schema.$schema !== undefined && schema.$schema !== JSON_SCHEMA_DRAFT_04) {
    problems.unshift(`#/$schema is ${JSON.stringify(schema.$schema)}, not draft-04`);
  }
  return problems;
}

/**
 * A deep, mutable copy of a plain draft-04 schema in the shape `apigateway.JsonSchema` renders (`$schema` kept as is),
 * with every object's keys in sorted order: the API's deployment id hashes the models as written, and a map from
 * another CDK language has no fixed order (Java's `Map.of` iterates in a different order on each run), which would
 * make every synth a new deployment.
 */
export function toApiGatewaySchema(schema: JsonSchemaObject): apigateway.JsonSchema {
  return sortedKeys(JSON.parse(JSON.stringify({ $schema: JSON_SCHEMA_DRAFT_04, ...schema }))) as apigateway.JsonSchema;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(object).sort().map((key) => [key, sortedKeys(object[key])]));
}
