import ts from 'typescript';

/**
 * Size rules of the house plan: a file in lib/, lambda/ or app/ over {@link MAX_FILE_LINES} lines, or a function over
 * {@link MAX_FUNCTION_LINES} lines, states why in a comment, so a reader knows it was a choice:
 *  - a file: a line `// Why this file is long: <reason>` (or ` * Why this file is long: <reason>` in a block
 *    comment) in its header, the comments above or among its imports, before any other statement;
 *  - a function (declaration, method, constructor, accessor, arrow function or function expression): a line
 *    `// Why this function is long: <reason>` in the comments right before it (before the statement or class member
 *    that holds it, for an arrow function in a `const` or a callback).
 * Generated files (`*.generated.ts`) are exempt. A nested function counts towards the function that holds it.
 */

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 60;

/** The reason must say something: at least this many characters after the colon. */
const MIN_REASON = 20;
const marker = (what: 'file' | 'function') => new RegExp(`^\\s*(?://|/?\\*+)\\s*Why this ${what} is long:\\s*(.*)$`, 'm');

/** A reason given with the marker in these comments, or undefined. */
function reasonIn(comments: string, what: 'file' | 'function'): string | undefined {
  const m = marker(what).exec(comments);
  return m && m[1].trim().length >= MIN_REASON ? m[1].trim() : undefined;
}

/** One file or function that is too long without a reason. */
export interface SizeFinding {
  readonly file: string;
  readonly line: number;
  readonly what: string;
  readonly lines: number;
  readonly limit: number;
}

export function describeFinding(f: SizeFinding): string {
  return `${f.file}:${f.line} ${f.what} has ${f.lines} lines (limit ${f.limit}) and no "Why this ${f.what.startsWith('file') ? 'file' : 'function'} is long:" reason`;
}

/** The file's header: everything before its first statement that is not an import (comments above or among the imports). */
function headerComments(sf: ts.SourceFile): string {
  const first = sf.statements.find((st) => !ts.isImportDeclaration(st) && !ts.isImportEqualsDeclaration(st));
  const end = first ? first.getStart(sf) : sf.text.length;
  return sf.text.slice(0, end);
}

/** The text of the comments directly before a node. */
function leadingComments(sf: ts.SourceFile, node: ts.Node): string {
  return (ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? []).map((r) => sf.text.slice(r.pos, r.end)).join('\n');
}

type FunctionNode = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration | ts.ArrowFunction | ts.FunctionExpression;

function isFunction(node: ts.Node): node is FunctionNode {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node)
    || ts.isSetAccessorDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

/** A name a reader can find: the declaration's, the variable's or property's it is assigned to, else its position. */
function functionName(node: FunctionNode, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent;
    return `constructor of ${ts.isClassLike(cls) && cls.name ? cls.name.text : 'a class'}`;
  }
  if (node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) || ts.isPrivateIdentifier(node.name))) return `function ${node.name.text}`;
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) {
    return `function ${parent.name.text}`;
  }
  const column = `function at column ${sf.getLineAndCharacterOfPosition(node.getStart(sf)).character + 1}`;
  for (let n: ts.Node = node.parent; !ts.isSourceFile(n); n = n.parent) {
    if (isFunction(n)) return `${column} in ${functionName(n, sf).replace(/^function /, '')}`;
  }
  return column;
}

/** Where a function's reason may be written: before the function, or before the statement or member holding it. */
function reasonForFunction(sf: ts.SourceFile, node: FunctionNode): string | undefined {
  for (let n: ts.Node | undefined = node; n && !ts.isSourceFile(n); n = n.parent) {
    const reason = reasonIn(leadingComments(sf, n), 'function');
    if (reason) return reason;
    if (ts.isStatement(n) || ts.isClassElement(n)) break;
  }
  return undefined;
}

/** Checks one source file; `path` is repository-relative. */
export function checkSize(path: string, text: string): SizeFinding[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: SizeFinding[] = [];
  const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  if (lines > MAX_FILE_LINES && !reasonIn(headerComments(sf), 'file')) {
    findings.push({ file: path, line: 1, what: 'file', lines, limit: MAX_FILE_LINES });
  }
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const length = end - start + 1;
      if (length > MAX_FUNCTION_LINES && !reasonForFunction(sf, node)) {
        findings.push({ file: path, line: start + 1, what: functionName(node, sf), lines: length, limit: MAX_FUNCTION_LINES });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}
