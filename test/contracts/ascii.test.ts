/**
 * The ASCII classes that replace regular expressions on the handlers' cold path, each held against the regular
 * expression it replaces (the reference model, written here) with generated strings: strings over the class and its
 * neighbours, binary strings, non-ASCII look-alikes, and lengths around every bound.
 */
import fc from 'fast-check';
import { asciiClass, consistsOf } from '../../lib/contracts/ascii';
import { arnResourcePath, isRoleName, routeTableProblem } from '../../lib/contracts/route-permissions';
import { logSafePrincipalId } from '../../lambda/shared/principal-id';
import { tokenFamily } from '../../lambda/shared/token-family';

/** Strings that sit on a class's edges: ASCII (printable and not), the look-alikes of ASCII letters, and the full range. */
const PUNCTUATION = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const edgeChars = fc.oneof(
  fc.constantFrom(...'AZaz09{}/', ...PUNCTUATION, '\u0000', '\t', '\n', '\u007f', '\u0080', '\u00ff', '\u0141', '\u212a', '\uff21', '\ud83d'),
  fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
  fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
);
const strings = (maxLength: number) => fc.oneof(
  fc.string({ maxLength, unit: edgeChars }),
  fc.string({ maxLength, unit: fc.constantFrom(...'abcXYZ019._~-:@+|=/{}') }),
  fc.string({ maxLength: 8, unit: 'binary' }),
);
/** A valid string repeated to lengths around `max`. */
const aroundLength = (unit: string, max: number) => fc.integer({ min: Math.max(0, max - 2), max: max + 2 }).map((n) => unit.repeat(n));

describe('asciiClass and consistsOf', () => {
  const CLASSES: [members: string, reference: string][] = [
    ['A-Za-z0-9._~-', 'A-Za-z0-9._~-'],
    ['A-Za-z0-9_.:@+-', 'A-Za-z0-9_.:@+-'],
    ['\x21\x23-\x2b\x2d-\x5b\x5d-\x7e', '\\x21\\x23-\\x2b\\x2d-\\x5b\\x5d-\\x7e'],
    ['A-Za-z0-9_.:@|+=/-', 'A-Za-z0-9_.:@|+=/-'],
    ['\x21-\x7e', '\\x21-\\x7e'],
    ['-a-c', '\\-a-c'],
    ['a-c-', 'a-c\\-'],
  ];

  test.each(CLASSES)('the class %j accepts exactly what the regular expression accepts, for every length bound', (members, reference) => {
    const cls = asciiClass(members);
    fc.assert(fc.property(strings(40), fc.nat(4), fc.nat(40), (text, min, extra) => {
      const max = min + extra;
      expect(consistsOf(text, cls, min, max)).toBe(new RegExp(`^[${reference}]{${min},${max}}$`).test(text));
    }), { numRuns: 2000 });
  });

  test('a non-ASCII character whose low byte is a member is refused (no truncation to 8 bits)', () => {
    const cls = asciiClass('A-Z');
    expect(consistsOf('\u0141', cls, 1, 1)).toBe(false); // low byte 0x41, 'A'
    expect(consistsOf('\u0100', cls, 1, 1)).toBe(false);
  });
});

describe('the checks built on the classes agree with the regular expressions they replace', () => {
  // The regular expressions the checks used before (the reference models).
  const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
  const PARAM_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/;
  const ROLE = /^[A-Za-z0-9_.:@+-]{1,128}$/;
  const SCOPE = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]{1,256}$/;
  const LOG_SAFE_SUB = /^[A-Za-z0-9_.:@|+=/-]{1,256}$/;
  const FAMILY = /^[\x21-\x7e]{1,256}$/;

  const segment = fc.oneof(
    strings(12),
    strings(12).map((s) => `{${s}}`),
    fc.stringMatching(/^\{[A-Za-z_][A-Za-z0-9_]{0,63}\}$/),
    fc.integer({ min: 62, max: 66 }).map((n) => `{a${'b'.repeat(n)}}`),
    fc.constantFrom('{}', '{', '}', '{{a}}', '{a}}', '{0a}', '{_}', '{a-b}', '{a}b', 'a{b}'),
  );
  const path = fc.oneof(
    fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
    strings(30),
  );
  const modelPathValid = (p: string): boolean => p.length <= 256 && p.startsWith('/')
    && (p === '/' || p.slice(1).split('/').every((s) => LITERAL_SEGMENT.test(s) || PARAM_SEGMENT.test(s)));

  test('a route path is refused exactly when the regular expressions refuse one of its segments', () => {
    fc.assert(fc.property(path, (p) => {
      const problem = routeTableProblem([{ method: 'GET', path: p, roles: ['user'], scopes: ['api/read'] }]);
      expect(problem?.rule === 'path').toBe(!modelPathValid(p));
    }), { numRuns: 3000 });
  });

  test('role names and scopes of a route table are refused exactly when the regular expressions refuse them', () => {
    const name = fc.oneof(strings(20), aroundLength('r', 128), aroundLength('s', 256));
    fc.assert(fc.property(fc.array(name, { minLength: 1, maxLength: 3 }), fc.array(name, { minLength: 1, maxLength: 3 }), (roles, scopes) => {
      const problem = routeTableProblem([{ method: 'GET', path: '/notes', roles, scopes }]);
      const expected = !roles.every((r) => ROLE.test(r)) ? 'role_name' : !scopes.every((s) => SCOPE.test(s)) ? 'scope_name' : undefined;
      expect(problem?.rule).toBe(expected);
      for (const r of roles) expect(isRoleName(r)).toBe(ROLE.test(r));
    }), { numRuns: 2000 });
    expect(isRoleName(42)).toBe(false);
  });

  test('arnResourcePath turns exactly the segments /^\\{[^}]+\\}$/ matches into "*"', () => {
    const model = (p: string): string => p.replace(/^\//, '').split('/').map((s) => (/^\{[^}]+\}$/.test(s) ? '*' : s)).join('/');
    fc.assert(fc.property(path, (p) => {
      expect(arnResourcePath(p)).toBe(model(p));
    }), { numRuns: 3000 });
  });

  test('a subject is its own principalId exactly when the log-safe expression accepts it', () => {
    fc.assert(fc.property(fc.oneof(strings(40), aroundLength('a', 256)), (sub) => {
      expect(logSafePrincipalId(sub) === sub).toBe(LOG_SAFE_SUB.test(sub));
    }), { numRuns: 2000 });
  });

  test('a claim names the token family exactly when the printable-ASCII expression accepts it', () => {
    fc.assert(fc.property(fc.oneof(strings(40), aroundLength('j', 256)), (value) => {
      expect(tokenFamily({ jti: value })).toBe(FAMILY.test(value) ? `jti:${value}` : undefined);
    }), { numRuns: 2000 });
  });
});
