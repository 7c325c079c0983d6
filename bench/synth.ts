/**
 * Synth and tests: wall time of a full `npx cdk synth` (every stage, all rule
 * packs and the Control Tower cfn-guard checks, as `app/main.ts` wires them) and
 * of `npm test` (the whole jest suite), with the suite's CPU time by test file
 * (bench/test-cpu-setup.js). Each takes minutes and loads every core,
 * so the section is opt-in: it runs only when named, `npm run bench -- synth`,
 * and measures each command once. The commands run on every core (the bench
 * process is pinned to one; the children are given the whole machine back).
 *
 * `BENCH_SYNTH_ONLY=synth|test` measures one of the two; `BENCH_TEST_TOP` test files are listed (default 10).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { BenchRow, BenchSection } from './types';

const ROOT = resolve(__dirname, '..');

export interface Timed { readonly ms: number; readonly code: number | null; readonly tail: string; readonly loadBefore: number[]; readonly loadAfter: number[] }

/** Runs a command in the project root on every core; resolves with its wall time and the load averages around it. */
export function timed(command: string, args: string[], env: Record<string, string> = {}): Promise<Timed> {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  const allCores = `0-${os.cpus().length - 1}`;
  const [cmd, argv] = taskset !== undefined && process.platform === 'linux' ? [taskset, ['-c', allCores, command, ...args]] : [command, args];
  const loadBefore = os.loadavg();
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, CI: 'true', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const dir = mkdtempSync(join(os.tmpdir(), 'bench-test-cpu-'));
    try {
      const cpuFile = join(dir, 'files.tsv');
      const t = await timed('npm', ['test', '--silent', '--', '--setupFilesAfterEnv', join(ROOT, 'bench', 'test-cpu-setup.js')], { BENCH_TEST_CPU_FILE: cpuFile });
      if (t.code !== 0) console.error(t.tail);
      // Jest's summary lines, so a failing suite (someone's work in progress) is visible next to the time.
      const summary = ['Test Suites:', 'Tests:'].map((k) => t.tail.split('\n').find((l) => l.startsWith(k))?.trim()).filter((l) => l !== undefined).join('; ');
      rows.push(row('npm test (whole jest suite, maxWorkers 2)', t, `once; ${summary || 'no jest summary'}`));
      if (existsSync(cpuFile)) rows.push(...cpuRows(readFileSync(cpuFile, 'utf8'), Number(process.env.BENCH_TEST_TOP ?? '10')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** The suite's CPU time (test files, own and children's) and the test files that take most of it, from bench/test-cpu-setup.js lines. */
export function cpuRows(tsv: string, top: number): BenchRow[] {
  const files = tsv.split('\n').filter((l) => l !== '').map((l) => {
    const [file, wall, own, children] = l.split('\t');
    return { file: relative(ROOT, file), wall: Number(wall), own: Number(own), children: Number(children), cpu: Number(own) + Number(children) };
  }).sort((a, b) => b.cpu - a.cpu);
  const sum = (f: (x: typeof files[number]) => number): number => files.reduce((s, x) => s + f(x), 0);
  const s = (x: number): string => `${x.toFixed(1)} s`;
  return [
    {
      name: 'npm test: CPU time in test files',
      usPerOp: sum((x) => x.cpu) * 1e6,
      note: `${s(sum((x) => x.cpu))} over ${files.length} files (the jest workers ${s(sum((x) => x.own))}, their child processes ${s(sum((x) => x.children))}); ` +
        `the sum of the files' wall times ${s(sum((x) => x.wall))}`,
    },
    ...files.slice(0, top).map((x) => ({
      name: `  ${x.file}`, usPerOp: x.cpu * 1e6,
      note: `${s(x.cpu)} CPU (worker ${s(x.own)}, children ${s(x.children)}), ${s(x.wall)} wall, ${(100 * x.cpu / sum((y) => y.cpu)).toFixed(1)} % of the suite's CPU`,
    })),
  ];
}

export const synthSection: BenchSection = { name: 'synth', run, optIn: true };
