/** Nearest-rank percentile of ascending values (p in 0..100); NaN when there are none. */
function rank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const r = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, r)) - 1]!;
}

/** Nearest-rank percentile of unsorted values (p in 0..100); NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  return rank([...values].sort((a, b) => a - b), p);
}

export const max = (values: readonly number[]): number => values.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);

/** An empirical CDF thinned to a few hundred points: [ms, fraction of the values ≤ ms], ascending. */
export type Cdf = [ms: number, fraction: number][];

/** At most `maxPoints` points of the CDF of ascending values, at evenly spaced ranks (always the first and the last). */
export function cdfOf(sorted: ArrayLike<number>, maxPoints = 400): Cdf {
  const n = sorted.length;
  const m = Math.min(n, Math.max(2, maxPoints));
  const out: Cdf = [];
  for (let k = 0; k < m; k++) {
    const i = m === 1 ? 0 : Math.round((k * (n - 1)) / (m - 1));
    out.push([sorted[i]!, (i + 1) / n]);
  }
  return out;
}

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** The distribution, thinned (for docs/bench-latency.svg). */
  cdf: Cdf;
}

export function latency(values: readonly number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return { count: n, p50: rank(sorted, 50), p99: rank(sorted, 99), max: n ? sorted[n - 1]! : Number.NaN, cdf: cdfOf(sorted) };
}

export const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? 'n/a' : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
export const perSecond = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v).toLocaleString('en-US')}/s`);
export const kib = (bytes: number | undefined): string => (bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1024).toFixed(2)} KiB`);
export const mib = (bytes: number | undefined): string => (bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

/** A markdown table: header row, separator, rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
