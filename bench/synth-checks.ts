/**
 * What the checks cost a synth: `cdk synth` of every stage with all rule packs and the Control Tower checks, as
 * `bin/app.ts` wires them, against the same app with no validation plugin (`bench/synth-app-no-checks.ts`), in
 * interleaved rounds. Each round runs, in a rotating order: the app without plugins into a fresh folder; the app with
 * every check into a fresh folder (a fresh clone: nothing cached); and the app with every check again into that
 * second folder (a re-synth with no template change). The ratios are medians of the per-round ratios to the
 * no-plugin synth of the same round. The children get every core back (the bench process is pinned to one).
 *
 * `BENCH_SYNTH_ROUNDS` sets the rounds (default 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { timed, Timed } from './synth';
import { BenchRow, BenchSection, median } from './types';

const SYNTH = ['cdk', 'synth', '--quiet', '--no-notices', '--no-version-reporting'];

async function synth(out: string, app?: string): Promise<Timed> {
  const t = await timed('npx', [...SYNTH, '--output', out, ...(app === undefined ? [] : ['--app', app])]);
  if (t.code !== 0) throw new Error(`cdk synth failed:\n${t.tail}`);
  return t;
}

async function run(): Promise<BenchRow[]> {
  const rounds = Number(process.env.BENCH_SYNTH_ROUNDS ?? 3);
  const bare: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const loads: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const plain = mkdtempSync(join(os.tmpdir(), 'bench-synth-bare-'));
    const checked = mkdtempSync(join(os.tmpdir(), 'bench-synth-checks-'));
    try {
      // Rotate which contender goes first; the re-synth always follows the first synth into its folder.
      const steps: Array<() => Promise<void>> = [
        async () => { bare.push((await synth(plain, 'npx tsx bench/synth-app-no-checks.ts')).ms); },
        async () => { cold.push((await synth(checked)).ms); warm.push((await synth(checked)).ms); },
      ];
      for (const step of r % 2 === 0 ? steps : [...steps].reverse()) await step();
      loads.push(os.loadavg()[0]);
    } finally {
      rmSync(plain, { recursive: true, force: true });
      rmSync(checked, { recursive: true, force: true });
    }
  }
  const ratio = (xs: number[]): number => median(xs.map((x, i) => x / bare[i]));
  const load = `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (1 min)`;
  const verdict = (x: number, goal: number): string => `goal <= ${goal}x (${x <= goal ? 'met' : 'MISSED'})`;
  return [
    { name: 'cdk synth, all stages, no validation plugin', usPerOp: median(bare) * 1000, ratio: 1, ratioOf: 'x no plugin', note: `${rounds} rounds; ${load}` },
    { name: 'cdk synth, all stages, every check, fresh clone', usPerOp: median(cold) * 1000, ratio: ratio(cold), ratioOf: 'x no plugin', note: verdict(ratio(cold), 1.5) },
    { name: 'cdk synth again, no template change', usPerOp: median(warm) * 1000, ratio: ratio(warm), ratioOf: 'x no plugin', note: verdict(ratio(warm), 1.2) },
  ];
}

export const synthChecksSection: BenchSection = { name: 'synth-checks', run };
