import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { ensureChromium, ensureRedisServer, findChromium, findExecutable, findRedisServer } from './services';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

describe('test services', () => {
  test('finds redis-server on PATH and reports it available without installing anything', () => {
    // GIVEN this machine (npm test's global setup has provided redis-server)
    // WHEN
    const status = ensureRedisServer({ install: false });
    // THEN
    expect(status).toEqual({ available: true, path: findRedisServer(), installed: false });
  });

  test('finds chromium on PATH and reports it available without installing anything', () => {
    expect(ensureChromium({ install: false })).toEqual({ available: true, path: findChromium(), installed: false });
  });

  test('finds executables on PATH only', () => {
    expect(findExecutable('node')).toBeDefined();
    expect(findExecutable('no-such-binary-7f3a')).toBeUndefined();
  });

  test('fails if redis-server or chromium is missing and installing is off: the global setup stops the run with one line per program naming the fix', () => {
    // GIVEN a PATH that holds node only, and installing turned off
    const bin = mkdtempSync(join(tmpdir(), 'no-redis-'));
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
      // WHEN jest's global setup runs
      const run = spawnSync(process.execPath, [TSX, '-e', "require('./test/global-setup.ts').default()"], {
        cwd: ROOT, encoding: 'utf8', env: { PATH: bin, HOME: tmpdir(), BASELINE_NO_INSTALL: '1' },
      });
      // THEN it exits non-zero with one line per missing program: what is missing and the command that fixes it
      expect(run.status).toBe(1);
      const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines).toEqual([
        expect.stringMatching(/^redis-server is not installed\. Fix: run `sudo apt-get install -y redis-server`/),
        expect.stringMatching(/^chromium is not installed\. Fix: run `sudo apt-get install -y chromium`/),
      ]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test('the global setup passes when redis-server and chromium are on PATH', () => {
    const run = spawnSync(process.execPath, [TSX, '-e', "require('./test/global-setup.ts').default()"], {
      cwd: ROOT, encoding: 'utf8', env: { PATH: [dirname(findRedisServer()!), dirname(findChromium()!), dirname(process.execPath)].join(':'), HOME: tmpdir(), BASELINE_NO_INSTALL: '1' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
