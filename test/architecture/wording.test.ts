import { readFileSync } from 'fs';
import { join } from 'path';
import { checkCode, checkProse, describeWording } from './wording-rules';
import { isCodeFile, listFiles, ROOT } from './sources';

/**
 * No comment, test title, README or doc refers to tracker entries or planning notes; it says what the code does and
 * why. Scans lib/, lambda/, app/, scripts/, bench/, test/, docs/ and README.md.
 */

const CODE_DIRS = ['lib', 'lambda', 'app', 'scripts', 'bench', 'test'];
const PROSE_DIRS = [...CODE_DIRS, 'docs'];

describe('wording: no tracker references', () => {
  test('comments, test titles, READMEs and docs say what and why, not which tracker entry', () => {
    // GIVEN every source file and every Markdown file of the scanned folders, and the README
    const code = CODE_DIRS.flatMap((dir) => listFiles(dir, isCodeFile));
    const prose = [...PROSE_DIRS.flatMap((dir) => listFiles(dir, (name) => name.endsWith('.md'))), 'README.md'];
    expect(code.length).toBeGreaterThan(100);
    expect(prose.length).toBeGreaterThan(10);
    // WHEN each is searched for tracker references
    const findings = [
      ...code.flatMap((f) => checkCode(f, readFileSync(join(ROOT, f), 'utf8'))),
      ...prose.flatMap((f) => checkProse(f, readFileSync(join(ROOT, f), 'utf8'))),
    ];
    // THEN there is none
    expect(findings.map(describeWording)).toEqual([]);
  });
});

describe('the wording checker itself', () => {
  test.each([
    ['an issue number in a line comment', '// Per-identity limits (issue 10): every handler joins.\nexport const a = 1;\n'],
    ['two issue numbers in a block comment', '/** REST API and handlers (issues 5 and 6). */\nexport const a = 1;\n'],
    ['a planning-note section', 'export const a = 1; // Seed §1: secrets stay inside\n'],
    ['a task id', '/** Every request schema by name, for API Gateway models (T6a). */\nexport const a = 1;\n'],
    ['a review item', 'function f() {\n  // as review item 3 asked\n}\n'],
    ['a comment before a closing brace', 'if (x) {\n  call();\n  // see issue 4\n}\n'],
    ['a test title', "describe('ApiStack (issues 5 and 6)', () => undefined);\n"],
    ['a test.each title', "test.each([1])('checks it (issue 7) %s', () => undefined);\n"],
  ])('flags %s', (_name, source) => {
    expect(checkCode('x.ts', source)).toHaveLength(1);
  });

  test.each([
    ['a GitHub issues URL', '// see https://github.com/aws/aws-cdk/issues/12345 for the upstream bug\n'],
    ['an RFC section', '/** RFC 7519 §4.1.4: exp must be a NumericDate. */\n'],
    ['an instance class and a timer', 'const t0 = 1; // T4G instances, t0 is the start\n'],
    ['the word issue in prose', '// This avoids an issue with 2 concurrent refreshes.\n'],
    ['an issue number in a string that is not a title', "const s = 'issue 12';\n"],
    ['an ISO timestamp', "// 2026-12-01T17:49:57Z\n"],
  ])('accepts %s', (_name, source) => {
    expect(checkCode('x.ts', source)).toEqual([]);
  });

  test('names the file, the line and the words in Markdown', () => {
    expect(checkProse('lib/constructs/x/README.md', '# X\n\n| a | b | Seed §4 "rate limit" |\n').map(describeWording))
      .toEqual(['lib/constructs/x/README.md:3 planning-note section: "Seed §4"']);
  });
});
