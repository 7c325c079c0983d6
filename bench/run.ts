/**
 * Entry of `npm run bench`: runs every registered section (or those named on the
 * command line) in one process pinned to one core when `taskset` exists, and
 * prints one table. Add a section by exporting a {@link BenchSection} and listing it
 * in SECTIONS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import { aspectScaleSection } from './aspect-scale';
import { authorizerSection } from './authorizer';
import { coldStartSection } from './cold-start';
import { dbPathSection } from './db-path';
import { rateLimiterSection } from './rate-limiter';
import { redisScriptSection } from './redis-script';
import { synthSection } from './synth';
import { synthChecksSection } from './synth-checks';
import { BenchRow, BenchSection } from './types';

/**
 * Every section, in table order. `npm run bench -- <word>` runs the sections whose name contains the word;
 * `npm run bench` runs every section that is not `optIn`.
 */
const SECTIONS: BenchSection[] = [
  authorizerSection,
  rateLimiterSection,
  redisScriptSection,
  coldStartSection,
  dbPathSection,
  synthChecksSection,
  synthSection, // opt-in: runs only when named (`npm run bench -- synth`)
  aspectScaleSection, // opt-in (minutes): `npm run bench -- aspect-scale`
];

function pinToOneCore(): void {
  if (process.env.BENCH_PINNED !== undefined || process.env.BENCH_NO_PIN !== undefined || process.platform !== 'linux') return;
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  if (taskset === undefined) return;
  const result = spawnSync(taskset, ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: 'taskset -c 0' },
  });
  process.exit(result.status ?? 1);
}

function format(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

function printTable(rows: { section: string; row: BenchRow }[]): void {
  const header = ['Section', 'Case', 'ops/s', 'µs/op', 'ratio', 'note'];
  const lines = rows.map(({ section, row }) => [
    section, row.name, format(row.opsPerSec, 0), format(row.usPerOp, 2),
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)} ${row.ratioOf ?? ''}`.trim(), row.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w, i) => (i >= 2 && i <= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  pinToOneCore();
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected = SECTIONS.filter((s) => filters.length === 0 ? s.optIn !== true : filters.some((f) => s.name.toLowerCase().includes(f.toLowerCase())));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.error(`node ${process.version}, ${os.cpus().length} CPUs (${cpu}), pinned: ${process.env.BENCH_PINNED ?? 'no'}`);
  const rows: { section: string; row: BenchRow }[] = [];
  for (const section of selected) {
    console.error(`running ${section.name} ...`);
    for (const row of await section.run()) rows.push({ section: section.name, row });
  }
  printTable(rows);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
