import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * What the repository tracks stays inside it: a clean clone must not point at another folder of the machine that made
 * a commit. (A merge once committed `node_modules` as a link to another worktree's; `npm ci` on a clean clone then
 * emptied that folder through the link.)
 */

const ROOT = join(__dirname, '..', '..');

/** Every tracked path with its git mode (`120000` is a symbolic link). */
function trackedModes(): { mode: string; path: string }[] {
  return execFileSync('git', ['ls-files', '-s', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\0')
    .filter((line) => line !== '')
    .map((line) => ({ mode: line.slice(0, 6), path: line.slice(line.indexOf('\t') + 1) }));
}

describe('tracked files', () => {
  test('fails if the repository tracks a symbolic link, or anything under node_modules, dist or cdk.out', () => {
    const tracked = trackedModes();
    expect(tracked.length).toBeGreaterThan(100);
    expect(tracked.filter((f) => f.mode === '120000').map((f) => f.path)).toEqual([]);
    expect(tracked.filter((f) => /^(node_modules|dist|cdk\.out)(\/|$)/.test(f.path)).map((f) => f.path)).toEqual([]);
  });
});
