/**
 * Renders docs/bench-latency.svg's layout from synthetic latencies (no servers needed), to check the
 * picture after changing lib/latency-svg.ts: `npx tsx bench/lib/latency-svg.demo.ts [OUT]` (default
 * /tmp/bench-latency-demo.svg), then open it in a browser.
 */
import { writeFileSync } from 'node:fs';
import { latencySvg, type LatencyCurve } from './latency-svg.js';
import { latency } from './stats.js';

/** Log-normal values around `median` ms (spread `sigma`), deterministic. */
function sample(n: number, median: number, sigma: number, seed: number): number[] {
  let s = seed;
  const rnd = () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) + 0.5) / 2 ** 31;
  return Array.from({ length: n }, () => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd())));
}

const curve = (label: string, values: number[], total?: number): LatencyCurve => {
  const l = latency(values);
  return { label, cdf: l.cdf, count: l.count, total, p50: l.p50, p99: l.p99 };
};

const out = process.argv[2] ?? '/tmp/bench-latency-demo.svg';
const svg = latencySvg({
  title: 'Herald bench latency, 2026-11-23 15:32, 10,000 clients (synthetic demo)',
  panels: [
    {
      title: 'Single-post burst (Herald: median of 3): 201 → frame, per client',
      unit: 'clients',
      curves: [
        curve('Herald, end to end', sample(10_000, 458, 0.35, 1)),
        curve('Herald live layer alone', sample(9_990, 160, 0.4, 2), 10_000),
        curve('socket.io', sample(10_000, 211, 0.4, 3)),
        curve('bare ws', sample(10_000, 127, 0.3, 4)),
      ],
    },
    {
      title: 'Steady 1:1 (Herald): send → frame, per event',
      unit: 'events',
      curves: [curve('exchange, 1,000/s', sample(9_997, 8_100, 0.3, 5)), { ...curve('HTTP comments, 200/s', sample(1_000, 91, 0.8, 6)), colour: '#CC79A7' }],
    },
  ],
});
writeFileSync(out, svg);
console.log(`${out}: ${svg.length} characters`);
