import { readFileSync } from 'fs';
import Ajv from 'ajv-draft-04';
import { createNoteSchema, listNotesQuerySchema, NOTE_LIMITS, noteIdParamsSchema, updateNoteSchema } from '../../app/lambda/api/schemas';
import * as generated from '../../app/lambda/api/validators.generated';
import { renderValidators, VALIDATORS_FILE } from '../../scripts/validators';

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; params: Record<string, unknown> }[] | null };

describe('precompiled request validators (app/lambda/api/validators.generated.ts)', () => {
  test('fails if the committed validators are stale (regenerate with `npm run validators`)', () => {
    // GIVEN the schemas in app/lambda/api/schemas  WHEN ajv generates the standalone code again  THEN it is the committed file
    expect(readFileSync(VALIDATORS_FILE, 'utf8')).toBe(renderValidators());
  });

  test('the handler bundle does not compile schemas at runtime: the generated module imports only ajv\'s code-point length helper', () => {
    const imports = readFileSync(VALIDATORS_FILE, 'utf8').match(/^import .*$/gm) ?? [];
    expect(imports).toEqual(["import ucs2length from 'ajv/dist/runtime/ucs2length';"]);
    expect(readFileSync(VALIDATORS_FILE, 'utf8')).not.toMatch(/require\(|new Function|eval\(/);
  });

  test('fails if a uniqueItems index map is a plain object: prototype-named strings are ordinary keys', () => {
    // GIVEN the generated code  THEN every uniqueItems index map is prototype-less, and duplicates named after Object.prototype members are caught
    const source = readFileSync(VALIDATORS_FILE, 'utf8');
    expect(source).not.toMatch(/const indices\d+ = \{\}/);
    expect(source).toMatch(/const indices\d+ = Object\.create\(null\)/);
    for (const tag of ['constructor', 'tostring', 'valueof']) {
      expect(generated.validateCreate({ title: 't', body: 'b', tags: [tag, tag] })).toBe(false);
      expect(generated.validateCreate({ title: 't', body: 'b', tags: [tag] })).toBe(true);
    }
  });

  // The generated functions answer exactly as ajv compiling the same schema at runtime (the previous implementation) on
  // valid inputs and on each kind of invalid input; the first error (what the API reports) is the same.
  const ajv = new Ajv({ strict: true, allErrors: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
  const cases: [string, Validate, object, unknown[]][] = [
    ['validateCreate', generated.validateCreate as Validate, createNoteSchema, [
      { title: 't', body: '' }, { title: 't', body: 'b', tags: ['a-1', 'b'] }, { title: '', body: 'b' }, { title: 'x'.repeat(NOTE_LIMITS.titleMaxLength + 1), body: '' },
      { title: '😀'.repeat(NOTE_LIMITS.titleMaxLength), body: '' }, { title: 'a\u0000', body: '' }, { title: 't', body: 'a\u0007' }, { title: 't', body: 'line\r\n\tx' },
      { title: 't' }, { body: 'b' }, { title: 't', body: 'b', owner: 'x' }, { title: 't', body: 'b', tags: ['A'] }, { title: 't', body: 'b', tags: ['a', 'a'] },
      { title: 't', body: 'b', tags: Array.from({ length: NOTE_LIMITS.tagsMaxItems + 1 }, (_, i) => `t${i}`) }, { title: 1, body: 'b' }, [], null, 'x', { title: 't', body: 'b', tags: 'a' },
      { title: 't', body: 'b'.repeat(NOTE_LIMITS.bodyMaxLength + 1) }, { __proto__: { title: 't' }, body: 'b' },
    ]],
    ['validateUpdate', generated.validateUpdate as Validate, updateNoteSchema, [
      { title: 't' }, { body: '' }, { tags: [] }, {}, { title: 't', extra: 1 }, { title: '' }, { version: 1 }, { title: 't', body: 'b', tags: ['x'] },
    ]],
    ['validateListQuery', generated.validateListQuery as Validate, listNotesQuerySchema, [
      {}, { limit: '1' }, { limit: '100' }, { limit: '101' }, { limit: '0' }, { limit: '01' }, { limit: 5 }, { cursor: 'abc_-' }, { cursor: 'a=b' }, { cursor: 'a'.repeat(129) }, { other: 'x' },
    ]],
    ['validateIdParams', generated.validateIdParams as Validate, noteIdParamsSchema, [
      { id: '3f2b1c9e-8a7d-4e6f-9b0a-1c2d3e4f5a6b' }, { id: '3F2B1C9E-8A7D-4E6F-9B0A-1C2D3E4F5A6B' }, { id: 'not-a-uuid' }, { id: '3f2b1c9e8a7d4e6f9b0a1c2d3e4f5a6b' }, {}, { id: 1 },
      { id: '3f2b1c9e-8a7d-4e6f-9b0a-1c2d3e4f5a6b', x: 1 },
    ]],
  ];
  test.each(cases)('%s answers like ajv compiling the same schema at runtime', (_name, validate, schema, inputs) => {
    const compiled = ajv.compile(schema) as Validate;
    let rejected = 0;
    for (const input of inputs) {
      const ok = validate(input);
      expect({ input, ok }).toEqual({ input, ok: compiled(input) });
      if (!ok) {
        rejected++;
        const first = (v: Validate): unknown => ({ path: v.errors?.[0]?.instancePath, keyword: v.errors?.[0]?.keyword, params: v.errors?.[0]?.params });
        expect(first(validate)).toEqual(first(compiled));
      }
    }
    // Both outcomes are exercised for every validator.
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(inputs.length);
  });
});
