/**
 * What the checks cost a synth: `cdk synth` of every stage with all rule packs and the Control Tower checks, as
 * `app/main.ts` wires them, against the same app with no validation plugin (`bench/synth-app-no-checks.ts`), in
 * interleaved rounds. Each round runs, in a rotating order: the app without plugins into a fresh folder; the app with
 * every check into a fresh folder (a fresh clone: nothing cached); and the app with every check again into that
 * second folder (a re-synth with no template change). The ratios are medians of the per-round ratios to the
 * no-plugin synth of the same round. The children get every core back (the bench process is pinned to one).
 *
 * `BENCH_SYNTH_ROUNDS` sets the rounds (default 3).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { timed, Timed } from './synth';
import { BenchRow, BenchSection, median } from './types';

const SYNTH = ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting'];

/**
 * CPU seconds (user + system) of this process's waited-for children so far, from /proc/self/stat (`cutime`, `cstime`):
 * a child's figure includes the children it waited for, so a synth counts with its app, cfn-guard and esbuild processes.
 * Undefined off Linux. The load of other users moves wall time far more than CPU time.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5) (cutime, cstime), counted from the state field (3): indexes 13 and 14 here; clock ticks of 1/100 s.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

interface Measured { readonly ms: number; readonly cpu: number | undefined }

async function synth(out: string, app?: string): Promise<Measured> {
  const cpu0 = childrenCpuSeconds();
  const t: Timed = await timed('npx', [...SYNTH, '--output', out, ...(app === undefined ? [] : ['--app', app])]);
  if (t.code !== 0) throw new Error(`cdk synth failed:\n${t.tail}`);
  const cpu1 = childrenCpuSeconds();
  return { ms: t.ms, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

async function run(): Promise<BenchRow[]> {
  const rounds = Number(process.env.BENCH_SYNTH_ROUNDS ?? 3);
  const bare: Measured[] = [];
  const cold: Measured[] = [];
  const warm: Measured[] = [];
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const plain = mkdtempSync(join(os.tmpdir(), 'bench-synth-bare-'));
    const checked = mkdtempSync(join(os.tmpdir(), 'bench-synth-checks-'));
    try {
      // Rotate which contender goes first; the re-synth always follows the first synth into its folder.
      const steps: Array<() => Promise<void>> = [
        async () => { bare.push(await synth(plain, 'npx tsx bench/synth-app-no-checks.ts')); },
        async () => { cold.push(await synth(checked)); warm.push(await synth(checked)); },
      ];
      for (const step of r % 2 === 0 ? steps : [...steps].reverse()) await step();
      loads.push(os.loadavg()[0]);
    } finally {
      rmSync(plain, { recursive: true, force: true });
      rmSync(checked, { recursive: true, force: true });
    }
  }
  const ratio = (xs: Measured[]): number => median(xs.map((x, i) => x.ms / bare[i].ms));
  const cpuRatio = (xs: Measured[]): string => {
    const r = xs.map((x, i) => (x.cpu === undefined || bare[i].cpu === undefined ? NaN : x.cpu / bare[i].cpu!));
    return r.some(Number.isNaN) ? 'CPU time not measured' : `CPU time ${median(r).toFixed(2)}x (${median(xs.map((x) => x.cpu!)).toFixed(1)} s)`;
  };
  const load = `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (1 min)`;
  const verdict = (xs: Measured[], goal: number): string => `goal <= ${goal}x wall (${ratio(xs) <= goal ? 'met' : 'MISSED'}); ${cpuRatio(xs)}`;
  const ms = (xs: Measured[]): number => median(xs.map((x) => x.ms)) * 1000;
  return [
    { name: 'cdk synth, all stages, no validation plugin', usPerOp: ms(bare), ratio: 1, ratioOf: 'x no plugin', note: `${rounds} rounds; ${load}; ${cpuRatio(bare)}` },
    { name: 'cdk synth, all stages, every check, fresh clone', usPerOp: ms(cold), ratio: ratio(cold), ratioOf: 'x no plugin', note: verdict(cold, 1.5) },
    { name: 'cdk synth again, no template change', usPerOp: ms(warm), ratio: ratio(warm), ratioOf: 'x no plugin', note: verdict(warm, 1.2) },
  ];
}

export const synthChecksSection: BenchSection = { name: 'synth-checks', run };
