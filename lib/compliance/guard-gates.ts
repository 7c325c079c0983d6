/**
 * Which resource types a cfn-guard rule file needs before it can report anything: its *gates*.
 *
 * A Control Tower rule file defines named rules; cfn-guard evaluates every rule without parameters (a rule with
 * parameters runs only when another rule calls it). In the bundled rules each such rule is guarded by a `when`
 * clause that needs one resource type to be present, in one of two written forms:
 *
 * ```
 * let S3_BUCKET_TYPE = "AWS::S3::Bucket"
 * let s3_buckets = Resources.*[ Type == %S3_BUCKET_TYPE ]
 * rule s3_bucket_versioning_enabled_check when is_cfn_template(%INPUT_DOCUMENT)
 *                                             %s3_buckets not empty { ... }
 * rule s3_bucket_versioning_enabled_check when is_cfn_hook(%INPUT_DOCUMENT, %S3_BUCKET_TYPE) { ... }
 * ```
 *
 * The `when` clauses of one rule must all hold (one clause per line, no `or`), so a rule with a clause
 * `%s3_buckets not empty` is skipped unless a resource's `Type` equals the type, and one with
 * `is_cfn_hook(%INPUT_DOCUMENT, %T)` is skipped unless the document has the top-level key `T` (with this file's own
 * `is_cfn_hook` reading `%doc.%RESOURCE_TYPE.resourceProperties exists`). A file whose every evaluated rule has such
 * a clause cannot report anything on a template where none of those types occurs: the types are the file's gates.
 *
 * A file is read for gates only when it has exactly this shape; anything else (a bare clause outside a rule, an
 * evaluated rule without a recognised gate, `or` in a `when`, a helper written otherwise) gives `undefined`, and the
 * caller then runs that rule on every template. So a rule is never skipped on a reading of its text that is wrong:
 * at worst it runs when it need not.
 */

/** A rule file's top-level statements: `let` lines and rule declarations, found outside strings, messages and blocks. */
interface TopLevel {
  readonly lets: ReadonlyMap<string, string>;
  readonly rules: ReadonlyArray<{ readonly name: string; readonly params: string | undefined; readonly when: string | undefined; readonly body: string }>;
  /** True when something other than a `let` or a rule stands at the top level (cfn-guard would evaluate it). */
  readonly bare: boolean;
}

/**
 * The file's code with comments and custom messages blanked and the brackets and hashes inside strings and regular
 * expressions neutralised, offsets kept, so brackets can be counted; undefined when one of them does not close.
 */
function blankOut(text: string): string | undefined {
  let code = '';
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      code += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '<' && text[i + 1] === '<') {
      const end = text.indexOf('>>', i + 2);
      if (end < 0) return undefined;
      code += ' '.repeat(end + 2 - i);
      i = end + 2;
    } else if (c === '"' || c === '\'' || c === '/') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length || text[j] !== c) return undefined;
      // String contents stay (constants are read from them).
      code += c + text.slice(i + 1, j).replace(/[{}[\]()#<>]/g, ' ') + c;
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return code;
}

/** The offset of the bracket that closes the one at `open`, or -1. */
function closeOf(code: string, open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    const ch = code[k];
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') {
      depth--;
      if (depth === 0) return k;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** Splits a rule file into its top-level statements, or undefined when its brackets, strings or messages do not close. */
function topLevel(text: string): TopLevel | undefined {
  const code = blankOut(text);
  if (code === undefined) return undefined;
  const lets = new Map<string, string>();
  const rules: Array<{ name: string; params: string | undefined; when: string | undefined; body: string }> = [];
  let bare = false;
  let i = 0;
  while (i < code.length) {
    const rest = code.slice(i);
    const space = /^\s+/.exec(rest);
    if (space !== null) { i += space[0].length; continue; }
    const letMatch = /^let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/.exec(rest);
    if (letMatch !== null) {
      // The value runs to the end of its line, or to the bracket that closes one opened on it.
      let j = i + letMatch[0].length;
      while (j < code.length && code[j] !== '\n') {
        if (code[j] === '[' || code[j] === '{' || code[j] === '(') {
          const close = closeOf(code, j);
          if (close < 0) return undefined;
          j = close + 1;
        } else {
          j++;
        }
      }
      if (lets.has(letMatch[1])) return undefined;
      lets.set(letMatch[1], code.slice(i + letMatch[0].length, j).trim());
      i = j;
      continue;
    }
    const ruleMatch = /^rule\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^()]*)\))?/.exec(rest);
    if (ruleMatch !== null) {
      const open = code.indexOf('{', i + ruleMatch[0].length);
      if (open < 0) return undefined;
      const head = code.slice(i + ruleMatch[0].length, open).trim();
      let when: string | undefined;
      if (head.length > 0) {
        if (!/^when\s/.test(head)) return undefined;
        when = head.slice(4).trim();
      }
      const close = closeOf(code, open);
      if (close < 0) return undefined;
      rules.push({ name: ruleMatch[1], params: ruleMatch[3], when, body: code.slice(open + 1, close) });
      i = close + 1;
      continue;
    }
    bare = true;
    break;
  }
  return { lets, rules, bare };
}

