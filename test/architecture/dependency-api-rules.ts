import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import ts from 'typescript';

/**
 * Public APIs of dependencies only: lib/ never reaches into a private, protected or internal member of cdk-nag,
 * aws-cdk-lib or the cfn-guard validator, because the next release of the dependency can change it without notice.
 */

/** Construct ids aws-cdk-lib gives its own children (the provider framework's functions): not API, renamed at will. */
const INTERNAL_CHILD_IDS = ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout', 'waiter-state-machine'];

/** Members of aws-cdk-lib and constructs that are internal (stripped from their .d.ts or marked private there). */
const KNOWN_INTERNAL = ['_toCloudFormation', '_metadata', '_acknowledgeWarning', '_confirmValidationPluginsDoNotMutate', 'cfnProperties', 'renderProperties'];

/** Member names a package's declaration files state, split into non-public (`private x;`, `protected y()`) and public. */
export function membersOf(packageDir: string): { nonPublic: Set<string>; public: Set<string> } {
  const nonPublic = new Set<string>();
  const pub = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(path);
      else if (e.name.endsWith('.d.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/^\s*((?:private|protected)\s+)?(?:readonly\s+|abstract\s+|static\s+|get\s+)*(\w+)\??\s*[;:(]/gm)) {
          (m[1] ? nonPublic : pub).add(m[2]);
        }
      }
    }
  };
  walk(packageDir);
  return { nonPublic, public: pub };
}

/**
 * The names that `checked` packages declare non-public and that no package of `checked` or `publicIn` declares public
 * (so `report.violations` and `node.scope` pass). aws-cdk-lib's internals are underscore members, caught by name.
 */
export function nonPublicMembers(checked: readonly string[], publicIn: readonly string[]): Set<string> {
  const all = checked.map(membersOf);
  const pub = new Set([...all, ...publicIn.map(membersOf)].flatMap((m) => [...m.public]));
  return new Set(all.flatMap((m) => [...m.nonPublic]).filter((n) => !pub.has(n)));
}

/** One access to a non-public member: file, line and what it touches. */
export interface DependencyApiViolation {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/**
 * Finds accesses to non-public members in one source file:
 * - any `._name` member (aws-cdk-lib's and constructs' internal members start with an underscore),
 * - any access to a member that a dependency declares private or protected (`.isAcknowledged`, `.applyRule`), but a
 *   subclass's `super.applyRule(...)`,
 * - a cast to an object type (`as unknown as { ... }`) that names such a member, the usual way around the type checker.
 */
export function findNonPublicAccess(file: string, text: string, nonPublic: ReadonlySet<string>): DependencyApiViolation[] {
  const hidden = new Set([...nonPublic, ...KNOWN_INTERNAL]);
  const out: DependencyApiViolation[] = [];
  const rawLines = text.split('\n');
  codeOnly(file, text).split('\n').forEach((line, i) => {
    const raw = rawLines[i];
    for (const id of INTERNAL_CHILD_IDS) if (new RegExp(`[fF]indChild\\(\\s*['"\`]${id}['"\`]`).test(raw)) out.push({ file, line: i + 1, text: raw.trim(), why: `internal child id ${id} of a dependency` });
    const add = (why: string): void => { out.push({ file, line: i + 1, text: raw.trim(), why }); };
    for (const m of line.matchAll(/(\w+|\))\.(_[A-Za-z]\w*)/g)) if (m[1] !== 'this') add(`underscore member ${m[2]}`);
    // `super.x()`: a subclass using its base class's protected member, the extension point protected members are
    // for (TypeScript refuses `super` access to a private one).
    for (const m of line.matchAll(/(\w*)\.(\w+)\b/g)) if (m[1] !== 'super' && hidden.has(m[2]) && !m[2].startsWith('_')) add(`non-public member ${m[2]} of a dependency`);
    for (const m of line.matchAll(/as unknown as \{([^}]*)\}?/g)) {
      for (const member of m[1].matchAll(/(\w+)\??\s*[:(]/g)) if (hidden.has(member[1]) || member[1].startsWith('_')) add(`cast that exposes ${member[1]}`);
    }
  });
  return out;
}

/**
 * The source with every comment, string, template and regular-expression literal blanked (line breaks kept), so a
 * member name in prose or in a pattern (`/\.guard$/`) is not taken for an access.
 */
function codeOnly(file: string, text: string): string {
  const chars = text.split(''); // UTF-16 units, as the scanner's positions count
  const blank = (pos: number, end: number): void => { for (let i = pos; i < end; i++) if (chars[i] !== '\n') chars[i] = ' '; };
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) blank(scanner.getTokenStart(), scanner.getTokenEnd());
  }
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isRegularExpressionLiteral(node)
      || node.kind === ts.SyntaxKind.TemplateHead || node.kind === ts.SyntaxKind.TemplateMiddle || node.kind === ts.SyntaxKind.TemplateTail) {
      blank(node.getStart(), node.getEnd());
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  return chars.join('');
}
