import fc from 'fast-check';
import { createNoteSchema, listNotesQuerySchema, noteIdParamsSchema, updateNoteSchema } from '../../app/lambda/api/schemas';
import {
  boundedSchemaProblems, JSON_SCHEMA_DRAFT_04, type JsonSchemaObject, routeSchemaProblems, schemaProperties, toApiGatewaySchema,
} from '../../lib/constructs/secure-rest-api/json-schema';

/**
 * The schema checks of SecureRestApi are plain functions of the schema: these tests build no App and synthesize nothing.
 * API Gateway models enforce draft-04 only and ignore unknown keywords, so every schema must be draft-04 and bounded
 * (no extra properties, a maxLength or enum on every string, a maxItems on every array) to be enforced as written.
 */

const str = { type: 'string', maxLength: 10 };
const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}): JsonSchemaObject =>
  ({ type: 'object', additionalProperties: false, properties, ...extra });

describe('boundedSchemaProblems', () => {
  test('a bounded draft-04 schema has no problems', () => {
    // GIVEN an object of a bounded string, an enum, a bounded array of bounded strings and a nested object
    const schema = object({
      name: str,
      kind: { enum: ['a', 'b'] },
      colour: { type: 'string', enum: ['red', 'blue'] },
      tags: { type: 'array', maxItems: 3, items: str },
      child: object({ n: { type: 'integer', minimum: 0, maximum: 9 } }),
      either: { anyOf: [str, { type: 'integer' }] },
    });
    // WHEN / THEN
    expect(boundedSchemaProblems(schema, '#')).toEqual([]);
  });

  test.each([
    ['createNoteSchema', createNoteSchema],
    ['updateNoteSchema', updateNoteSchema],
    ['listNotesQuerySchema', listNotesQuerySchema],
    ['noteIdParamsSchema', noteIdParamsSchema],
  ])('the reference app\'s request schema %s is bounded draft-04', (_, schema) => {
    expect(routeSchemaProblems(schema)).toEqual([]);
  });

  test('fails if an object allows additional properties (absent or true), including one declared only by its properties', () => {
    expect(boundedSchemaProblems({ type: 'object', properties: { a: str } }, '#')).toEqual(['# allows additional properties']);
    expect(boundedSchemaProblems({ type: 'object', additionalProperties: true }, '#')).toEqual(['# allows additional properties']);
    expect(boundedSchemaProblems({ properties: { a: str } }, '#')).toEqual(['# allows additional properties', '# has no type']);
    expect(boundedSchemaProblems({ type: ['object', 'null'], additionalProperties: {} }, '#')).toEqual(['# allows additional properties']);
  });

  test('fails if a string has neither maxLength nor enum', () => {
    expect(boundedSchemaProblems(object({ a: { type: 'string', minLength: 1 } }), '#')).toEqual(['#/properties/a is a string without maxLength']);
    expect(boundedSchemaProblems(object({ a: { type: ['string', 'null'] } }), '#')).toEqual(['#/properties/a is a string without maxLength']);
    expect(boundedSchemaProblems(object({ a: { type: 'string', maxLength: '10' } }), '#')).toEqual(['#/properties/a is a string without maxLength']);
  });

  test('fails if an array has no maxItems, and checks its items (one schema or a tuple)', () => {
    expect(boundedSchemaProblems(object({ a: { type: 'array', items: str } }), '#')).toEqual(['#/properties/a is an array without maxItems']);
    expect(boundedSchemaProblems(object({ a: { type: 'array', maxItems: 2, items: { type: 'string' } } }), '#'))
      .toEqual(['#/properties/a/items is a string without maxLength']);
    expect(boundedSchemaProblems(object({ a: { type: 'array', maxItems: 2, items: [str, { type: 'array' }] } }), '#'))
      .toEqual(['#/properties/a/items/1 is an array without maxItems']);
  });

  test('fails if a schema has no type, unless it is an enum or a combinator', () => {
    expect(boundedSchemaProblems(object({ a: {} }), '#')).toEqual(['#/properties/a has no type']);
    expect(boundedSchemaProblems(object({ a: { enum: [1, 2] } }), '#')).toEqual([]);
    expect(boundedSchemaProblems(object({ a: { oneOf: [str] } }), '#')).toEqual([]);
  });

  test('fails if a later-draft keyword is used (API Gateway would ignore it), anywhere in the tree', () => {
    expect(boundedSchemaProblems(object({ a: { const: 'x' } }), '#')).toEqual(['#/properties/a/const is not a draft-04 keyword', '#/properties/a has no type']);
    for (const keyword of ['if', 'then', 'else', '$defs', 'contains', 'propertyNames', 'dependentRequired', 'dependentSchemas',
      'unevaluatedProperties', 'unevaluatedItems', 'prefixItems', 'examples']) {
      expect(boundedSchemaProblems({ ...str, [keyword]: {} }, '#')).toEqual([`#/${keyword} is not a draft-04 keyword`]);
    }
  });

  test('fails if a schema uses $ref (API Gateway models cannot resolve it here: inline the schema)', () => {
    expect(boundedSchemaProblems(object({ a: { $ref: '#/definitions/a' } }), '#'))
      .toEqual(['#/properties/a/$ref is not allowed (inline the schema)', '#/properties/a has no type']);
  });

  test('checks every branch of anyOf, oneOf and allOf', () => {
    expect(boundedSchemaProblems({ anyOf: [str, { type: 'string' }] }, '#')).toEqual(['#/anyOf/1 is a string without maxLength']);
    expect(boundedSchemaProblems({ oneOf: [{ type: 'array' }] }, '#')).toEqual(['#/oneOf/0 is an array without maxItems']);
    expect(boundedSchemaProblems({ allOf: [{ type: 'object' }] }, '#')).toEqual(['#/allOf/0 allows additional properties']);
  });

  test('fails if a schema or a property is not a schema object', () => {
    for (const value of [null, 'string', 42, [str]]) expect(boundedSchemaProblems(value, '#')).toEqual(['# is not a schema object']);
    expect(boundedSchemaProblems(object({ a: null }), '#')).toEqual(['#/properties/a is not a schema object']);
  });

  test('reports every problem with its JSON pointer, depth first', () => {
    const schema = object({ a: { type: 'string' }, b: object({ c: { type: 'array' } }), d: { type: 'object' } });
    expect(boundedSchemaProblems(schema, '#')).toEqual([
      '#/properties/a is a string without maxLength',
      '#/properties/b/properties/c is an array without maxItems',
      '#/properties/d allows additional properties',
    ]);
  });
});

