/**
 * `npm run build` (also run by `npm pack` / `npm publish` through `prepack`): empties `dist/`, compiles the
 * library's public entries with `tsc -p tsconfig.build.json` (JavaScript, `.d.ts`, source maps with their
 * sources inlined) and bundles every Lambda handler into `dist/handlers` (scripts/build-handlers.ts).
 *
 * `npx tsx scripts/build.ts <dir>` builds into another folder instead of `dist/` (the package test stages a copy there).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildHandlers } from './build-handlers';
import { BundledHandler, ROOT } from './handlers';

/** Builds the package's `dist/` into `dist` (emptied first); returns the handler bundles. */
export async function buildPackage(dist: string): Promise<BundledHandler[]> {
  rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dist], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);
  return buildHandlers(join(dist, 'handlers'));
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
