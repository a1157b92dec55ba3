/** One sample of a Prometheus text scrape. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Samples = Sample[];

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export async function scrape(url: string): Promise<Samples> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`GET ${url}/metrics: ${res.status}`);
  const out: Samples = [];
  for (const line of (await res.text()).split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(LABEL)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const matches = (s: Sample, name: string, labels: Record<string, string>) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** The sum of every series of `name` carrying at least `labels` (extra labels, like `service`, are ignored). */
export function value(samples: Samples, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => matches(s, name, labels));
  return found.length ? found.reduce((a, s) => a + s.value, 0) : undefined;
}

/** What a histogram gained between two scrapes, for one label set: observation count and summed seconds. */
export function histogramDelta(before: Samples, after: Samples, name: string, labels: Record<string, string>): { count: number; sum: number } {
  const d = (suffix: string) => (value(after, `${name}_${suffix}`, labels) ?? 0) - (value(before, `${name}_${suffix}`, labels) ?? 0);
  return { count: d('count'), sum: d('sum') };
}

/** Upper bound (seconds) of the smallest bucket holding every observation made between two scrapes. */
export function histogramMaxBound(before: Samples, after: Samples, name: string, labels: Record<string, string>): number | undefined {
  const total = histogramDelta(before, after, name, labels).count;
  if (total === 0) return undefined;
  const bounds = [...new Set(after.filter((s) => matches(s, `${name}_bucket`, labels)).map((s) => s.labels.le!))];
  const numeric = (le: string) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));
  bounds.sort((a, b) => numeric(a) - numeric(b));
  for (const le of bounds) {
    const gained = (value(after, `${name}_bucket`, { ...labels, le }) ?? 0) - (value(before, `${name}_bucket`, { ...labels, le }) ?? 0);
    if (gained >= total) return numeric(le);
  }
  return undefined;
}
