/**
 * Attacker-chosen keys (query strings, headers, cookies, JSON bodies) never index a plain object in the handlers:
 * `obj['__proto__'] = x` replaces the prototype, and `obj['constructor'] ??= []` finds `Object` instead of nothing.
 * These helpers give the handlers dictionaries without a prototype and a JSON parser that refuses the keys that
 * reach an object's prototype chain.
 */

/** Keys refused in request bodies: assigning or merging them reaches the prototype chain. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON body that names a key of {@link PROTOTYPE_KEYS}; handlers answer 400. */
export class UnsafeJsonKeyError extends Error {
  constructor() {
    super('JSON key not allowed');
    this.name = 'UnsafeJsonKeyError';
  }
}

/** Texts that may spell a refused key (directly or with a `\u` escape); all others take the plain parser. */
const MAY_HOLD_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\u/;

function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (PROTOTYPE_KEYS.has(key)) throw new UnsafeJsonKeyError();
  return value;
}

/**
 * `JSON.parse` that throws {@link UnsafeJsonKeyError} when any object in the text, at any depth, has a key
 * `__proto__`, `constructor` or `prototype` (escaped spellings included), and `SyntaxError` for invalid JSON.
 */
export function parseJsonSafe(text: string): unknown {
  return MAY_HOLD_PROTOTYPE_KEY.test(text) ? JSON.parse(text, refusePrototypeKeys) : JSON.parse(text);
}

/** A dictionary without a prototype: every key, `__proto__` included, is an ordinary own property. */
export function dictionary<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}
