/**
 * Synth and tests: wall time of a full `npx cdk synth` (every stage, all rule
 * packs and the Control Tower cfn-guard checks, as `app/main.ts` wires them) and
 * of `npm test` (the whole jest suite). Each takes minutes and loads every core,
 * so the section is opt-in: it runs only when named, `npm run bench -- synth`,
 * and measures each command once. The commands run on every core (the bench
 * process is pinned to one; the children are given the whole machine back).
 *
 * `BENCH_SYNTH_ONLY=synth|test` measures one of the two.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { BenchRow, BenchSection } from './types';

const ROOT = resolve(__dirname, '..');

export interface Timed { readonly ms: number; readonly code: number | null; readonly tail: string; readonly loadBefore: number[]; readonly loadAfter: number[] }

/** Runs a command in the project root on every core; resolves with its wall time and the load averages around it. */
export function timed(command: string, args: string[]): Promise<Timed> {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  const allCores = `0-${os.cpus().length - 1}`;
  const [cmd, argv] = taskset !== undefined && process.platform === 'linux' ? [taskset, ['-c', allCores, command, ...args]] : [command, args];
  const loadBefore = os.loadavg();
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, CI: 'true', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (c: Buffer): void => { tail = (tail + c.toString()).slice(-4000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, tail, loadBefore, loadAfter: os.loadavg() }));
  });
}

function row(name: string, t: Timed, detail: string): BenchRow {
  const load = `load average ${t.loadBefore[0].toFixed(1)} before, ${t.loadAfter[0].toFixed(1)} after (1 min)`;
  return {
    name,
    usPerOp: t.ms * 1000,
    note: `${(t.ms / 1000).toFixed(1)} s, exit ${t.code}${t.code === 0 ? '' : ' (FAILED: see stderr)'}; ${detail}; ${load}`,
  };
}

async function run(): Promise<BenchRow[]> {
  const only = process.env.BENCH_SYNTH_ONLY;
  const rows: BenchRow[] = [];
  if (only === undefined || only === 'synth') {
    // A private output folder: cdk.out belongs to whoever else is synthesizing.
    const out = mkdtempSync(join(os.tmpdir(), 'bench-cdk-out-'));
    try {
      const t = await timed('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', out]);
      if (t.code !== 0) console.error(t.tail);
      rows.push(row('npx cdk synth (all stages, rule packs, Control Tower)', t, 'once, no warm cache beyond the OS page cache'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  if (only === undefined || only === 'test') {
    const t = await timed('npm', ['test', '--silent']);
    if (t.code !== 0) console.error(t.tail);
    // Jest's summary lines, so a failing suite (someone's work in progress) is visible next to the time.
    const summary = ['Test Suites:', 'Tests:'].map((k) => t.tail.split('\n').find((l) => l.startsWith(k))?.trim()).filter((l) => l !== undefined).join('; ');
    rows.push(row('npm test (whole jest suite, maxWorkers 2)', t, `once; ${summary || 'no jest summary'}`));
  }
  return rows;
}

export const synthSection: BenchSection = { name: 'synth', run, optIn: true };
