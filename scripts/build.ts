/**
 * `npm run build` (also run by `npm pack` / `npm publish` through `prepack`): empties `dist/`, compiles the
 * library's public entries with `tsc -p tsconfig.build.json` (JavaScript, `.d.ts`, source maps with their
 * sources inlined) and bundles every Lambda handler into `dist/handlers` (scripts/build-handlers.ts).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildHandlers } from './build-handlers';
import { ROOT } from './handlers';

async function main(): Promise<void> {
  const dist = join(ROOT, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);
  const bundles = await buildHandlers(join(dist, 'handlers'));
  for (const b of bundles) console.log(`dist/handlers/${b.name}/index.js  ${(b.bytes / 1024).toFixed(1)} KB  sha256 ${b.sha256.slice(0, 16)}…`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
