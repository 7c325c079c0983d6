/**
 * Checks that a short string is made of one class of ASCII characters, without a regular expression. The authorizer
 * checks route paths, role names, scopes, subjects and token families at its cold start, each class a few times, and
 * V8 prepares a regular expression twice before its third run (bytecode at the first run, machine code at the second),
 * for 10-50 µs each time. A class here is a 128-entry table built once when the module loads (about 10 µs), and a
 * check reads one entry per character. Measured at the authorizer's cold start (bench/README.md): the route table check
 * 0.82 -> 0.55 ms, the policy 0.36 -> 0.27 ms. For long strings (a whole token, an RSA modulus) a regular expression
 * stays the cheaper first run. The tests hold every class against the regular expression it replaces, with generated
 * strings (test/contracts/ascii.test.ts).
 */

/** The members of an ASCII character class: `table[code] === 1` for each member. Read-only by convention. */
export type AsciiClass = Uint8Array;

/**
 * A class from its members written as in a regular expression's brackets, without escapes: single characters and
 * `x-y` ranges (inclusive). A `-` first or last stands for itself. Members must be ASCII (a table has no room for
 * others): every class of the project is held against its regular expression by the tests.
 */
export function asciiClass(members: string): AsciiClass {
  const table = new Uint8Array(128);
  for (let i = 0; i < members.length; i++) {
    const from = members.charCodeAt(i);
    // `x-y` is a range; a `-` that ends the members is itself
    if (members[i + 1] === '-' && i + 2 < members.length) i += 2;
    table.fill(1, from, members.charCodeAt(i) + 1);
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
