import ts from 'typescript';

/**
 * Words a stranger understands: comments, test titles, READMEs and docs say what the code does and why, never which
 * tracker entry or planning note asked for it. The patterns are narrow on purpose: a GitHub URL (`/issues/12`), an
 * RFC section (`RFC 7519 §4.1`), an instance class (`T4G`) or a timer variable (`t0`) does not match.
 */
export const TRACKER_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'tracker issue number', pattern: /\bissues?\s+#?\d+(?:\s*(?:,|and|&)\s*#?\d+)*/i },
  { name: 'pull request number', pattern: /\b(?:PR|pull request)\s*#\d+/i },
  { name: 'planning-note section', pattern: /\bSeed\s*§\s*\d*/i },
  { name: 'task id', pattern: /(?:\b|\()T\d+[a-z]\b|\(T\d+\)/ },
  { name: 'review item number', pattern: /\b(?:review\s+)?item\s+#?\d+\b|\bitems\s+#?\d+\s+and\s+#?\d+\b/i },
];

/** One reference to a tracker found in a file. */
export interface WordingFinding {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly text: string;
}

export function describeWording(f: WordingFinding): string {
  return `${f.file}:${f.line} ${f.name}: "${f.text}"`;
}

function findIn(file: string, text: string, lineOffset: number): WordingFinding[] {
  const findings: WordingFinding[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { name, pattern } of TRACKER_PATTERNS) {
      const m = pattern.exec(line);
      if (m) findings.push({ file, line: lineOffset + i + 1, name, text: m[0] });
    }
  });
  return findings;
}

/** Markdown and other prose: every line. */
export function checkProse(file: string, text: string): WordingFinding[] {
  return findIn(file, text, 0);
}

const TEST_FUNCTIONS = new Set(['describe', 'test', 'it']);

/** The title of `describe(...)`, `test(...)`, `it(...)` (also `.each(...)(title)`, `.skip`, `.only`), or undefined. */
function testTitle(node: ts.CallExpression): ts.StringLiteralLike | undefined {
  let callee: ts.Expression = node.expression;
  while (ts.isCallExpression(callee) || ts.isPropertyAccessExpression(callee)) callee = callee.expression;
  const first = node.arguments[0];
  return ts.isIdentifier(callee) && TEST_FUNCTIONS.has(callee.text) && first && ts.isStringLiteralLike(first) ? first : undefined;
}

/** Source code: every comment, and the titles of tests (they read as documentation of what is checked). */
export function checkCode(file: string, text: string): WordingFinding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const seen = new Set<number>();
  const findings: WordingFinding[] = [];
  const scan = (pos: number, end: number) => {
    if (seen.has(pos)) return;
    seen.add(pos);
    findings.push(...findIn(file, text.slice(pos, end), sf.getLineAndCharacterOfPosition(pos).line));
  };
  const visit = (node: ts.Node): void => {
    for (const r of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) scan(r.pos, r.end);
    for (const r of ts.getTrailingCommentRanges(text, node.getEnd()) ?? []) scan(r.pos, r.end);
    if (ts.isCallExpression(node)) {
      const title = testTitle(node);
      if (title) scan(title.getStart(sf), title.getEnd());
    }
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return findings.sort((a, b) => a.line - b.line);
}
