import { checkSize, describeFinding, MAX_FILE_LINES, MAX_FUNCTION_LINES } from './size-rules';
import { isGenerated, readSources } from './sources';

/**
 * No file in lib/ or lambda/ over 400 lines and no function over 60 lines without a stated reason
 * ("Why this file is long:" / "Why this function is long:", see size-rules.ts). The failure lists every file and
 * function still over the limit, so the list shows what is left to split.
 */

describe('file and function sizes in lib/, lambda/ and app/', () => {
  test('every long file and long function says why it is long', () => {
    // GIVEN every hand-written source file of lib/, lambda/ and app/ (generated files are exempt)
    const files = [...readSources(['lib', 'lambda', 'app'])].filter(([path]) => !isGenerated(path));
    expect(files.length).toBeGreaterThan(50);
    // WHEN each is measured
    const findings = files.flatMap(([path, text]) => checkSize(path, text));
    // THEN none is over a limit without a reason
    expect(findings.map(describeFinding)).toEqual([]);
  });
});

describe('the size checker itself', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const fn = (lines: number, before = '') => `${before}export function big(): void {\n${body(lines - 2)}\n}\n`;
  const file = (lines: number, header = '') => `${header}${Array.from({ length: lines - header.split('\n').length + 1 }, (_, i) => `export const c${i} = ${i};`).join('\n')}\n`;

  test('fails if a file is over the limit without a reason', () => {
    const text = file(MAX_FILE_LINES + 1);
    expect(text.split('\n').length - 1).toBe(MAX_FILE_LINES + 1);
    expect(checkSize('lib/x.ts', text).map(describeFinding)).toEqual([
      `lib/x.ts:1 file has ${MAX_FILE_LINES + 1} lines (limit ${MAX_FILE_LINES}) and no "Why this file is long:" reason`,
    ]);
    expect(checkSize('lib/x.ts', file(MAX_FILE_LINES))).toEqual([]);
  });

  test('accepts a long file whose header says why, as a line comment or in a block comment', () => {
    expect(checkSize('lib/x.ts', file(MAX_FILE_LINES + 50, '// Why this file is long: one table of every rule, read as a whole.\n'))).toEqual([]);
    expect(checkSize('lib/x.ts', file(MAX_FILE_LINES + 50, '/**\n * The rules.\n *\n * Why this file is long: one table of every rule, read as a whole.\n */\n'))).toEqual([]);
  });

  test('accepts the reason after the imports, before the first other statement', () => {
    const header = "import { a } from './a';\n// The folder's entry.\n// Why this file is long: one table of every rule, read as a whole.\n";
    expect(checkSize('lib/x.ts', file(MAX_FILE_LINES + 50, header))).toEqual([]);
  });

  test.each([
    ['a marker without a reason', '// Why this file is long:\n'],
    ['a marker that says nothing', '// Why this file is long: big.\n'],
    ['a marker after the first statement', 'export const first = 1;\n// Why this file is long: one table of every rule, read as a whole.\n'],
  ])('fails if the file reason is %s', (_name, header) => {
    expect(checkSize('lib/x.ts', file(MAX_FILE_LINES + 50, header))).toHaveLength(1);
  });

  test('fails if a function is over the limit without a reason, naming it', () => {
    expect(checkSize('lambda/x.ts', fn(MAX_FUNCTION_LINES + 1)).map(describeFinding)).toEqual([
      `lambda/x.ts:1 function big has ${MAX_FUNCTION_LINES + 1} lines (limit ${MAX_FUNCTION_LINES}) and no "Why this function is long:" reason`,
    ]);
    expect(checkSize('lambda/x.ts', fn(MAX_FUNCTION_LINES))).toEqual([]);
  });

  test('accepts a long function with a reason before it', () => {
    expect(checkSize('lambda/x.ts', fn(90, '// Why this function is long: one SQL statement per privilege kind, read together.\n'))).toEqual([]);
    expect(checkSize('lambda/x.ts', fn(90, '/**\n * Does it.\n * Why this function is long: one SQL statement per privilege kind, read together.\n */\n'))).toEqual([]);
  });

  const REASON = '// Why this function is long: the steps must stay in this one order.\n';
  test.each([
    ['a constructor', `export class C {\n  /** Builds it. */\n  MARK constructor() {\n${body(70)}\n  }\n}\n`, 'constructor of C'],
    ['a method', `export class C {\n  MARK private build(): void {\n${body(70)}\n  }\n}\n`, 'function build'],
    ['an arrow function in a const', `MARK export const run = (): void => {\n${body(70)}\n};\n`, 'function run'],
    ['a callback', `MARK [1].forEach((n) => {\n${body(70)}\n});\n`, 'function at column 13'],
    ['a returned function', `export function make() {\n  MARK return () => {\n${body(70)}\n  };\n}\n`, 'function at column 10 in make'],
  ])('measures %s, and accepts it with a reason right before it', (_name, text, what) => {
    expect(checkSize('lib/x.ts', text.replace('MARK ', '')).map((f) => f.what)).toEqual(expect.arrayContaining([what]));
    expect(checkSize('lib/x.ts', text.replace('MARK ', REASON)).map((f) => f.what)).not.toContain(what);
  });

  test('fails if the reason is on the class, not on the long member', () => {
    const text = `${REASON}export class C {\n  constructor() {\n${body(70)}\n  }\n}\n`;
    expect(checkSize('lib/x.ts', text).map((f) => f.what)).toEqual(['constructor of C']);
  });

  test('a nested function counts towards the function that holds it', () => {
    const text = `export function outer(): void {\n${body(30)}\n  const inner = () => {\n${body(30)}\n  };\n  inner();\n}\n`;
    expect(checkSize('lib/x.ts', text).map((f) => f.what)).toEqual(['function outer']);
  });
});
