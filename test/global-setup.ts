/**
 * Jest global setup (jest.config.js `globalSetup`): provides the local programs the tests start, once, before any
 * test runs: `redis-server` and `chromium` (test/browser). A missing one is installed from Debian's package when the
 * run is root with apt; otherwise the run stops here with one line per missing program that names the fix, instead
 * of failing test by test.
 *
 * It also builds the handler bundles that are missing or older than their sources (the build step the reference
 * app's cdk.json command runs too): synth only reads them, so the tests synthesize without writing anything else.
 */
import { buildStaleHandlers } from '../scripts/build-handlers';
import { ensureChromium, ensureRedisServer } from './integration/services';

export default async function globalSetup(): Promise<void> {
  for (const b of await buildStaleHandlers()) process.stderr.write(`bundled ${b.name} (missing or older than its sources)\n`);
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const statuses = [ensureRedisServer({ log }), ensureChromium({ log })];
  const fixes = statuses.flatMap((s) => (s.available ? [] : [s.fix]));
  if (fixes.length > 0) {
    process.stderr.write(`\n${fixes.join('\n')}\n`);
    process.exit(1);
  }
  for (const s of statuses) if (s.available && s.installed) process.stderr.write(`installed ${s.path}\n`);
}
