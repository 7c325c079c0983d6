import { builtinModules } from 'module';
import ts from 'typescript';

/**
 * The import directions of docs/architecture.md, as code: a parser that finds every module reference in a source
 * file (static import and export, `import type`, `require()`, `require.resolve()`, dynamic `import()`,
 * `import x = require()`, `import('...').T` types), a resolver for relative paths, and the rules. Pure: it works on a
 * map of repository-relative path to text, so the self-tests feed it synthetic files.
 */

/** One module reference of a source file. */
export interface ImportEdge {
  /** The importing file (repository-relative). */
  readonly from: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** The file it resolves to (repository-relative) for a relative specifier; undefined for a package or built-in. */
  readonly target?: string;
  /** How it is written, for the failure message. */
  readonly kind: 'import' | 'export' | 'require' | 'require.resolve' | 'dynamic import' | 'import type';
  /** Erased at compile time (`import type`, `export type`, only `type` specifiers, `import('x').T`): no runtime load. */
  readonly typeOnly: boolean;
  /** 1-based line of the reference. */
  readonly line: number;
  /** Loaded by a path computed at run time (`require(join(root, 'x'))`): the target cannot be known, only the fact. */
  readonly computed?: boolean;
}

/** A file may break a rule with one import when the exception says why. */
export interface ImportException {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
  readonly reason: string;
}

/** A broken rule. */
export interface ImportViolation {
  readonly edge: ImportEdge;
  readonly rule: string;
  readonly why: string;
}

const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '/index.ts', '/index.js'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Joins a relative specifier onto the importing file's folder, normalizing `.` and `..` (repository-relative, `/`). */
function joinRelative(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const part of specifier.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/**
 * Resolves a relative specifier the way TypeScript and Node.js do for this repository: the exact file, then with a
 * source extension, then the folder's index. A `.js` specifier also finds the `.ts` file it compiles from.
 */
export function resolveRelative(from: string, specifier: string, exists: (path: string) => boolean): string {
  const base = joinRelative(from, specifier);
  const stems = /\.[mc]?js$/.test(base) ? [base, base.replace(/\.([mc]?)js$/, '.$1ts')] : [base];
  for (const stem of stems) for (const suffix of RESOLVE_SUFFIXES) if (exists(stem + suffix)) return stem + suffix;
  return base;
}

/** The target of a module loaded by a computed path: unknown, so only a rule about computed loads judges it. */
export const COMPUTED = '(computed path)';

/** The kind of a module-loading call (`require`, `require.resolve`, `import()`), or undefined for any other call. */
function loaderKind(callee: ts.Expression): ImportEdge['kind'] | undefined {
  if (callee.kind === ts.SyntaxKind.ImportKeyword) return 'dynamic import';
  if (ts.isIdentifier(callee) && callee.text === 'require') return 'require';
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' && ts.isIdentifier(callee.expression)
    && callee.expression.text === 'require') return 'require.resolve';
  return undefined;
}

