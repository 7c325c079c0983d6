/**
 * Strict, allocation-light decoding of JWT segments: base64url with the strict
 * alphabet, no padding and canonical trailing bits; JSON that must be a plain
 * object with no duplicate keys and no prototype-polluting keys. Everything here
 * runs before any cryptography.
 */

/**
 * True when the part of a token after its (already validated) header is two
 * non-empty segments with no `+` or `/`. Together with the exact decoded-length
 * checks of {@link decodeSegment} and of the signature (Node's decoder skips
 * any other ASCII character outside the alphabet, which shortens the output),
 * {@link isCanonicalLength} and an ASCII check of the whole token, this is as
 * strict as {@link isCompactJws} at a fraction of the cost of a per-character
 * scan. The caller checks ASCII (the verifier does it while copying the token
 * into its signing-input buffer: the UTF-8 bytes written equal the length only
 * for ASCII). It matters: Node's base64url decoder and a latin1 copy of the
 * signing input both read only the low byte of a character, so a non-ASCII
 * look-alike (U+0141 for `A`) would otherwise decode to the same bytes and
 * verify as the same token under a different string.
 */
export function isCompactRest(token: string, dot1: number): boolean {
  const dot2 = token.indexOf('.', dot1 + 1);
  return dot2 > dot1 + 1 && dot2 < token.length - 1 && token.indexOf('.', dot2 + 1) === -1
    && token.indexOf('+', dot1) === -1 && token.indexOf('/', dot1) === -1;
}

/** Any character outside the base64url alphabet and the dot (linear scan, no backtracking). */
const NOT_COMPACT_CHAR = /[^A-Za-z0-9_.-]/;

/**
 * True when the token has the compact JWS shape: three non-empty segments of
 * the strict base64url alphabet (no padding, no `+` or `/`, no whitespace).
 */
export function isCompactJws(token: string): boolean {
  if (NOT_COMPACT_CHAR.test(token)) return false;
  const dot1 = token.indexOf('.');
  if (dot1 < 1) return false;
  const dot2 = token.indexOf('.', dot1 + 1);
  return dot2 > dot1 + 1 && dot2 < token.length - 1 && token.indexOf('.', dot2 + 1) === -1;
}


/** Deepest nesting accepted in a header, payload or JWKS document. */
const MAX_DEPTH = 16;

const B64URL_VALUES = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => { B64URL_VALUES[c.charCodeAt(0)] = i; });

/**
 * True when `text[start, end)` is canonical unpadded base64url: its length is
 * not 1 mod 4 and the unused bits of the last character are zero (so one byte
 * string has exactly one encoding). The alphabet is checked by {@link isCompactJws}
 * or {@link isBase64Url}.
 */
