import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CpuReport } from './cpu.js';
import type { Bucket } from './latency.js';
import type { ClientCheck, EmailCheck, InboxCheck } from './verify.js';
import { resultsDir } from './state.js';

export interface ReadyExpectation {
  service: string;
  dependency: string;
  sawDown: boolean;
  /** ms after the fault ended until it answered 200 again. */
  readyAgainMs?: number;
}

export interface ScenarioResult {
  key: string;
  title: string;
  injected: string;
  /** Followers of the author: the audience of each post. */
  followers?: number;
  ran: boolean;
  skippedReason?: string;
  window: { start: number; end: number; faultStart?: number; faultEnd?: number };
  load: { posts: number; dms: number; postsPerS: number; dmsPerS: number; rejected: Record<string, number>; skipped: number };
  inbox?: InboxCheck;
  clients?: ClientCheck;
  email?: EmailCheck;
  crashes: { service: string; code: number | null; signal: string | null; tail: string }[];
  restarts: Record<string, number>;
  readyz: ReadyExpectation[];
  latency?: { steadyP95: number; thresholdMs: number; recoveryMs?: number; fromKillMs?: number; preFault: Record<string, number>; worstBucketP95: number; buckets: Bucket[] };
  drainMs?: number;
  cpu?: CpuReport;
  /** Messages ready in notification-service's queues and unpublished outbox rows, every 2 s (t: ms into the window). */
  backlog?: { t: number; queued: number; outbox: number; consumers: string }[];
  /** Live-layer counters of the notification-service instances at the window's end. */
  metrics?: Record<string, Record<string, number>>;
  notes: string[];
  failures: string[];
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? 'never' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function readyCell(r: ScenarioResult): string {
  if (r.readyz.length === 0) return 'n/a (no dependency down)';
  const yes = r.readyz.filter((x) => x.sawDown);
  return `${yes.length === r.readyz.length ? 'yes' : 'NO'} (${r.readyz.map((x) => `${x.service}:${x.dependency}${x.sawDown ? '' : ' not seen'}`).join(', ')})`;
}

/** The summary table, one row per scenario, as Markdown. */
export function table(results: ScenarioResult[]): string {
  const head = ['scenario', 'injected', 'load run (window)', 'expected', 'delivered', 'duplicates', 'emails due / sent / dup', 'live frames missing / dup', 'resumed clients', 'time to recover', 'crashes', 'readyz saw dependency down', 'CPU: other work on the box'];
  const rows = results.map((r) => {
    if (!r.ran) return [r.title, r.injected, '-', '-', '-', '-', '-', '-', '-', '-', '-', `not run: ${r.skippedReason}`, '-'];
    if (!r.inbox || !r.email || !r.clients) return [r.title, r.injected, '-', '-', '-', '-', '-', '-', '-', '-', '-', `did not finish: ${r.failures.join('; ')}`, '-'];
    const i = r.inbox!;
    const e = r.email!;
    const c = r.clients!;
    const rec = r.latency?.recoveryMs;
    return [
      r.title,
      r.injected,
      `${r.load.postsPerS.toFixed(2)} posts/s × ${r.followers ?? '?'} followers + ${r.load.dmsPerS.toFixed(1)} DMs/s, ${Math.round((r.window.end - r.window.start) / 1000)} s`,
      String(i.expected),
      String(i.delivered),
      String(i.duplicates),
      `${e.due} / ${e.sent} / ${e.duplicates}`,
      `${c.missingFrames} / ${c.duplicateFrames} (of ${c.expectedFrames})`,
      `${c.resumedClients} of ${c.clients}`,
      rec === undefined ? `not within 30 s (threshold p95 ${fmtMs(r.latency?.thresholdMs)})` : rec === 0 ? '< 1 s' : fmtMs(rec),
      r.crashes.length === 0 ? '0' : r.crashes.map((x) => `${x.service}(${x.code ?? x.signal})`).join(' '),
      readyCell(r),
      r.cpu ? `${r.cpu.otherCores} of 2 cores (machine ${r.cpu.machineCores})` : '-',
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function detail(r: ScenarioResult): string {
  const out = [`### ${r.title}: ${r.injected}`];
  if (!r.ran) return `${out[0]}\nnot run: ${r.skippedReason}`;
  out.push(`load: ${r.load.posts} posts (${r.load.postsPerS.toFixed(2)}/s), ${r.load.dms} DMs (${r.load.dmsPerS.toFixed(1)}/s) accepted; rejected ${JSON.stringify(r.load.rejected)}; skipped (in-flight cap) ${r.load.skipped}`);
  if (r.latency) {
    out.push(`latency: steady p95 ${fmtMs(r.latency.steadyP95)}, threshold ${fmtMs(r.latency.thresholdMs)}, pre-fault p50/p95/p99 ${fmtMs(r.latency.preFault.p50)}/${fmtMs(r.latency.preFault.p95)}/${fmtMs(r.latency.preFault.p99)}, worst 1-s bucket p95 ${fmtMs(r.latency.worstBucketP95)}, recovered ${fmtMs(r.latency.recoveryMs)} after the fault ended${r.latency.fromKillMs !== undefined ? ` (${fmtMs(r.latency.fromKillMs)} after the kill)` : ''}`);
  }
  if (r.clients) out.push(`clients: ${r.clients.exact}/${r.clients.clients} exact; frames expected ${r.clients.expectedFrames}, received ${r.clients.receivedFrames}, missing ${r.clients.missingFrames} (older than a resume cursor: ${r.clients.missingOlderThanCursor}), duplicate ${r.clients.duplicateFrames}, arrived after a higher id ${r.clients.outOfOrder}, gap repairs ${r.clients.gapRepairs}`);
  if (r.inbox) out.push(`inbox: expected ${r.inbox.expected}, delivered ${r.inbox.delivered}, missing ${r.inbox.missing}, duplicates ${r.inbox.duplicates}; drained ${fmtMs(r.drainMs)} after the window closed`);
  if (r.email) out.push(`email: due ${r.email.due}, sent ${r.email.sent}, missing ${r.email.missing}, duplicates ${r.email.duplicates}`);
  out.push(`readyz: ${readyCell(r)}${r.readyz.length ? `; 200 again after ${r.readyz.map((x) => `${x.service} ${fmtMs(x.readyAgainMs)}`).join(', ')}` : ''}`);
  if (r.cpu) out.push(`CPU (cores, window of ${r.cpu.seconds} s): machine ${r.cpu.machineCores} of 2, other work on the box ${r.cpu.otherCores}; ${Object.entries(r.cpu.cores).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`process exits not caused by the suite: ${r.crashes.length}; restarts: ${JSON.stringify(r.restarts)}`);
  if (r.backlog?.length) {
    const peakQ = Math.max(...r.backlog.map((b) => b.queued));
    const peakO = Math.max(...r.backlog.map((b) => b.outbox));
    out.push(`backlog: peak ${peakQ} messages queued for notification-service, ${peakO} outbox rows unpublished; series (s: queued/outbox consumers of events+fanout+email) ${r.backlog.map((b) => `${Math.round(b.t / 1000)}:${b.queued}/${b.outbox} ${b.consumers}`).join(' ')}`);
  }
  if (r.metrics) out.push(`notification-service counters (since each instance started): ${JSON.stringify(r.metrics)}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const f of r.failures) out.push(`FAILED: ${f}`);
  if (r.clients?.debug.length) out.push(`missing-frame details: ${JSON.stringify(r.clients.debug)}`);
  return out.join('\n');
}

export function writeResults(data: unknown, name = 'latest.json'): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
  return file;
}
