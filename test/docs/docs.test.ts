import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { DIAGRAM_PATH, renderDiagram } from '../../scripts/diagram';

const ROOT = join(__dirname, '..', '..');

describe('documentation stays in step with the code', () => {
  test('docs/architecture.svg matches the stacks (regenerate with `npm run diagram`)', () => {
    expect(readFileSync(DIAGRAM_PATH, 'utf8')).toBe(renderDiagram());
  });

  test('docs/api (the API reference) matches the public API, with no typedoc warning (regenerate with `npm run docs`)', () => {
    // GIVEN a fresh typedoc run into a temporary directory (typedoc.json: every public declaration must be documented,
    // and warnings, validation warnings included, are errors)
    const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], { cwd: ROOT, stdio: 'pipe' });
      // THEN it has the same files with the same content as the committed docs/api
      const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
      const committed = join(ROOT, 'docs', 'api');
      expect(files(committed)).toEqual(files(out));
      for (const file of files(out)) {
        expect({ file, text: readFileSync(join(committed, file), 'utf8') }).toEqual({ file, text: readFileSync(join(out, file), 'utf8') });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  test('every construct folder has a README with a purpose, an example and the secure-defaults table', () => {
    const dir = join(ROOT, 'lib', 'constructs');
    for (const name of readdirSync(dir)) {
      const readme = join(dir, name, 'README.md');
      expect({ name, readme: existsSync(readme) }).toEqual({ name, readme: true });
      const text = readFileSync(readme, 'utf8');
      expect({ name, example: /```ts/.test(text), table: /\|\s*setting\s*\|\s*default\s*\|\s*why\s*\|/i.test(text) }).toEqual({ name, example: true, table: true });
    }
  });

  test('the README shows the two quick-start commands that CI runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npx cdk synth');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/npm ci[\s\S]*npm test/);
  });
});
