/**
 * docs/bench-latency.svg: cumulative distributions of the run's latencies, one panel per kind of
 * traffic (the single-post burst per client, Herald and the baselines; steady 1:1 per event, per
 * rate phase). Hand-written SVG: `latencySvg` is pure (no I/O), fanout.ts writes the file.
 */
import type { Results } from './report.js';
import { ms, type Cdf, type Latency } from './stats.js';

export interface LatencyCurve {
  label: string;
  /** Thinned CDF points [ms, fraction of `count`], ascending. */
  cdf: Cdf;
  count: number;
  /** What was expected; fewer arrivals leave the curve short of 100 %. Default: `count`. */
  total?: number;
  p50: number;
  p99: number;
  /** Default: by position in the panel. */
  colour?: string;
}

export interface LatencyPanel {
  title: string;
  /** What the Y axis counts, e.g. "clients". */
  unit: string;
  curves: LatencyCurve[];
}

export interface LatencySvgInput {
  title: string;
  panels: LatencyPanel[];
}

// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
const COLOURS = ['#0072B2', '#56B4E9', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#000000'];
const PANEL_W = 560;
const PLOT = { left: 62, right: 40, top: 58, height: 260 };
const LEGEND_ROW = 17;
const FLOOR_MS = 0.1;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n1 = (v: number) => (Math.round(v * 10) / 10).toString();
const count = (v: number) => v.toLocaleString('en-US');
const tickLabel = (v: number) => (v >= 1 ? count(v) : String(v));

/** The SVG document (UTF-8 text) for `input`. */
export function latencySvg(input: LatencySvgInput): string {
  const panels = input.panels.length ? input.panels : [{ title: 'no data', unit: 'values', curves: [] }];
  const rows = Math.max(1, ...panels.map((p) => p.curves.length));
  const width = PANEL_W * panels.length;
  const height = PLOT.top + PLOT.height + 48 + rows * LEGEND_ROW + 12;
  const body = panels.map((p, i) => panel(p, i * PANEL_W)).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">${esc(input.title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function panel(p: LatencyPanel, x0: number): string {
  const w = PANEL_W - PLOT.left - PLOT.right;
  const h = PLOT.height;
  const left = x0 + PLOT.left;
  const top = PLOT.top;
  const bottom = top + h;
  const [lo, hi] = range(p.curves);
  const llo = Math.log10(lo);
  const span = Math.log10(hi) - llo;
  const X = (v: number) => left + ((Math.log10(Math.max(v, lo)) - llo) / span) * w;
  const Y = (f: number) => bottom - f * h;
  const out: string[] = [`<g>`, `<text x="${left + w / 2}" y="${top - 14}" text-anchor="middle" font-size="13" font-weight="600">${esc(p.title)}</text>`];

  // Grid and ticks: every 1..9 × 10^k; labels on 1, 2, 5 (only on decades when the range is wide).
  const decades = Math.round(span);
  for (let e = Math.round(llo); e < Math.round(llo) + decades; e++) {
    for (let m = 1; m <= 9; m++) {
      const v = m * 10 ** e;
      const x = n1(X(v));
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${m === 1 ? '#d0d0d0' : '#eeeeee'}"/>`);
      if (m === 1 || (decades <= 3 && (m === 2 || m === 5))) out.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle" fill="#555">${tickLabel(Number(v.toPrecision(1)))}</text>`);
    }
  }
  out.push(`<text x="${n1(X(hi))}" y="${bottom + 16}" text-anchor="middle" fill="#555">${tickLabel(Number(hi.toPrecision(1)))}</text>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${left}" y1="${n1(Y(f))}" x2="${left + w}" y2="${n1(Y(f))}" stroke="#d0d0d0"/>`);
    out.push(`<text x="${left - 6}" y="${n1(Y(f) + 4)}" text-anchor="end" fill="#555">${f * 100}</text>`);
  }
  out.push(`<line x1="${left}" y1="${n1(Y(0.99))}" x2="${left + w}" y2="${n1(Y(0.99))}" stroke="#999" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${left + w - 3}" y="${n1(Y(0.99) + 12)}" text-anchor="end" font-size="10" fill="#777">99 %</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${left + w / 2}" y="${bottom + 34}" text-anchor="middle">latency (ms, log scale)</text>`);
  out.push(`<text transform="translate(${x0 + 18} ${top + h / 2}) rotate(-90)" text-anchor="middle">% of ${esc(p.unit)} (cumulative)</text>`);

  // Curves, then their p50 (filled) and p99 (ring) markers, then the legend under the plot.
  p.curves.forEach((c, i) => {
    const colour = c.colour ?? COLOURS[i % COLOURS.length]!;
    const scale = c.count / Math.max(c.total ?? c.count, c.count, 1);
    if (c.cdf.length > 0) {
      const pts = [[c.cdf[0]![0], 0] as const, ...c.cdf].map(([v, f]) => `${n1(X(v))},${n1(Y(f * scale))}`);
      out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round"/>`);
      if (Number.isFinite(c.p50)) out.push(`<circle cx="${n1(X(c.p50))}" cy="${n1(Y(0.5 * scale))}" r="4" fill="${colour}" stroke="#fff"/>`);
      if (Number.isFinite(c.p99)) out.push(`<circle cx="${n1(X(c.p99))}" cy="${n1(Y(0.99 * scale))}" r="4" fill="#fff" stroke="${colour}" stroke-width="2"/>`);
    }
    const y = bottom + 56 + i * LEGEND_ROW;
    const arrived = c.total !== undefined && c.total !== c.count ? `, ${count(c.count)}/${count(c.total)} arrived` : `, n ${count(c.count)}`;
    const stats = c.count > 0 ? `p50 ${ms(c.p50)} · p99 ${ms(c.p99)}${arrived}` : 'no values';
    out.push(`<line x1="${x0 + 20}" y1="${y - 4}" x2="${x0 + 44}" y2="${y - 4}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${x0 + 50}" y="${y}"><tspan font-weight="600">${esc(c.label)}</tspan><tspan fill="#555">  ${esc(stats)}</tspan></text>`);
  });
  if (p.curves.length === 0) out.push(`<text x="${left + w / 2}" y="${top + h / 2}" text-anchor="middle" fill="#777">not run</text>`);
  out.push(`<text x="${x0 + PANEL_W - PLOT.right}" y="${bottom + 34}" text-anchor="end" font-size="10" fill="#777">● p50  ○ p99</text>`);
  out.push('</g>');
  return out.join('\n');
}

