/**
 * Jest global setup (jest.config.js `globalSetup`): provides the local services the tests start, once, before any
 * test runs. A missing `redis-server` is installed from Debian's package when the run is root with apt; otherwise the
 * run stops here with one line that names the fix, instead of failing test by test.
 */
import { ensureRedisServer } from './integration/services';

export default function globalSetup(): void {
  const redis = ensureRedisServer({ log: (line) => process.stderr.write(`${line}\n`) });
  if (!redis.available) {
    process.stderr.write(`\n${redis.fix}\n`);
    process.exit(1);
  }
  if (redis.installed) process.stderr.write(`redis-server installed at ${redis.path}\n`);
}