describe('routeSchemaProblems', () => {
  test('accepts a schema without $schema or with the draft-04 URI', () => {
    expect(routeSchemaProblems(object({ a: str }))).toEqual([]);
    expect(routeSchemaProblems(object({ a: str }, { $schema: JSON_SCHEMA_DRAFT_04 }))).toEqual([]);
  });

  test('fails if $schema names another draft, reported first', () => {
    expect(routeSchemaProblems({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' })).toEqual([
      '#/$schema is "https://json-schema.org/draft/2020-12/schema", not draft-04',
      '# is a string without maxLength',
    ]);
  });
});

describe('schemaProperties', () => {
  test('returns the declared properties, or none', () => {
    expect(schemaProperties(object({ a: str }))).toEqual({ a: str });
    expect(schemaProperties({ type: 'object' })).toEqual({});
    expect(schemaProperties({ properties: null })).toEqual({});
  });
});

describe('toApiGatewaySchema', () => {
  test('adds the draft-04 $schema when the schema has none, and keeps a given one', () => {
    expect(toApiGatewaySchema(str)).toEqual({ $schema: JSON_SCHEMA_DRAFT_04, ...str });
    expect(toApiGatewaySchema({ ...str, $schema: 'x' })).toEqual({ $schema: 'x', ...str });
  });

  test('returns a deep copy: changing the result leaves the input (shared with the handler) untouched', () => {
    // GIVEN a schema shared with the handler, as the reference app does
    const input = object({ tags: { type: 'array', maxItems: 2, items: str } });
    const snapshot = JSON.stringify(input);
    // WHEN the copy is changed
    const copy = toApiGatewaySchema(input) as any;
    copy.properties.tags.items.maxLength = 999;
    // THEN the input is unchanged
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(copy.properties.tags).not.toBe((input.properties as any).tags);
  });

  test('renders the same bytes whatever order a map gives its keys (Java\'s Map.of iterates in a different order each run)', () => {
    // A reference model: the same schema with every object's keys shuffled must serialize identically, arrays in order.
    const shuffled = (value: unknown, seeds: number[]): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffled(v, seeds));
      if (value === null || typeof value !== 'object') return value;
      const keys = Object.keys(value);
      const seed = seeds.length > 0 ? seeds[0] : 0;
      const order = keys.map((k, i) => [k, (i * 7919 + seed) % (keys.length + 1)] as const).sort((a, b) => a[1] - b[1]).map(([k]) => k);
      return Object.fromEntries(order.map((k) => [k, shuffled((value as Record<string, unknown>)[k], seeds.slice(1))]));
    };
    const schemas = [createNoteSchema, updateNoteSchema, listNotesQuerySchema, noteIdParamsSchema] as JsonSchemaObject[];
    fc.assert(fc.property(fc.constantFrom(...schemas), fc.array(fc.nat(1000), { minLength: 1, maxLength: 6 }), (schema, seeds) => {
      const reordered = shuffled(schema, seeds) as JsonSchemaObject;
      expect(JSON.stringify(toApiGatewaySchema(reordered))).toBe(JSON.stringify(toApiGatewaySchema(schema)));
      // and nothing but the order changed
      expect(toApiGatewaySchema(reordered)).toEqual(toApiGatewaySchema(schema));
    }), { numRuns: 200 });
    // arrays keep their order (a required list or an enum is not reordered)
    expect((toApiGatewaySchema(object({ a: str }, { required: ['b', 'a'] })) as { required: string[] }).required).toEqual(['b', 'a']);
  });
});
