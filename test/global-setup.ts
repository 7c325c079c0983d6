/**
 * Jest global setup (jest.config.js `globalSetup`): provides the local programs the tests start, once, before any
 * test runs: `redis-server` and `chromium` (test/browser). A missing one is installed from Debian's package when the
 * run is root with apt; otherwise the run stops here with one line per missing program that names the fix, instead
 * of failing test by test.
 */
import { ensureChromium, ensureRedisServer } from './integration/services';

export default function globalSetup(): void {
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const statuses = [ensureRedisServer({ log }), ensureChromium({ log })];
  const fixes = statuses.flatMap((s) => (s.available ? [] : [s.fix]));
  if (fixes.length > 0) {
    process.stderr.write(`\n${fixes.join('\n')}\n`);
    process.exit(1);
  }
  for (const s of statuses) if (s.available && s.installed) process.stderr.write(`installed ${s.path}\n`);
}
