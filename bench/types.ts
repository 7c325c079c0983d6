/** One line of the benchmark table. */
export interface BenchRow {
  /** Case measured, for example "verifier core (warm JWKS)". */
  readonly name: string;
  /** Operations per second (median over rounds). */
  readonly opsPerSec?: number;
  /** Microseconds per operation (median over rounds). */
  readonly usPerOp?: number;
  /** Ratio to the section's reference (median of per-round ratios), for example 0.86 (x the floor) or 12.3 (x faster). */
  readonly ratio?: number;
  /** What the ratio is relative to, for example "x floor" or "x faster than valid". */
  readonly ratioOf?: string;
  /** Free text: goal, caveat. */
  readonly note?: string;
}

/** A benchmark section: a name and a function returning its rows. Register it in bench/run.ts. */
export interface BenchSection {
  /** Section name (also the filter word: `npm run bench -- <name>`). */
  readonly name: string;
  readonly run: () => Promise<BenchRow[]>;
  /**
   * Runs only when named on the command line (slow sections, for example a full synth).
   * @default false
   */
  readonly optIn?: boolean;
}

/** The median of `values` (the mean of the middle two for an even count); every section reports medians over rounds. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The first and third quartiles (nearest rank): the range that holds the middle half of the values. */
export function middleHalf(values: readonly number[]): [number, number] {
  const s = [...values].sort((a, b) => a - b);
  return [s[Math.floor((s.length - 1) / 4)], s[Math.ceil((s.length - 1) * 3 / 4)]];
}
