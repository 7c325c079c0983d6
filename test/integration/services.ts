/**
 * Local services the tests and benchmarks start for themselves. Today one: `redis-server` (Debian package
 * `redis-server`), which the rate-limiter tests and bench start on a free loopback port.
 *
 * `npm test` provisions it before any test (test/global-setup.ts): when the binary is missing and the run is root on
 * a machine with apt, it installs Debian's package; otherwise it stops once with one line naming the fix.
 * `npm run bench` uses the same check and reports a missing service as a skipped row.
 */
import { spawnSync } from 'child_process';
import { accessSync, constants } from 'fs';
import { delimiter, join } from 'path';

/** Where a service stands after {@link ensureRedisServer}. */
export type ServiceStatus =
  | { readonly available: true; readonly path: string; readonly installed: boolean }
  | { readonly available: false; readonly fix: string };

/** Options of {@link ensureRedisServer}. */
export interface EnsureOptions {
  /**
   * Install Debian's package when the binary is missing and the process may (root, apt-get present).
   * @default true unless BASELINE_NO_INSTALL is set
   */
  readonly install?: boolean;
  /** Progress lines (the install takes a while). */
  readonly log?: (line: string) => void;
}

const FIX = 'redis-server is not installed. Fix: run `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), then run the command again.';

/** The absolute path of an executable on PATH, if any. */
export function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The path of `redis-server`, if installed. */
export function findRedisServer(): string | undefined {
  return findExecutable('redis-server');
}

/**
 * Makes sure `redis-server` can be started: finds it, or installs Debian's package (`apt-get update -qq &&
 * apt-get install -y -qq redis-server`) when it is missing and the process runs as root on a machine with apt.
 * Never throws: a status with the fix is returned instead.
 */
export function ensureRedisServer(options: EnsureOptions = {}): ServiceStatus {
  const found = findRedisServer();
  if (found !== undefined) return { available: true, path: found, installed: false };
  const install = options.install ?? process.env.BASELINE_NO_INSTALL === undefined;
  const apt = findExecutable('apt-get');
  if (!install || apt === undefined || process.getuid?.() !== 0) return { available: false, fix: FIX };

  options.log?.('redis-server is missing: installing the Debian package (apt-get install redis-server) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'redis-server']]) {
    const run = spawnSync(apt, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.status !== 0) {
      const why = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? `exit ${run.status}`;
      return { available: false, fix: `redis-server is not installed and apt-get ${args[0]} failed (${why}). ${FIX.replace('redis-server is not installed. ', '')}` };
    }
  }
  const installed = findRedisServer();
  return installed !== undefined ? { available: true, path: installed, installed: true } : { available: false, fix: FIX };
}
