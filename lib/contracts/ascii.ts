/**
 * Checks that a string is made of one class of ASCII characters, without a regular expression. The handlers check
 * route tables, JWKS keys, token parts, subjects and role names at their cold start, each class a few times, and V8
 * prepares a regular expression twice before its third run (bytecode at the first run, machine code at the second),
 * each time for 10-50 µs: about 1 ms of the authorizer's first request went to that. A class here is a 128-entry table
 * built once when the module loads, and a check reads one entry per character. The tests hold every class against
 * the regular expression it replaces, with generated strings (test/contracts/ascii.test.ts).
 */

/** The members of an ASCII character class: `table[code] === 1` for each member. Read-only by convention. */
export type AsciiClass = Uint8Array;

/**
 * A class from its members written as in a regular expression's brackets, without escapes: single characters and
 * `x-y` ranges (inclusive). A `-` first or last stands for itself. Throws for a member outside ASCII or a reversed range,
 * which is a programming error.
 */
export function asciiClass(members: string): AsciiClass {
  const table = new Uint8Array(128);
  for (let i = 0; i < members.length; i++) {
    const from = members.charCodeAt(i);
    let to = from;
    if (members[i + 1] === '-' && i + 2 < members.length) {
      to = members.charCodeAt(i + 2);
      i += 2;
    }
    if (to >= 128 || to < from) throw new RangeError(`asciiClass: ${JSON.stringify(members)} has a member outside ASCII or a reversed range`);
    table.fill(1, from, to + 1);
  }
  return table;
}

/**
 * True when `text` has from `min` to `max` characters (UTF-16 code units, as a regular expression counts them) and
 * each is a member of `cls`; `/^[<cls>]{min,max}$/.test(text)` without the regular expression.
 */
export function consistsOf(text: string, cls: AsciiClass, min: number, max: number): boolean {
  const n = text.length;
  if (n < min || n > max) return false;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || cls[code] === 0) return false;
  }
  return true;
}
