/**
 * Local programs the tests and benchmarks start for themselves, each from a Debian package: `redis-server`, which the
 * rate-limiter tests and bench start on a free loopback port, and `chromium`, the browser the tests in test/browser
 * drive with playwright-core (`npx playwright install` downloads its own browser, which this project does not use).
 *
 * `npm test` provisions them before any test (test/global-setup.ts): when a binary is missing and the run is root on
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
const CHROMIUM_FIX = 'chromium is not installed. Fix: run `sudo apt-get install -y chromium` (Debian/Ubuntu; the browser tests use /usr/bin/chromium), then run the command again.';

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
  return ensureDebianPackage({ binary: 'redis-server', debianPackage: 'redis-server', fix: FIX }, options);
}

/** The path of Debian's `chromium`, if installed. */
export function findChromium(): string | undefined {
  return findExecutable('chromium');
}

/** Makes sure Debian's `chromium` can be launched, as {@link ensureRedisServer} does for `redis-server`. Never throws. */
export function ensureChromium(options: EnsureOptions = {}): ServiceStatus {
  return ensureDebianPackage({ binary: 'chromium', debianPackage: 'chromium', fix: CHROMIUM_FIX }, options);
}

/** Finds `binary` on PATH, or installs `debianPackage` with apt-get when allowed (root, apt present, not BASELINE_NO_INSTALL). */
function ensureDebianPackage(what: { readonly binary: string; readonly debianPackage: string; readonly fix: string }, options: EnsureOptions): ServiceStatus {
  const { binary, debianPackage, fix } = what;
  const found = findExecutable(binary);
  if (found !== undefined) return { available: true, path: found, installed: false };
  const install = options.install ?? process.env.BASELINE_NO_INSTALL === undefined;
  const apt = findExecutable('apt-get');
  if (!install || apt === undefined || process.getuid?.() !== 0) return { available: false, fix };

  options.log?.(`${binary} is missing: installing the Debian package (apt-get install ${debianPackage}) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', debianPackage]]) {
    const run = spawnSync(apt, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.status !== 0) {
      const why = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? `exit ${run.status}`;
      return { available: false, fix: `${binary} is not installed and apt-get ${args[0]} failed (${why}). ${fix.replace(`${binary} is not installed. `, '')}` };
    }
  }
  const installed = findExecutable(binary);
  return installed !== undefined ? { available: true, path: installed, installed: true } : { available: false, fix };
}
