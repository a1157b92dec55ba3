import type { BaselineResult } from './baseline.js';
import type { HeraldBurst, HeraldConnect } from './herald.js';
import type { SteadyResult } from './steady.js';
import { STAGES } from './stages.js';
import { kib, ms, perSecond, table } from './stats.js';

export interface Results {
  clients: number;
  posts: number;
  connect: HeraldConnect;
  /** The median of `bursts` (by time to the last frame). */
  burst: HeraldBurst;
  bursts: HeraldBurst[];
  sustained: HeraldBurst;
  steadyBus: SteadyResult;
  steadyHttp?: SteadyResult;
  socketio?: BaselineResult;
  ws?: BaselineResult;
  /** notification-service's live layer alone (no inbox): the push half of the fan-out. */
  hub?: BaselineResult;
  rate: number;
  httpRate: number;
}

const pass = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The headline table (| metric | Herald | socket.io | bare ws | target |), the verdicts and the stage breakdown. */
export function render(r: Results): string {
  const { burst: b, sustained: s, socketio: io, ws, hub } = r;
  const n = r.clients.toLocaleString('en-US');
  const rowsRate = Math.min(s.rowsPerSecond, s.rate);
  const ratio = io ? b.rate / io.burst.rate : Number.NaN;
  const hubRatio = io && hub ? hub.burst.rate / io.burst.rate : Number.NaN;
  const x = (v: number) => (Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)}×`);
  const pair = (l: { p50: number; p99: number }) => `${ms(l.p50)} / ${ms(l.p99)}`;
  const received = (x: { received: number; expected: number }) => (x.received === x.expected ? '' : ` (${x.received}/${x.expected} arrived)`);
  const steady = (x: SteadyResult | undefined) =>
    x ? `${ms(x.latency.p50)} / ${ms(x.latency.p99)} (${perSecond(x.sentRate)} sent, ${x.received}/${x.sent - x.failed} arrived)` : 'skipped';
  const headline = table(
    ['metric', 'Herald', 'socket.io', 'bare ws', 'target'],
    [
      [`burst: p50 / p99 per client, from the 201 (${n} clients)`, `${ms(b.latency.p50)} / ${ms(b.latency.p99)}${received(b)}`, io ? `${ms(io.burst.latency.p50)} / ${ms(io.burst.latency.p99)}${received(io.burst)}` : 'n/a', ws ? `${ms(ws.burst.latency.p50)} / ${ms(ws.burst.latency.p99)}${received(ws.burst)}` : 'n/a', 'p99 ≤ 600 ms'],
      [`burst: all ${n} frames received`, ms(b.allMs), ms(io?.burst.allMs), ms(ws?.burst.allMs), ''],
      ['targeted delivery rate, end to end (N / time to the last frame)', perSecond(b.rate), perSecond(io?.burst.rate), perSecond(ws?.burst.rate), `≥ 1.8× socket.io: ${x(ratio)}`],
      ['… live layer alone: Herald\'s hub without the inbox, same burst', perSecond(hub?.burst.rate), perSecond(io?.burst.rate), perSecond(ws?.burst.rate), `≥ 1.8× socket.io: ${x(hubRatio)}`],
      ['… live layer alone: p50 / p99 from the 201', hub ? `${pair(hub.burst.latency)}${received(hub.burst)}` : 'n/a', io ? pair(io.burst.latency) : 'n/a', ws ? pair(ws.burst.latency) : 'n/a', ''],
      ['burst: 201 → every notification row committed', `${ms(b.rowsMs)} (${perSecond(b.rowsPerSecond)})`, '—', '—', ''],
      [`sustained: ${r.posts} posts × ${n} persisted and pushed`, `${perSecond(rowsRate)} (rows ${ms(s.rowsMs)}, frames ${ms(s.allMs)})${received(s)}`, '—', '—', '≥ 20,000/s'],
      [`steady 1:1, ${r.rate}/s on the exchange: p50 / p99`, steady(r.steadyBus), '—', '—', 'p99 < 50 ms'],
      [`steady 1:1, ${r.httpRate}/s through post-service HTTP: p50 / p99 (request sent → frame)`, steady(r.steadyHttp), '—', '—', ''],
      ['… of which the HTTP request (sent → 201): p50 / p99', r.steadyHttp?.httpLatency ? `${ms(r.steadyHttp.httpLatency.p50)} / ${ms(r.steadyHttp.httpLatency.p99)}` : 'skipped', '—', '—', ''],
      ['server memory per idle socket (marginal, 2nd half of N): RSS', kib(r.connect.memory.rss), kib(io?.memory.rss), kib(ws?.memory.rss), '≤ 9 KiB'],
      ['… heap + external', kib(r.connect.memory.heap), kib(io?.memory.heap), kib(ws?.memory.heap), ''],
      ['… from a fresh process to N sockets (incl. warm-up): RSS / heap + external', `${kib(r.connect.fromStart.rss)} / ${kib(r.connect.fromStart.heap)}`, io ? `${kib(io.fromStart.rss)} / ${kib(io.fromStart.heap)}` : 'n/a', ws ? `${kib(ws.fromStart.rss)} / ${kib(ws.fromStart.heap)}` : 'n/a', ''],
      ['… live layer alone (marginal): RSS / heap + external', hub ? `${kib(hub.memory.rss)} / ${kib(hub.memory.heap)}` : 'n/a', '—', '—', ''],
      [`connect ${n} clients (until every hello)`, ms(r.connect.connectMs), ms(io?.connectMs), ms(ws?.connectMs), ''],
      ['CPU s during the burst: server / clients', `${cpuOf(b, 'notification-service')} / ${cpuOf(b, 'clients')}`, io ? `${io.cpu.seconds.server!.toFixed(2)} / ${io.cpu.seconds.clients!.toFixed(2)}` : 'n/a', ws ? `${ws.cpu.seconds.server!.toFixed(2)} / ${ws.cpu.seconds.clients!.toFixed(2)}` : 'n/a', ''],
      ['machine busy during the burst (all CPUs)', pct(b.cpu.machineBusy), io ? pct(io.cpu.machineBusy) : 'n/a', ws ? pct(ws.cpu.machineBusy) : 'n/a', ''],
    ],
  );
  const verdicts = [
    `- burst p99 ≤ 600 ms: ${pass(b.latency.p99 <= 600 && b.received === b.expected)}`,
    `- ≥ 20,000 notifications/s persisted and pushed, sustained: ${pass(rowsRate >= 20_000)}`,
    `- steady 1:1 p99 < 50 ms at ${r.rate}/s: ${pass(r.steadyBus.latency.p99 < 50 && r.steadyBus.received === r.steadyBus.sent - r.steadyBus.failed)}`,
    `- ≤ 9 KiB RSS per idle authenticated socket: ${pass(r.connect.memory.rss <= 9 * 1024)}`,
    `- targeted delivery ≥ 1.8× socket.io: end to end (persisted, 2 frames per person) ${Number.isNaN(ratio) ? 'not measured' : `${pass(ratio >= 1.8)} (${x(ratio)})`}; live layer alone ${Number.isNaN(hubRatio) ? 'not measured' : `${pass(hubRatio >= 1.8)} (${x(hubRatio)})`}`,
  ].join('\n');
  const stages = table(
    ['notification-service stage', 'burst: n', 'sum', 'mean', 'slowest ≤', `sustained: n`, 'sum', 'mean', 'slowest ≤'],
    STAGES.map((stage) => {
      const x = b.stages[stage];
      const y = s.stages[stage];
      return [stage, String(x.count), ms(x.sumMs), ms(x.meanMs), ms(x.maxLeMs), String(y.count), ms(y.sumMs), ms(y.meanMs), ms(y.maxLeMs)];
    }),
  );
  const cpu = (x: { cpu: HeraldBurst['cpu'] }) => Object.entries(x.cpu.seconds).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ') + (x.cpu.others.length ? `; other processes: ${x.cpu.others.join(', ')}` : '');
  const each = r.bursts.map((x, i) => `${i + 1}: p50 ${ms(x.latency.p50)}, p99 ${ms(x.latency.p99)}, all ${ms(x.allMs)}, rows ${ms(x.rowsMs)}`).join('; ');
  return [
    headline,
    '',
    `Herald bursts (the table shows the median): ${each}.`,
    '',
    verdicts,
    '',
    stages,
    '',
    `CPU during the burst: ${cpu(b)}; machine busy ${pct(b.cpu.machineBusy)}.`,
    `CPU during the sustained run: ${cpu(s)}; machine busy ${pct(s.cpu.machineBusy)}.`,
    `CPU during the steady run on the exchange: ${cpu(r.steadyBus)}; machine busy ${pct(r.steadyBus.cpu.machineBusy)}; per event: notification-service ${perEvent(r.steadyBus, 'notification-service')}, postgres ${perEvent(r.steadyBus, 'postgres')}.`,
    r.steadyHttp ? `CPU during the steady run through post-service: ${cpu(r.steadyHttp)}; machine busy ${pct(r.steadyHttp.cpu.machineBusy)}; per request: post-service ${perEvent(r.steadyHttp, 'post-service')}, notification-service ${perEvent(r.steadyHttp, 'notification-service')}, postgres ${perEvent(r.steadyHttp, 'postgres')}.` : '',
    io ? `CPU during the live-layer-alone burst: ${hub ? cpu(hub) : 'n/a'}; socket.io burst: ${cpu(io)}; bare ws burst: ${ws ? cpu(ws) : 'n/a'}.` : '',
    io ? `Server-side push time (all frames handed to sockets): Herald hub ${ms(hub?.pushLoopMs)} (deliver() per 1,000 users, 4 at a time, each with its Redis presence lookup), socket.io ${ms(io.pushLoopMs)}, bare ws ${ms(ws?.pushLoopMs)}.` : '',
  ].join('\n');
}

const perEvent = (x: SteadyResult, name: string) => `${(((x.cpu.seconds[name] ?? Number.NaN) * 1000) / Math.max(1, x.received)).toFixed(2)} ms`;
const cpuOf = (b: HeraldBurst, name: string) => (b.cpu.seconds[name] ?? Number.NaN).toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