/** Whole decades around every curve's values (at least 1..1,000 ms when there are none). */
function range(curves: readonly LatencyCurve[]): [number, number] {
  const xs = curves.flatMap((c) => c.cdf.map(([v]) => v)).filter(Number.isFinite);
  if (xs.length === 0) return [1, 1_000];
  const lo = 10 ** Math.floor(Math.log10(Math.max(FLOOR_MS, Math.min(...xs))));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(FLOOR_MS, Math.max(...xs))));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

const curve = (label: string, l: Latency, total: number, colour?: string): LatencyCurve => ({ label, cdf: l.cdf, count: l.count, total, p50: l.p50, p99: l.p99, colour });

/** The picture of one bench run: the burst per client (Herald and whichever baselines ran), steady 1:1 per event. */
export function benchLatencyInput(r: Results, when: Date): LatencySvgInput {
  const pad = (v: number) => String(v).padStart(2, '0');
  const date = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${pad(when.getHours())}:${pad(when.getMinutes())}`;
  const burst: LatencyCurve[] = [curve('Herald, end to end', r.burst.latency, r.burst.expected)];
  if (r.hub) burst.push(curve('Herald live layer alone', r.hub.burst.latency, r.hub.burst.expected));
  if (r.socketio) burst.push(curve('socket.io', r.socketio.burst.latency, r.socketio.burst.expected));
  if (r.ws) burst.push(curve('bare ws', r.ws.burst.latency, r.ws.burst.expected));
  const steady: LatencyCurve[] = [curve(`exchange, ${count(r.rate)}/s`, r.steadyBus.latency, r.steadyBus.sent - r.steadyBus.failed, COLOURS[0])];
  if (r.steadyHttp) steady.push(curve(`HTTP comments, ${count(r.httpRate)}/s`, r.steadyHttp.latency, r.steadyHttp.sent - r.steadyHttp.failed, COLOURS[4]));
  return {
    title: `Herald bench latency, ${date}, ${count(r.clients)} clients`,
    panels: [
      { title: `Single-post burst${r.bursts.length > 1 ? ` (Herald: median of ${r.bursts.length})` : ''}: 201 → frame, per client`, unit: 'clients', curves: burst },
      { title: 'Steady 1:1 (Herald): send → frame, per event', unit: 'events', curves: steady },
    ],
  };
}
