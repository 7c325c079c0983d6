/**
 * `npm run build` (also run by `npm pack` / `npm publish` through `prepack`): empties `dist/`, compiles the library with
 * jsii (`tsconfig.jsii.json`: the constructs entry, the compliance submodule and the evidence command; JavaScript,
 * `.d.ts`, source maps with their sources inlined, and the `.jsii` assembly that jsii-pacmak turns into the Python,
 * Java, .NET and Go packages), compiles the npm-only `aws-security-baseline/http` entry with `tsc -p
 * tsconfig.http.json` (it re-exports handler code, which is never part of the assembly), copies each construct's
 * README beside its compiled code (`dist/lib/constructs/<name>/README.md`, so the package documents what it ships) and
 * bundles every Lambda handler into `dist/handlers` (scripts/build-handlers.ts).
 *
 * `npx tsx scripts/build.ts <project>/dist` builds into another folder: jsii compiles a project folder, so the sources
 * it needs are copied into `<project>` (the package test stages a copy there, never touching the repository's `dist/`).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { buildHandlers } from './build-handlers';
import { BundledHandler, ROOT } from './handlers';

/**
 * What a staging project folder holds: what jsii and tsc read (the package.json, README and the sources the entries
 * import) and the files the package ships beside `dist/` (LICENSE, CHANGELOG), so `npm pack` and jsii-pacmak can run there.
 */
export const PROJECT_FILES = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.http.json',
  'tsconfig.jsii.json', 'lib', 'lambda'];

/**
 * jsii warnings silenced, each with its reason. JSII6 (`metadata/missing-dev-dependency`) asks to develop against the
 * lowest version of each peer range; this repository tests with the newest (aws-cdk-lib 2.276) and the consumer test
 * verifies the lowest (README "Versioning"), so the warning says nothing the tests do not.
 */
const SILENCED_JSII_WARNINGS = ['JSII6'];

/** Builds the package's `dist/` into `dist` (emptied first), which must be `<project>/dist`; returns the handler bundles. */
export async function buildPackage(dist: string): Promise<BundledHandler[]> {
  if (basename(dist) !== 'dist') throw new Error(`build: the output folder must be named dist (<project>/dist), got ${dist}`);
  const project = dirname(dist);
  rmSync(dist, { recursive: true, force: true });
  if (resolve(project) !== resolve(ROOT)) stageProject(project);
  const jsii = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), '--fail-on-warnings',
    ...SILENCED_JSII_WARNINGS.flatMap((w) => ['--silence-warnings', w])], {
    cwd: project, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1' },
  });
  if (jsii.status !== 0) throw new Error(`jsii failed (exit ${jsii.status ?? jsii.signal}): the errors above name each file and the fix`);
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(project, 'tsconfig.http.json'), '--outDir', dist], {
    cwd: project, stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.http.json failed (exit ${tsc.status ?? tsc.signal})`);
  sourcesInsidePackage(dist, project);
  copyConstructReadmes(join(dist, 'lib', 'constructs'));
  return buildHandlers(join(dist, 'handlers'));
}

/**
 * Copies {@link PROJECT_FILES} into a staging project folder and links the repository's `node_modules`, so jsii
 * resolves the same dependencies.
 */
function stageProject(project: string): void {
  for (const file of PROJECT_FILES) {
    const from = join(ROOT, file);
    if (!existsSync(from)) continue;
    rmSync(join(project, file), { recursive: true, force: true });
    cpSync(from, join(project, file), { recursive: true });
  }
  if (!existsSync(join(project, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
}

/**
 * Makes every source map name its sources as the package lays them out (`dist/lib/x.js.map` -> `../../lib/x.ts`),
 * wherever `dist` was built: tsc writes `sources` relative to the output folder, so a build into another folder (the
 * package test's staging copy) would name paths outside the installed package, and a consumer's stack traces (and the
 * evidence command's source lines) would point there. The staging copy holds the sources where the repository does
 * (`<project>/lib/x.ts` for `lib/x.ts`), so each source is placed back in the repository first. A build into the
 * repository's own `dist/` is left unchanged.
 */
function sourcesInsidePackage(dist: string, project: string): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js.map')) {
        const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[] };
        const asPublished = join(ROOT, 'dist', relative(dist, dirname(path)));
        // a source as the project (the repository or a staging copy of it) holds it, placed in the repository
        const inRepository = (source: string) => join(ROOT, relative(project, resolve(dirname(path), source)));
        map.sources = map.sources.map((source) => relative(asPublished, inRepository(source)).split(sep).join('/'));
        writeFileSync(path, JSON.stringify(map));
      }
    }
  };
  walk(dist);
}

/** Copies lib/constructs/<name>/README.md beside each compiled construct; a construct without a README fails the build. */
function copyConstructReadmes(compiled: string): void {
  const sources = join(ROOT, 'lib', 'constructs');
  for (const entry of readdirSync(sources, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const readme = join(sources, entry.name, 'README.md');
    if (!existsSync(readme)) throw new Error(`lib/constructs/${entry.name} has no README.md: every construct the package ships documents itself.`);
    if (!existsSync(join(compiled, entry.name))) throw new Error(`lib/constructs/${entry.name} was not compiled into ${compiled}: is it exported from lib/index.ts?`);
    copyFileSync(readme, join(compiled, entry.name, 'README.md'));
  }
}

if (require.main === module) {
  const dist = resolve(process.argv[2] ?? join(ROOT, 'dist'));
  buildPackage(dist).then((bundles) => {
    for (const b of bundles) console.log(`${join(dist, 'handlers', b.name, 'index.js')}  ${(b.bytes / 1024).toFixed(1)} KB  sha256 ${b.sha256.slice(0, 16)}…`);
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