export function isCanonicalLength(text: string, start: number, end: number): boolean {
  const rem = (end - start) & 3;
  if (rem === 0) return end > start;
  if (rem === 1) return false;
  const code = text.charCodeAt(end - 1);
  // Outside the table (non-ASCII) or outside the alphabet: not canonical, whatever the caller checked before.
  const last = code < 128 ? B64URL_VALUES[code] : -1;
  if (last < 0) return false;
  return rem === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** True when the whole string is canonical unpadded base64url. */
export function isBase64Url(text: unknown): text is string {
  return typeof text === 'string' && B64URL.test(text) && isCanonicalLength(text, 0, text.length);
}

/**
 * Reused decode buffer (decoding is synchronous; a segment of an 8 KB token decodes to at most 6 KB), on an
 * ArrayBuffer of its own so that {@link DECODE_WORDS} views the same bytes from byte 0.
 */
const DECODE_SCRATCH = Buffer.from(new ArrayBuffer(8192));
/** The decode buffer as 32-bit words, for counting bytes four at a time ({@link countQuoteBytes}). */
const DECODE_WORDS = new Uint32Array(DECODE_SCRATCH.buffer);

/** Decodes `token[start, end)` (canonical unpadded base64url) into DECODE_SCRATCH; the byte length, or -1 when it is not canonical. */
function decodeIntoScratch(token: string, start: number, end: number): number {
  if (!isCanonicalLength(token, start, end)) return -1;
  const length = DECODE_SCRATCH.write(token.slice(start, end), 0, 'base64url');
  // Node's decoder skips characters outside the alphabet: any such character makes the output shorter than expected.
  return length === ((end - start) * 3) >> 2 ? length : -1;
}

/** The first `length` bytes of DECODE_SCRATCH as UTF-8 text, or undefined when they are not valid UTF-8. */
function scratchText(length: number): string | undefined {
  const text = DECODE_SCRATCH.toString('utf8', 0, length);
  // The decoder replaces invalid UTF-8 with U+FFFD; a token has no reason to carry it.
  return text.indexOf('\uFFFD') === -1 ? text : undefined;
}

/**
 * Decodes a base64url segment of a token already checked by {@link isCompactJws} (or, for a cached header,
 * {@link isCompactRest}), rejecting text that is not valid UTF-8, and parses it as {@link parseJsonObject} does (the
 * same objects accepted and refused), counting the text's double quotes in the decoded bytes four at a time instead of searching the text for
 * each one. The same count: in valid UTF-8 the byte 0x22 is only ever the character `"`.
 */
export function decodeJsonSegment(token: string, start: number, end: number): Record<string, unknown> | undefined {
  const length = decodeIntoScratch(token, start, end);
  if (length < 0) return undefined;
  const quotes = countQuoteBytes(length);
  // ASCII bytes are the same text in Latin-1 and in UTF-8, and cannot be invalid UTF-8: the cheaper decoding, no check
  const text = scratchAscii ? DECODE_SCRATCH.toString('latin1', 0, length) : scratchText(length);
  return text === undefined ? undefined : parseObject(text, quotes);
}

/** Whether the bytes the last {@link countQuoteBytes} counted were all ASCII (below 0x80). */
let scratchAscii = false;

/** Bytes 0x22 (`"`) among the first `length` bytes of DECODE_SCRATCH; also sets {@link scratchAscii}. */
function countQuoteBytes(length: number): number {
  let count = 0;
  let high = 0;
  const words = length >> 2;
  for (let i = 0; i < words; i++) {
    // Bytes equal to 0x22 become zero bytes; the expression sets exactly the top bit of each zero byte (no carry crosses
    // a byte: every byte of `x & 0x7f7f7f7f` plus 0x7f is at most 0xfe), and the multiplication adds those four bits up.
    const word = DECODE_WORDS[i];
    const x = word ^ 0x22222222;
    const zeros = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    count += Math.imul((zeros >>> 7) & 0x01010101, 0x01010101) >>> 24;
    high |= word;
  }
  for (let i = words << 2; i < length; i++) {
    if (DECODE_SCRATCH[i] === 0x22) count++;
    high |= DECODE_SCRATCH[i];
  }
  scratchAscii = (high & 0x80808080) === 0;
  return count;
}

/**
 * Parses JSON that must be a plain object, with no duplicate keys (at any depth)
 * and no `__proto__` / `constructor` / `prototype` keys. Returns undefined when
 * the text is not such an object. Duplicate keys are found by comparing the
 * number of members in the text (colons outside strings) with the number of
 * own keys JSON.parse kept, so the native parser does the heavy lifting.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  return parseObject(text, -1);
}

/** {@link parseJsonObject}, given the number of double quotes in `text` when the caller counted them (-1: not counted). */
function parseObject(text: string, quotes: number): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  stringLeaves = 0;
  const kept = countKeys(value, 0);
  if (kept < 0) return undefined;
  // Without a backslash every quote delimits a string, and every string of the text is a key or a string value. The
  // parsed tree's keys and string values each come from a distinct string of the text, so they are as many as the
  // text's strings exactly when no member was dropped (a dropped duplicate takes at least its key with it). Counting
  // quotes is a native search per quote; counting the members needs a scan of every character outside strings.
  if (text.indexOf('\\') === -1) return (quotes < 0 ? countQuotes(text) : quotes) === 2 * (kept + stringLeaves) ? (value as Record<string, unknown>) : undefined;
  return kept === countMembers(text) ? (value as Record<string, unknown>) : undefined;
}

/** String values met by the last {@link countKeys} walk (array items included). */
let stringLeaves = 0;

/** Double quotes in the text. */
function countQuotes(text: string): number {
  let quotes = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) quotes++;
  return quotes;
}

/** Own keys of every object in a parsed JSON tree (and the string values, into {@link stringLeaves}); -1 for a forbidden key or excessive depth. */
function countKeys(value: object, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  let total = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'string') stringLeaves++;
      else if (typeof item === 'object' && item !== null) {
        const n = countKeys(item, depth + 1);
        if (n < 0) return -1;
        total += n;
      }
    }
    return total;
  }
  let count = 0;
  // for-in over a JSON.parse result visits exactly its own keys (its prototype is Object.prototype, which has no enumerable keys).
  for (const key in value) {
    // Keys that could pollute a prototype if the object is ever merged or spread.
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return -1;
    count++;
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'string') stringLeaves++;
    else if (typeof item === 'object' && item !== null) {
      const n = countKeys(item, depth + 1);
      if (n < 0) return -1;
      total += n;
    }
  }
  return total + count;
}

/** Members in JSON text already accepted by JSON.parse: the colons outside strings (a backslash in a string escapes the next character). */
function countMembers(text: string): number {
  let colons = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 58) {
      colons++;
    }
  }
  return colons;
}