/** Every module reference of one source file, with relative ones resolved. */
export function importsOf(from: string, text: string, exists: (path: string) => boolean): ImportEdge[] {
  const sf = ts.createSourceFile(from, text, ts.ScriptTarget.Latest, true, from.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, specifier: string, kind: ImportEdge['kind'], typeOnly: boolean) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    const target = specifier.startsWith('.') ? resolveRelative(from, specifier, exists) : undefined;
    edges.push({ from, specifier, target, kind, typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypeSpecifiers = clause !== undefined && clause.name === undefined && named !== undefined && ts.isNamedImports(named)
        && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier.text, 'import', clause?.isTypeOnly === true || allTypeSpecifiers);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause;
      const allTypeSpecifiers = named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier.text, 'export', node.isTypeOnly || allTypeSpecifiers);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
      && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node, node.moduleReference.expression.text, 'require', node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, 'import type', true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && !ts.isStringLiteralLike(node.arguments[0]) && loaderKind(node.expression)) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      edges.push({ from, specifier: node.arguments[0].getText(sf), target: COMPUTED, kind: loaderKind(node.expression)!, typeOnly: false, line, computed: true });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const specifier = node.arguments[0].text;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(node, specifier, 'dynamic import', false);
      else if (ts.isIdentifier(callee) && callee.text === 'require') add(node, specifier, 'require', false);
      else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' && ts.isIdentifier(callee.expression)
        && callee.expression.text === 'require') add(node, specifier, 'require.resolve', false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

// ---------------------------------------------------------------------------
// Areas and rules.
// ---------------------------------------------------------------------------

/** Under a folder (or the folder itself, for a file path without the trailing part). */
const under = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
const inAny = (path: string, folders: readonly string[]): boolean => folders.some((f) => under(path, f));

/** The library's own parts, which may use lib/internal. */
const LIBRARY_PARTS = ['lib/constructs', 'lib/aspects', 'lib/compliance', 'lib/contracts', 'lib/http', 'lib/internal', 'lib/index.ts'];
/** The contract modules both sides of the deploy read: pure, compiled into the library and bundled into handlers. */
const CONTRACTS = 'lib/contracts';
/** The package's public entries (package.json `exports`), by source file. */
const PACKAGE_ENTRIES = ['lib/index.ts', 'lib/compliance/index.ts', 'lib/http/index.ts'];
/** Tooling and tests: never imported by the app, the library or the handlers. */
const TOOLING = ['scripts', 'bench', 'test', 'examples'];
/** The reference app's own handlers (`app/lambda/<name>`), whose data modules (schemas, routes, migrations) its stacks may read. */
const APP_HANDLERS = 'app/lambda';
/** Handler code: what goes into a Lambda bundle (the library's handlers and the reference app's). */
const HANDLER_CODE = ['lambda', APP_HANDLERS];
/** What a handler bundle may hold: handler code and the contract modules. */
const BUNDLE_CODE = [...HANDLER_CODE, CONTRACTS];
/** The reference app's CDK code: everything under app/ but its handlers. */
const isAppCdk = (path: string): boolean => under(path, 'app') && !under(path, APP_HANDLERS);

/** The handler folder (`lambda/<name>` or `app/lambda/<name>`) of a path in handler code, or `lambda/shared`. */
function lambdaFolder(path: string): string | undefined {
  const m = /^((?:app\/)?lambda\/[^/]+)\//.exec(path);
  return m ? m[1] : undefined;
}

/** What a rule sees besides the edge. */
export interface RuleContext {
  /** Why the target is not a pure contract module (it loads a package or built-in at run time), or undefined when it is. */
  impurity(target: string): string | undefined;
}

/** One rule of docs/architecture.md: `check` returns why the edge breaks it, or undefined. */
export interface ImportRule {
  readonly id: string;
  readonly check: (edge: ImportEdge & { readonly target: string }, ctx: RuleContext) => string | undefined;
}

export const IMPORT_RULES: readonly ImportRule[] = [
  {
    id: 'library-loads-by-name',
    check: ({ from, computed }) => under(from, 'lib') && computed === true
      ? 'lib/ loads modules only by a written name (no require(), require.resolve() or import() of a computed path): a computed path hides what synth loads, such as a build script'
      : undefined,
  },
  {
    id: 'library-never-imports-app',
    check: ({ from, target }) => inAny(from, ['lib', 'lambda']) && under(target, 'app')
      ? 'the library (lib/ and its handlers in lambda/) never imports the reference app (app/): the package ships without it'
      : undefined,
  },
  {
    id: 'lambda-stands-alone',
    check: ({ from, target }) => inAny(from, HANDLER_CODE) && !inAny(target, BUNDLE_CODE)
      ? 'handler code (lambda/, app/lambda/) never imports lib/ (but its pure contract modules in lib/contracts), app/ CDK code, scripts/ or anything else outside handler code: a handler bundle holds only handler code'
      : undefined,
  },
  {
    id: 'handlers-independent',
    check: ({ from, target }) => {
      const source = lambdaFolder(from);
      const dest = lambdaFolder(target);
      if (source === undefined || dest === undefined || source === dest || dest === 'lambda/shared' || dest === CONTRACTS) return undefined;
      return source === 'lambda/shared'
        ? 'lambda/shared imports only lambda/shared: shared code never depends on one handler'
        : `${source} imports only its own folder and lambda/shared, never another handler (${dest})`;
    },
  },
  {
    id: 'constructs-generic',
    check: ({ from, target }) => under(from, 'lib/constructs') && inAny(target, ['lib/index.ts', 'app', 'scripts'])
      ? 'lib/constructs never imports lib/index.ts, app/ or scripts/: constructs are generic and get configuration through props'
      : undefined,
  },
  {
    id: 'internal-private',
    check: ({ from, target }) => under(target, 'lib/internal') && !inAny(from, LIBRARY_PARTS)
      ? 'lib/internal is imported only by the library (lib/constructs, lib/aspects, lib/compliance, lib/http, lib/internal, lib/index.ts); it is not public API'
      : undefined,
  },
  {
    id: 'library-no-tooling',
    check: ({ from, target }) => under(from, 'lib') && inAny(target, TOOLING)
      ? 'lib/ never imports scripts/, bench/, test/ or examples/'
      : undefined,
  },
  {
    id: 'contracts-pure',
    check: ({ from, target, typeOnly }, ctx) => {
      if (under(from, CONTRACTS) && !under(target, CONTRACTS)) {
        return 'lib/contracts imports only lib/contracts: a contract module is compiled into the library and bundled into handlers, so it depends on neither side';
      }
      const impure = under(target, CONTRACTS) && !typeOnly ? ctx.impurity(target) : undefined;
      return impure === undefined ? undefined : `a contract module loads no package or Node.js built-in at run time, but ${impure}`;
    },
  },
  {
    id: 'lambda-contracts-only',
    check: ({ from, target }) => {
      if (!inAny(target, HANDLER_CODE)) return undefined;
      if (under(from, 'lib')) {
        return under(from, 'lib/http') && under(target, 'lambda/shared') ? undefined
          : 'the library imports no handler code (lambda/): what synth and the handlers both read lives in lib/contracts, and only the npm-only entry lib/http re-exports lambda/shared';
      }
      return isAppCdk(from) && !under(target, APP_HANDLERS)
        ? `the reference app's CDK code may import handler code only from its own handlers (${APP_HANDLERS}); the library's handler code reaches it through the package entries`
        : undefined;
    },
  },
  {
    id: 'app-handler-data-pure',
    check: ({ from, target, typeOnly }, ctx) => {
      if (!isAppCdk(from) || !under(target, APP_HANDLERS)) return undefined;
      const impure = typeOnly ? undefined : ctx.impurity(target);
      return impure === undefined ? undefined
        : `CDK code imports handler code only from pure data modules (constants, types, pure functions; no package or Node.js built-in at run time), but ${impure}`;
    },
  },
  {
    id: 'app-uses-public-entry',
    check: ({ from, target }) => isAppCdk(from) && under(target, 'lib') && !under(target, 'lib/internal') && !PACKAGE_ENTRIES.includes(target)
      ? `the reference app (app/) uses the library only through the package's entries (${PACKAGE_ENTRIES.join(', ')}), as a consumer does`
      : undefined,
  },
  {
    id: 'examples-use-package-entries',
    check: ({ from, target }) => under(from, 'examples') && !under(target, 'examples') && !PACKAGE_ENTRIES.includes(target)
      ? `examples/ imports the repository only through the package's entries (${PACKAGE_ENTRIES.join(', ')}): an example shows what a user can copy`
      : undefined,
  },
  {
    id: 'stacks-below-entry-points',
    check: ({ from, target }) => under(from, 'app/stacks') && inAny(target, ['app/baseline.ts', 'app/main.ts'])
      ? 'app/stacks never imports app/baseline.ts or app/main.ts: they compose the stacks (the pipeline builds its stages with app/stacks/stage.ts)'
      : undefined,
  },
  {
    id: 'main-composes',
    check: ({ from, target }) => from === 'app/main.ts' && !(isAppCdk(target) || PACKAGE_ENTRIES.includes(target))
      ? 'app/main.ts imports only the app (app/, not its handlers) and the package entries: the App is composed from stacks and configuration'
      : undefined,
  },
  {
    id: 'config-is-a-leaf',
    check: ({ from, target }) => under(from, 'app/config') && !under(target, 'app/config')
      ? 'app/config imports nothing else from the repository: it only reads and validates context'
      : undefined,
  },
];

/**
 * Whether a module and everything it loads at run time (type-only imports are erased) stay inside handler code and load
 * no package or Node.js built-in. Returns the first offending chain, or undefined for a pure module.
 */
export function impurityOf(target: string, files: ReadonlyMap<string, string>, exists: (path: string) => boolean): string | undefined {
  const seen = new Set<string>();
  const walk = (path: string, chain: string[]): string | undefined => {
    if (seen.has(path)) return undefined;
    seen.add(path);
    const text = files.get(path);
    if (text === undefined) return `${[...chain, path].join(' → ')} cannot be read`;
    for (const edge of importsOf(path, text, exists)) {
      if (edge.typeOnly) continue;
      const via = [...chain, path].join(' → ');
      if (edge.target === undefined) return `${via} loads ${BUILTINS.has(edge.specifier) ? 'the Node.js built-in' : 'the package'} '${edge.specifier}'`;
      if (!inAny(edge.target, BUNDLE_CODE)) return `${via} loads ${edge.target}, outside handler code (lambda/, app/lambda/) and lib/contracts`;
      const inner = walk(edge.target, [...chain, path]);
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  return walk(target, []);
}

/** Checks every file of `files` against the rules; `exceptions` waive one rule for one import each. */
export function checkImports(
  files: ReadonlyMap<string, string>, exceptions: readonly ImportException[], existsOutside: (path: string) => boolean = () => false,
): { violations: ImportViolation[]; unusedExceptions: ImportException[] } {
  const exists = (path: string) => files.has(path) || existsOutside(path);
  const purity = new Map<string, string | undefined>();
  const ctx: RuleContext = {
    impurity: (target) => {
      if (!purity.has(target)) purity.set(target, impurityOf(target, files, exists));
      return purity.get(target);
    },
  };
  const used = new Set<ImportException>();
  const violations: ImportViolation[] = [];
  for (const [path, text] of files) {
    for (const edge of importsOf(path, text, exists)) {
      if (edge.target === undefined) continue;
      for (const rule of IMPORT_RULES) {
        if (edge.computed === true && rule.id !== 'library-loads-by-name') continue;
        const why = rule.check({ ...edge, target: edge.target }, ctx);
        if (why === undefined) continue;
        const waiver = exceptions.find((e) => e.from === path && e.to === edge.target && e.rule === rule.id);
        if (waiver) used.add(waiver);
        else violations.push({ edge, rule: rule.id, why });
      }
    }
  }
  return { violations, unusedExceptions: exceptions.filter((e) => !used.has(e)) };
}

/**
 * Import cycles among `files` (type-only imports count: a cycle of types is still two modules that cannot be read
 * alone), each as the chain of files from a module back to itself.
 */
export function importCycles(files: ReadonlyMap<string, string>, existsOutside: (path: string) => boolean = () => false): string[] {
  const exists = (path: string) => files.has(path) || existsOutside(path);
  const graph = new Map<string, string[]>();
  for (const [path, text] of files) {
    graph.set(path, importsOf(path, text, exists).flatMap((e) => (e.target !== undefined && files.has(e.target) ? [e.target] : [])));
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** One line per violation: file:line, the import as written, where it resolves, the rule and why. */
export function describeViolation(v: ImportViolation): string {
  const { edge } = v;
  return `${edge.from}:${edge.line} ${edge.kind} '${edge.specifier}' (${edge.target}) breaks ${v.rule}: ${v.why}`;
}

// ---------------------------------------------------------------------------
// The doc's tables.
// ---------------------------------------------------------------------------

function tableRows(doc: string, name: string): string[][] {
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`docs/architecture.md has no <!-- ${name}:start --> ... <!-- ${name}:end --> table`);
  return doc.slice(start, end).split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .slice(1) // the header row
    .map((l) => l.slice(1, l.trimEnd().length - 1).split(' | ').map((c) => c.trim()));
}

const code = (cell: string): string => cell.replace(/^`|`$/g, '');

/** The rule ids of the doc's rules table (first column, in backticks). */
export function documentedRules(doc: string): string[] {
  return tableRows(doc, 'import-rules').map((row) => code(row[0]));
}

/** The doc's exceptions table: from, to, rule, reason. */
export function documentedExceptions(doc: string): ImportException[] {
  return tableRows(doc, 'import-exceptions').map((row) => {
    if (row.length !== 4) throw new Error(`docs/architecture.md: an import exception needs four cells (from | to | rule | reason): ${row.join(' | ')}`);
    return { from: code(row[0]), to: code(row[1]), rule: code(row[2]), reason: row[3] };
  });
}
