/** Nearest-rank percentile of unsorted values (p in 0..100); NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const max = (values: readonly number[]): number => values.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);

export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function latency(values: readonly number[]): Latency {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? max(values) : Number.NaN };
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
