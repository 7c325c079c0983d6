import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import ts from 'typescript';

/**
 * No SQL is built from strings in lambda/: values travel as bind parameters
 * ($1, $2, ...), never inside the SQL text.
 *
 * The scanner parses every lambda/**\/*.ts with the TypeScript compiler and flags:
 *  - a template literal with `${...}` whose text looks like SQL;
 *  - a `+` concatenation or `.concat()` where a part looks like SQL;
 *  - any template with `${...}` or concatenation passed to `.query(...)` or as a `text:` property.
 *
 * One narrow exception, because identifiers cannot be bind parameters: a DDL/DCL
 * statement (CREATE, ALTER, GRANT, REVOKE, DROP) may interpolate identifiers
 * quoted by a `quoteIdent(...)` call, either directly, through a `const`
 * initialised from one (or from a template of them), or a `.join(', ')` of a
 * list of privilege keywords. DML (SELECT, INSERT, UPDATE, DELETE) never may.
 */

const ROOT = join(__dirname, '..', '..');
const SQL_TEXT = /\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|ROLE|USER|INDEX|SCHEMA|EXTENSION|DATABASE)\b|\bALTER\s+(TABLE|ROLE|USER|DATABASE)\b|\bDROP\s+(TABLE|ROLE|USER|SCHEMA|DATABASE|INDEX)\b|\bGRANT\s|\bREVOKE\s|\bTRUNCATE\s/;
const DDL_HEAD = /^\s*(CREATE|ALTER|GRANT|REVOKE|DROP)\b/;
const QUOTE_FUNCTIONS = new Set(['quoteIdent', 'quoteIdentifier', 'escapeIdentifier']);

