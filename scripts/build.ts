/**
 * `npm run build` (also run by `npm pack` / `npm publish` through `prepack`): empties `dist/`, compiles the
 * library's public entries with `tsc -p tsconfig.build.json` (JavaScript, `.d.ts`, source maps with their
 * sources inlined), copies each construct's README beside its compiled code (`dist/lib/constructs/<name>/README.md`,
 * so the package documents what it ships) and bundles every Lambda handler into `dist/handlers` (scripts/build-handlers.ts).
 *
 * `npx tsx scripts/build.ts <dir>` builds into another folder instead of `dist/` (the package test stages a copy there).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildHandlers } from './build-handlers';
import { BundledHandler, ROOT } from './handlers';

/** Builds the package's `dist/` into `dist` (emptied first); returns the handler bundles. */
export async function buildPackage(dist: string): Promise<BundledHandler[]> {
  rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dist], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);
  sourcesInsidePackage(dist);
  copyConstructReadmes(join(dist, 'lib', 'constructs'));
  return buildHandlers(join(dist, 'handlers'));
}

/**
 * Makes every source map name its sources as the package lays them out (`dist/lib/x.js.map` -> `../../lib/x.ts`),
 * wherever `dist` was built: tsc writes `sources` relative to the output folder, so a build into another folder (the
 * package test's staging copy) would name paths outside the installed package, and a consumer's stack traces (and the
 * evidence command's source lines) would point there. A build into the repository's own `dist/` is left unchanged.
 */
function sourcesInsidePackage(dist: string): void {
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js.map')) {
        const map = JSON.parse(readFileSync(path, 'utf8')) as { sources: string[] };
        const asPublished = join(ROOT, 'dist', relative(dist, dirname(path)));
        map.sources = map.sources.map((source) => relative(asPublished, resolve(dirname(path), source)).split(sep).join('/'));
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