const normal = (s: string): string => s.replace(/\s+/g, ' ').trim();
const STRING_TYPE = /^"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"$|^'(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)'$/;

/**
 * How a clause `is_cfn_hook(%INPUT_DOCUMENT, %T)` gates a rule: by `T`'s value, when the file's own
 * `is_cfn_hook(doc, T)` is exactly the one-line check `%doc.%T.resourceProperties exists`; undefined otherwise. If
 * the type parameter shares its name with a top-level constant, that constant's value gates the clause too
 * (whichever of the two cfn-guard resolves `%T` to, the gate includes it).
 */
function hookGateReader(top: TopLevel, constant: (ref: string) => string | undefined): ((arg: string) => string[] | undefined) | undefined {
  const hooks = top.rules.filter((r) => r.name === 'is_cfn_hook');
  const hook = hooks.length === 1 ? hooks[0] : undefined;
  const params = hook?.when === undefined && hook?.params !== undefined
    ? /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(hook.params) : null;
  if (hook === undefined || params === null || top.lets.has(params[1])
    || normal(hook.body) !== `%${params[1]}.%${params[2]}.resourceProperties exists`) return undefined;
  const shadowed = top.lets.get(params[2]);
  return (arg) => {
    const t = constant(arg);
    if (t === undefined) return undefined;
    if (shadowed === undefined) return [t];
    const shadow = constant(shadowed);
    return shadow === undefined ? undefined : [t, shadow];
  };
}

/**
 * The resource types that gate a Control Tower rule file (see the module comment), or undefined when the file is
 * not of the recognised shape and must run on every template.
 */
export function ruleGates(text: string): readonly string[] | undefined {
  const top = topLevel(text);
  if (top === undefined || top.bare) return undefined;
  const constant = (ref: string): string | undefined => {
    const m = /^%([A-Za-z_][A-Za-z0-9_]*)$/.exec(ref.trim());
    const value = m === null ? ref.trim() : top.lets.get(m[1]);
    const t = value === undefined ? null : STRING_TYPE.exec(value);
    return t === null ? undefined : t[1] ?? t[2];
  };
  const isDocument = (ref: string): boolean => {
    if (ref.trim() === 'this') return true;
    const m = /^%([A-Za-z_][A-Za-z0-9_]*)$/.exec(ref.trim());
    return m !== null && top.lets.get(m[1]) === 'this';
  };
  // `let x = Resources.*[ Type == %T ]` (or `Resources[ ... ]`, or several `Type == %T` joined by `or`): the
  // resources of these types.
  const selected = (name: string): string[] | undefined => {
    const value = top.lets.get(name);
    const m = value === undefined ? null : /^Resources(?:\.\*)?\[([^[\]]*)\]$/.exec(normal(value));
    if (m === null) return undefined;
    const types = m[1].split(/\sor\s/).map((alt) => {
      const t = /^\s*Type\s*==\s*(\S+)\s*$/.exec(alt);
      return t === null ? undefined : constant(t[1]);
    });
    return types.every((t): t is string => t !== undefined) ? types : undefined;
  };
  const hookGate = hookGateReader(top, constant);
  const gates = new Set<string>();
  let evaluated = 0;
  for (const r of top.rules) {
    if (r.params !== undefined) continue; // runs only when called
    evaluated++;
    if (r.when === undefined) return undefined;
    const clauses = r.when.split('\n').map(normal).filter((c) => c.length > 0);
    if (clauses.some((c) => /(^|\s)(or|OR|\|OR\|)(\s|$)/.test(c))) return undefined;
    let gate: string[] | undefined;
    for (const c of clauses) {
      const empty = /^%([A-Za-z_][A-Za-z0-9_]*) not empty$/.exec(c);
      const hookCall = /^is_cfn_hook\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/.exec(c);
      if (empty !== null) gate ??= selected(empty[1]);
      else if (hookCall !== null && hookGate !== undefined && isDocument(hookCall[1])) gate ??= hookGate(hookCall[2]);
    }
    if (gate === undefined) return undefined;
    gate.forEach((t) => gates.add(t));
  }
  return evaluated === 0 ? undefined : [...gates].sort();
}