export interface Finding { file: string; line: number; text: string; why: string }

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : listTs(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Scans one source text. Exported shape for the self-tests below. */
export function scanSource(fileName: string, source: string): Finding[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const consts = new Map<string, ts.Expression>();
  const collect = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isVariableDeclarationList(node.parent) && (node.parent.flags & ts.NodeFlags.Const)) {
      consts.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, collect);
  };
  collect(sf);

  const isQuotedIdentifier = (expr: ts.Expression, depth = 0): boolean => {
    if (depth > 5) return false;
    if (ts.isParenthesizedExpression(expr)) return isQuotedIdentifier(expr.expression, depth + 1);
    if (ts.isCallExpression(expr)) {
      const callee = expr.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      if (QUOTE_FUNCTIONS.has(name)) return true;
      // list.join(', ') of privilege keywords
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'join' && ts.isIdentifier(callee.expression)
        && expr.arguments.length === 1 && ts.isStringLiteral(expr.arguments[0]) && expr.arguments[0].text === ', ') return true;
      return false;
    }
    if (ts.isIdentifier(expr)) {
      const init = consts.get(expr.text);
      return init !== undefined && isQuotedIdentifier(init, depth + 1);
    }
    if (ts.isTemplateExpression(expr)) return expr.templateSpans.every((s) => isQuotedIdentifier(s.expression, depth + 1));
    return false;
  };

  const literalText = (t: ts.TemplateExpression) => t.head.text + t.templateSpans.map((s) => ` ? ${s.literal.text}`).join('');
  const add = (node: ts.Node, why: string) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    findings.push({ file: fileName, line: line + 1, text: node.getText(sf).slice(0, 120), why });
  };
  const isStringy = (e: ts.Expression): boolean => ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isTemplateExpression(e)
    || (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken && (isStringy(e.left) || isStringy(e.right)));
  const textOf = (e: ts.Expression): string => {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isTemplateExpression(e)) return literalText(e);
    if (ts.isBinaryExpression(e)) return `${textOf(e.left)} ${textOf(e.right)}`;
    return '';
  };
  const built = (e: ts.Expression): boolean => ts.isTemplateExpression(e) || (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken && isStringy(e));

  const checkTemplate = (t: ts.TemplateExpression, forced: boolean) => {
    const text = literalText(t);
    if (!forced && !SQL_TEXT.test(text)) return;
    if (DDL_HEAD.test(t.head.text) && t.templateSpans.every((s) => isQuotedIdentifier(s.expression))) return;
    add(t, 'SQL built with a template literal');
  };

  const visit = (node: ts.Node) => {
    if (ts.isTemplateExpression(node)) {
      const parent = node.parent;
      const forced = (ts.isCallExpression(parent) && parent.arguments[0] === node && ts.isPropertyAccessExpression(parent.expression) && parent.expression.name.text === 'query')
        || (ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name) && parent.name.text === 'text');
      checkTemplate(node, forced);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken && isStringy(node)
      && !(ts.isBinaryExpression(node.parent) && node.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)) {
      if (SQL_TEXT.test(textOf(node))) add(node, 'SQL built with + concatenation');
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const first = node.arguments[0];
      if (method === 'concat' && SQL_TEXT.test(textOf(node.expression.expression as ts.Expression) + node.arguments.map(textOf).join(' '))) add(node, 'SQL built with concat()');
      if (method === 'query' && first && ts.isBinaryExpression(first) && built(first)) add(node, 'string concatenation passed to query()');
    }
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && node.name.text === 'text' && ts.isBinaryExpression(node.initializer) && built(node.initializer)) {
      add(node, 'string concatenation as statement text');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

describe('no string-built SQL in lambda/', () => {
  test('every lambda/**/*.ts passes values as bind parameters only', () => {
    const files = listTs(join(ROOT, 'lambda'));
    expect(files.length).toBeGreaterThan(5);
    const findings = files.flatMap((f) => scanSource(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`)).toEqual([]);
  });

  test('the notes API statements are constant text with $n placeholders', () => {
    const repository = readFileSync(join(ROOT, 'app/lambda/api/notes-repository.ts'), 'utf8');
    expect(scanSource('notes-repository.ts', repository)).toEqual([]);
    expect(repository).toMatch(/WHERE id = \$1 AND owner = \$2/);
  });

  test('the notes API runs SQL only through the repository', () => {
    // The scan above covers the statements; routing and request parsing must not hold SQL text of their own.
    for (const file of ['app/lambda/api/app.ts', 'app/lambda/api/request.ts']) {
      expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\.query\(/);
    }
  });

  describe('the scanner itself', () => {
    const flagged = (code: string) => scanSource('x.ts', code).length;
    test.each([
      ['a template value in query()', 'pool.query(`SELECT * FROM notes WHERE id = ${id}`);'],
      ['a template value in a statement object', 'pool.query({ name: "n", text: `DELETE FROM notes WHERE owner = \'${owner}\'` });'],
      ['a template in a constant', 'const sql = `UPDATE notes SET title = \'${t}\' WHERE id = $1`;'],
      ['concatenation', 'const sql = "SELECT * FROM notes WHERE owner = \'" + owner + "\'";'],
      ['concatenation in query()', 'client.query("SELECT 1 " + extra);'],
      ['concat()', 'const q = "SELECT * FROM notes WHERE id = ".concat(id);'],
      ['a quoted identifier in DML', 'client.query(`SELECT * FROM ${quoteIdent(t)} WHERE x = 1`);'],
      ['an unquoted identifier in DDL', 'client.query(`GRANT SELECT ON notes TO ${user}`);'],
      ['any template in query(), SQL-looking or not', 'client.query(`${stmt}`);'],
    ])('flags %s', (_name, code) => {
      expect(flagged(code)).toBeGreaterThan(0);
    });
    test.each([
      ['a constant statement with parameters', "pool.query({ name: 'n', text: 'SELECT id FROM notes WHERE id = $1 AND owner = $2', values: [id, owner] });"],
      ['a multi-line constant template', 'const t = `SELECT id\n FROM notes WHERE id = $1`;'],
      ['DDL with a quoted identifier', 'const app = quoteIdent(name); client.query(`GRANT rds_iam TO ${app}`);'],
      ['a message that is not SQL', 'throw new Error(`Invalid request ${where}`);'],
    ])('accepts %s', (_name, code) => {
      expect(flagged(code)).toBe(0);
    });
  });
});
