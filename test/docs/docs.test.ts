import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { DIAGRAM_PATH, renderDiagram } from '../../scripts/diagram';

const ROOT = join(__dirname, '..', '..');

describe('documentation stays in step with the code', () => {
  test('docs/architecture.svg matches the stacks (regenerate with `npm run diagram`)', () => {
    expect(readFileSync(DIAGRAM_PATH, 'utf8')).toBe(renderDiagram());
  });

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
