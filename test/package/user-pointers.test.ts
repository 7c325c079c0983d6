import { readFileSync } from 'fs';
import { join } from 'path';
import ts from 'typescript';
import { listFiles, readSources, ROOT } from '../architecture/sources';

/**
 * What the package tells its users to import or read exists in the package. The construct READMEs ship in the tarball
 * and the library's messages reach users at synth, so neither may point at a repository path the package does not
 * export (a handler module under lambda/, a relative import of `../shared/...`): they name a package entry
 * (`aws-security-baseline`, `/compliance`, `/http`) or a public npm package instead.
 */

/** A repository path a user of the package cannot import. */
const UNEXPORTED = /(^|[^\w-])(\.\.\/)+shared\/|lambda\/shared\/(secrets|rate-limit|observability)/;

describe('the package points users only at what it exports', () => {
  test('code samples in the construct READMEs import only packages, never a relative path', () => {
    const readmes = listFiles('lib/constructs', (n) => n === 'README.md');
    expect(readmes.length).toBeGreaterThan(10);
    const offending: string[] = [];
    for (const path of readmes) {
      const text = readFileSync(join(ROOT, path), 'utf8');
      for (const block of text.match(/```(ts|typescript|js)\n[\s\S]*?```/g) ?? []) {
        for (const m of block.matchAll(/from '([^']+)'/g)) if (m[1].startsWith('.')) offending.push(`${path}: ${m[1]}`);
      }
      for (const line of text.split('\n')) if (UNEXPORTED.test(line)) offending.push(`${path}: ${line.trim().slice(0, 120)}`);
    }
    expect(offending).toEqual([]);
  });

  test('no string of the library (its synth errors and warnings) names an unexported runtime module', () => {
    const offending: string[] = [];
    for (const [path, text] of readSources(['lib/constructs', 'lib/aspects', 'lib/compliance', 'lib/internal', 'lib/http'])) {
      const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return; // module specifiers are the library's own imports
        if ((ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node))
          && /(^|[^/\w])lambda\/(shared|api|session)|(\.\.\/)+shared\//.test(node.text)) {
          offending.push(`${path}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1} ${node.text.slice(0, 120)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(offending).toEqual([]);
  });
});
