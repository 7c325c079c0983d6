import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/**
 * Synth writes nothing but its cloud assembly. The reference app is synthesized by the CDK CLI with the whole
 * repository mounted read-only (a read-only bind mount in a private mount namespace, `unshare --mount`), except a
 * writable folder bound onto `cdk.out`. A read-only mount is the only check that holds for a root user too (as root,
 * removing the write bits with chmod stops nothing), and it catches a write anywhere in the tree, node_modules
 * included, without walking the tree.
 *
 * The handler bundles are mounted as copies dated 2000-01-01, older than every source file: a synth that still
 * rebuilt stale bundles (as the library once did, on demand) fails with EROFS instead of passing unnoticed.
 *
 * Where no mount namespace is allowed (an unprivileged runner without user namespaces), the second test runs instead:
 * it records every file of the tree outside node_modules, .git, cdk.out and .tmp (path, size, modification time) before
 * and after the same synth, and fails on any difference.
 */

const ROOT = resolve(__dirname, '..', '..');

/** `unshare --mount` (as root) or `unshare --map-root-user --mount` (user namespaces), whichever this machine allows. */
function unshareArgs(): string[] | undefined {
  for (const args of [['--mount'], ['--map-root-user', '--mount']]) {
    if (spawnSync('unshare', [...args, 'true'], { stdio: 'ignore' }).status === 0) return args;
  }
  return undefined;
}

function setAllTimes(dir: string, time: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) setAllTimes(path, time);
    utimesSync(path, time, time);
  }
}

/**
 * Path, size and modification time of every file under `dir`, except dependency, VCS and synth output folders and the
 * tests' own caches (`.tmp`: the shared staged build, the Maven repository, the Python environment), which other test
 * workers write meanwhile.
 */
function treeState(dir: string, rel = '', into = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (['node_modules', '.git', 'cdk.out', '.tmp'].includes(path)) continue;
    if (entry.isDirectory()) treeState(dir, path, into);
    else {
      const st = statSync(join(dir, path));
      into.set(path, `${st.size} ${st.mtimeMs}`);
    }
  }
  return into;
}

const sh = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

describe('synth writes nothing but cdk.out', () => {
  const unshare = unshareArgs();
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'synth-ro-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  (unshare === undefined ? test.skip : test)('the reference app synthesizes from a read-only tree, with bundles older than their sources', () => {
    // GIVEN the built bundles, copied and dated before every source file (stale, by the build step's rule)
    const handlers = join(ROOT, 'dist', 'handlers');
    expect(existsSync(join(handlers, 'authorizer', 'index.js'))).toBe(true);
    const staleHandlers = join(work, 'handlers');
    cpSync(handlers, staleHandlers, { recursive: true });
    setAllTimes(staleHandlers, new Date('2000-01-01T00:00:00Z'));
    expect(statSync(join(staleHandlers, 'authorizer', 'index.js')).mtimeMs).toBeLessThan(statSync(join(ROOT, 'lambda', 'authorizer', 'handler.ts')).mtimeMs);
    // AND the repository mounted read-only, with a writable folder on cdk.out only
    const out = join(work, 'cdk.out');
    mkdirSync(out);
    mkdirSync(join(ROOT, 'cdk.out'), { recursive: true });
    const script = [
      'set -e',
      `mount --bind ${sh(ROOT)} ${sh(ROOT)}`,
      `mount -o remount,bind,ro ${sh(ROOT)}`,
      `mount --bind -o ro ${sh(staleHandlers)} ${sh(handlers)}`,
      `mount --bind ${sh(out)} ${sh(join(ROOT, 'cdk.out'))}`,
      `cd ${sh(ROOT)}`,
      // The mount is really read-only (this touch must fail).
      'if touch lambda/.probe 2>/dev/null; then echo "the tree is writable" >&2; exit 90; fi',
      // WHEN the app synthesizes through the CDK CLI (the app itself, without the build step of cdk.json)
      'npx cdk synth --app "npx tsx app/main.ts" -c stages=dev -q',
    ].join('\n');
    const run = spawnSync('unshare', [...(unshare ?? []), 'sh', '-c', script], { encoding: 'utf8', timeout: 600_000 });
    // THEN it succeeds and its output is the cloud assembly in cdk.out
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
    expect(Object.keys(manifest.artifacts)).toEqual(expect.arrayContaining(['secbase-dev-api', 'secbase-dev-identity']));
    // AND the handlers' assets in it are the (stale-dated) bundles as they were, not rebuilt ones
    const authorizer = readFileSync(join(handlers, 'authorizer', 'index.js'));
    const assets = readdirSync(out).filter((d) => d.startsWith('asset.') && existsSync(join(out, d, 'index.js')));
    expect(assets.some((d) => readFileSync(join(out, d, 'index.js')).equals(authorizer))).toBe(true);
  });

  (unshare === undefined ? test : test.skip)('the reference app synthesizes without changing any file outside cdk.out (no mount namespace here)', () => {
    // GIVEN the state of every file of the tree outside node_modules, .git, cdk.out and .tmp
    const before = treeState(ROOT);
    expect(before.size).toBeGreaterThan(100);
    // WHEN the app synthesizes through the CDK CLI (the app itself, without the build step of cdk.json)
    const run = spawnSync('npx', ['cdk', 'synth', '--app', 'npx tsx app/main.ts', '-c', 'stages=dev', '-q'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
    // THEN no file was added, removed or changed
    const after = treeState(ROOT);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
    expect(changed).toEqual([]);
  });
});
