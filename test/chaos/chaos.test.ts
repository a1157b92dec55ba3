import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import { CpuWindow } from './support/cpu.js';
import { ChaosClient } from './support/live-client.js';
import { LatencyBook, recoveryMs, type Bucket } from './support/latency.js';
import { LoadGenerator, type SentItem } from './support/load.js';
import { ReadyzPoller } from './support/readyz.js';
import { detail, table, writeResults, type ReadyExpectation, type ScenarioResult } from './support/report.js';
import { seedPopulation, type Population } from './support/seed.js';
import { startChaosStack, type ChaosStack, type ServiceKey } from './support/stack.js';
import { Verifier } from './support/verify.js';

// The chaos suite (docs/reliability.md, "Chaos suite"). One stack for the whole run: every service
// as its own process, all of them reaching PostgreSQL, RabbitMQ and Redis through TCP proxies this
// suite cuts, two notification-service instances behind two gateways, live clients that reconnect
// and resume like the web demo, email to a real SMTP sink. Steady load runs throughout; scenarios
// follow one another, each owning the window of load from its start to the next one's, and each
// window is checked on its own once it has drained: inbox, sockets, emails, processes, /readyz,
// latency. Run it with `npm run test:chaos` (scripts/chaos.mjs: hard time limit and cleanup).

const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const CFG = {
  followers: num('CHAOS_FOLLOWERS', 2000),
  live: num('CHAOS_LIVE', 100),
  mail: num('CHAOS_MAIL', 20),
  senders: num('CHAOS_SENDERS', 200),
  postEveryMs: num('CHAOS_POST_EVERY_MS', 1000),
  // The issue's 200/s does not fit on 2 shared cores next to the fan-out (see docs/reliability.md).
  dmRate: num('CHAOS_DM_RATE', 25),
  awayMessages: num('CHAOS_AWAY_MESSAGES', 500),
  awayMs: num('CHAOS_AWAY_MS', 120_000),
  outageMs: num('CHAOS_OUTAGE_MS', 20_000),
  dbOutageMs: num('CHAOS_DB_OUTAGE_MS', 10_000),
  restartAfterMs: num('CHAOS_RESTART_AFTER_MS', 10_000),
  warmMs: num('CHAOS_WARM_MS', 6_000),
  baselineMs: num('CHAOS_BASELINE_MS', 12_000),
  recoverWithinMs: 30_000,
  drainTimeoutMs: num('CHAOS_DRAIN_TIMEOUT_MS', 60_000),
  /** Scenarios still started only if this much of the run is left for them (scripts/chaos.mjs kills at 12 min). */
  budgetMs: num('CHAOS_BUDGET_MS', 630_000),
  fallbackDelayMs: 2_000,
  /** Ambiguous duplicate emails tolerated after a SIGKILL mid-send (counted and reported). */
  // At most what a killed instance can have in flight: CHANNEL_CONCURRENCY (16) email sends.
  ambiguousEmailAllowance: num('CHAOS_AMBIGUOUS_EMAILS', 16),
};
const only = (process.env.CHAOS_SCENARIOS ?? '1,2,3a,3b,4,5').split(',').map((s) => s.trim());
const SUITE_START = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.log(`[chaos ${((Date.now() - SUITE_START) / 1000).toFixed(1)} s] ${m}`);

let stack: ChaosStack;
let pop: Population;
let clients: ChaosClient[] = [];
let away: ChaosClient;
let load: LoadGenerator;
let readyz: ReadyzPoller;
let verifier: Verifier;
let book: LatencyBook;
let windowStart = 0;
let steadyP95 = Number.NaN;
let thresholdMs = 1000;
let steadyProblem: string | undefined;
const MAX_THRESHOLD_MS = 5000;
const CLIENT_GRACE_MS = 20_000;
const MAX_STEADY_P95_MS = num('CHAOS_MAX_STEADY_P95_MS', 2000);
const results: ScenarioResult[] = [];
let setupMs = 0;

interface Fault {
  faultStart: number;
  faultEnd: number;
  /** For a kill: when it happened (recovery is also reported from there). */
  killAt?: number;
  notes?: string[];
}

interface Scenario {
  key: string;
  title: string;
  injected: string;
  /** Roughly how long it takes, to decide whether it still fits the time budget. */
  estimateMs: number;
  expectReady: { service: ServiceKey; dependency: string }[];
  inject(result: ScenarioResult): Promise<Fault>;
  /** Extra checks on the window (scenario 5: the away client's replay). */
  check?(result: ScenarioResult, items: SentItem[]): Promise<void>;
  /** Duplicate emails tolerated (ambiguous sends after a SIGKILL). */
  emailDuplicatesAllowed?: number;
}

const allClients = () => [...clients, away];
const ourPids = () => ({
  ...Object.fromEntries(Object.entries(stack.services).map(([k, s]) => [k, s.pid])),
  proxies: stack.proxies.pid,
  'suite (clients, load, SMTP sink)': process.pid,
});

const LIVE_SERIES = ['live_resyncs_total', 'live_resync_closes_total', 'live_redis_failures_total', 'live_resync_requests_sent_total', 'live_resume_replayed_total', 'herald_ambiguous_sends_total'];

/** The live layer's counters of both instances (cumulative since each one started). */
async function scrapeLive(): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const key of ['ns1', 'ns2'] as const) {
    try {
      const text = await (await fetch(`${stack.services[key].url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
      const values: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (m && LIVE_SERIES.includes(m[1]!) && Number(m[3]) !== 0) values[`${m[1]}${m[2] ?? ''}`] = Number(m[3]);
      }
      out[key] = values;
    } catch (err) {
      out[key] = { unreachable: 1 };
    }
  }
  return out;
}

async function allReady(timeoutMs = 60_000): Promise<void> {
  await Promise.all(Object.values(stack.services).map((s) => s.waitReady(timeoutMs)));
}

function loadStats(items: SentItem[], from: number, to: number) {
  const rejected: Record<string, number> = {};
  for (const r of load.rejectedBetween(from, to)) rejected[`${r.kind}:${r.status}`] = (rejected[`${r.kind}:${r.status}`] ?? 0) + 1;
  const secs = Math.max(1, (to - from) / 1000);
  const posts = items.filter((i) => i.kind === 'post').length;
  const dms = items.filter((i) => i.kind === 'dm').length;
  return { posts, dms, postsPerS: posts / secs, dmsPerS: dms / secs, rejected, skipped: load.skipped };
}

/** Waits until the window's items are all in the inbox, on the sockets and (emails) at the sink, or the drain timeout. */
async function drain(items: SentItem[], windowFrom: number, conns: Map<ChaosClient, number>) {
  const t0 = Date.now();
  const objects = items.map((i) => i.objectId);
  const posts = items.filter((i) => i.kind === 'post').map((i) => i.objectId);
  const mailIds = pop.mail.map((u) => u.id);
  // Emails fall due FALLBACK_DELAY_MS after the last post. Once the inbox and the emails are
  // complete, a connected client gets CLIENT_GRACE_MS more to receive what it still lacks: a
  // notification committed long ago that a connected socket has not got by then is not coming.
  let storedAt: number | undefined;
  for (;;) {
    const inbox = await verifier.inbox(items, pop.followers.length);
    const live = await verifier.clients(allClients(), objects, windowFrom, conns);
    const email = await verifier.emails(mailIds, posts, stack.smtp);
    if (inbox.missing === 0 && email.missing === 0) storedAt ??= Date.now();
    const complete = inbox.missing === 0 && live.missingFrames === 0 && email.missing === 0;
    if (complete || Date.now() - t0 > CFG.drainTimeoutMs || (storedAt !== undefined && Date.now() - storedAt > CLIENT_GRACE_MS)) {
      // Late duplicates get a moment to show themselves before the final count.
      await sleep(1500);
      return {
        drainMs: Date.now() - t0,
        inbox: await verifier.inbox(items, pop.followers.length),
        clients: await verifier.clients(allClients(), objects, windowFrom, conns),
        email: await verifier.emails(mailIds, posts, stack.smtp),
      };
    }
    await sleep(2000);
  }
}

async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const result = newResult(s);
  results.push(result);
  try {
    await runScenarioInto(s, result);
  } catch (err) {
    // Whatever broke, the next scenario starts from a new window and the table still shows this one.
    windowStart = Math.max(windowStart, Date.now());
    result.failures.push(`scenario aborted: ${(err as Error).stack ?? err}`);
    log(`${s.title}: aborted: ${(err as Error).message}`);
  }
  return result;
}

function newResult(s: Scenario): ScenarioResult {
  return {
    key: s.key,
    title: s.title,
    injected: s.injected,
    followers: CFG.followers,
    ran: false,
    window: { start: windowStart, end: windowStart },
    load: { posts: 0, dms: 0, postsPerS: 0, dmsPerS: 0, rejected: {}, skipped: 0 },
    crashes: [],
    restarts: {},
    readyz: [],
    notes: [],
    failures: [],
  };
}

async function runScenarioInto(s: Scenario, result: ScenarioResult): Promise<void> {
  const left = CFG.budgetMs - (Date.now() - SUITE_START);
  if (left < s.estimateMs) {
    result.skippedReason = `time budget: ${Math.round(left / 1000)} s left of ${CFG.budgetMs / 1000} s, needs about ${s.estimateMs / 1000} s`;
    result.failures.push(result.skippedReason);
    log(`${s.title}: skipped (${result.skippedReason})`);
    return;
  }
  result.ran = true;
  log(`${s.title}: start (${s.injected})`);
  // Settle (load is paused since the last window ended): every service ready, no backlog.
  const settle0 = Date.now();
  load.paused = true;
  await allReady(90_000);
  for (let t = Date.now(); (await stack.backlog()) > 0 && Date.now() - t < 60_000; ) await sleep(500);
  // A load balancer spreads new connections; put clients back on their own gateway so both
  // instances hold sockets when the fault comes.
  await Promise.all(allClients().filter((c) => c !== away || c.open).map((c) => c.rehome()));
  const conns = new Map(allClients().map((c) => [c, c.connections] as const));
  const startsBefore = Object.fromEntries(Object.entries(stack.services).map(([k, v]) => [k, v.starts]));
  load.paused = false;
  const from = Date.now();
  windowStart = from;
  result.window.start = from;
  result.notes.push(`settled in ${Date.now() - settle0} ms before the window`);
  const cpu = new CpuWindow(ourPids);
  await sleep(CFG.warmMs);

  // Where the work waits, every 2 s: messages ready in notification-service's queues (events, fan-out
  // chunks, email) and rows the producers' outboxes have not published yet.
  const samples: { t: number; queued: number; outbox: number; consumers: string }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = Date.now();
      const [queues, outbox] = await Promise.all([
        stack.queues().catch(() => undefined),
        verifier.pool
          .query('SELECT (SELECT count(*) FROM posts.outbox WHERE published_at IS NULL) + (SELECT count(*) FROM users.outbox WHERE published_at IS NULL) AS n')
          .then((r) => Number(r.rows[0].n))
          .catch(() => -1),
      ]);
      const queued = queues ? Object.values(queues).reduce((n, q) => n + q.ready, 0) : -1;
      const consumers = queues ? Object.values(queues).map((q) => q.consumers).join('+') : '?';
      samples.push({ t: t - from, queued, outbox, consumers });
      await sleep(Math.max(0, 2000 - (Date.now() - t)));
    }
  })();
  const fault = await s.inject(result);
  result.window.faultStart = fault.faultStart;
  result.window.faultEnd = fault.faultEnd;
  result.notes.push(...(fault.notes ?? []));
  log(`${s.title}: fault ${((fault.faultEnd - fault.faultStart) / 1000).toFixed(1)} s; watching latency`);

  // Watch until latency has been back under the threshold for 5 judged seconds, at most 30 s (+ lag).
  const lag = thresholdMs + 1500;
  let buckets: Bucket[] = [];
  for (;;) {
    await sleep(1000);
    const judgedUntil = Date.now() - lag;
    buckets = book.buckets(load.itemsBetween(fault.faultEnd, judgedUntil), fault.faultEnd, judgedUntil - 1000);
    const rec = recoveryMs(buckets, fault.faultEnd, thresholdMs);
    const goodAfter = rec === undefined ? 0 : buckets.filter((b) => b.start >= fault.faultEnd + rec && b.expected > 0).length;
    if (goodAfter >= 5 || judgedUntil > fault.faultEnd + CFG.recoverWithinMs + 2000) break;
  }
  // The window ends: no new load while it drains and is checked (a settle period before the next).
  load.paused = true;
  const end = Date.now();
  windowStart = end;
  result.window.end = end;
  result.cpu = cpu.end();
  result.metrics = await scrapeLive();
  log(`${s.title}: window closed; draining`);

  sampling = false;
  await sampler;
  result.backlog = samples;
  await load.settledBefore(end);
  const items = load.itemsBetween(from, end);
  result.load = loadStats(items, from, end);
  const drained = await drain(items, from, conns);
  Object.assign(result, drained);

  const all = book.buckets(load.itemsBetween(from, end), from, end);
  const pre = book.summary(load.itemsBetween(from, fault.faultStart));
  const rec = recoveryMs(buckets, fault.faultEnd, thresholdMs);
  result.latency = {
    steadyP95,
    thresholdMs,
    recoveryMs: rec,
    fromKillMs: fault.killAt !== undefined && rec !== undefined ? fault.faultEnd + rec - fault.killAt : undefined,
    preFault: { p50: pre.p50, p95: pre.p95, p99: pre.p99 },
    worstBucketP95: Math.max(...all.filter((b) => b.expected > 0).map((b) => (Number.isFinite(b.p95) ? b.p95 : 0))),
    buckets: all,
  };
  for (const [key, svc] of Object.entries(stack.services)) {
    for (const c of svc.crashesSince(from)) result.crashes.push({ service: key, code: c.code, signal: c.signal, tail: c.tail });
    result.restarts[key] = svc.starts - (startsBefore[key] ?? 0);
  }
  result.readyz = s.expectReady.map(({ service, dependency }): ReadyExpectation => ({
    service,
    dependency,
    sawDown: readyz.sawDown(service, dependency, fault.faultStart, fault.faultEnd + 1000),
    readyAgainMs: readyz.readyAgainAfter(service, fault.faultEnd),
  }));
  await s.check?.(result, items);

  // The checks (each failure is recorded; the table is printed whatever happens).
  const f = result.failures;
  const inbox = result.inbox!;
  const live = result.clients!;
  const email = result.email!;
  if (inbox.missing) f.push(`${inbox.missing} of ${inbox.expected} notifications missing from the inbox`);
  if (inbox.duplicates) f.push(`${inbox.duplicates} duplicate inbox rows`);
  if (live.missingFrames) f.push(`${live.missingFrames} notifications never reached a connected client (${live.missingOlderThanCursor} older than the client's resume cursor); e.g. ${JSON.stringify(live.sampleMissing.slice(0, 3))}`);
  if (live.duplicateFrames) f.push(`${live.duplicateFrames} duplicate frames on clients`);
  if (email.missing) f.push(`${email.missing} of ${email.due} due emails never sent`);
  if (email.duplicates > (s.emailDuplicatesAllowed ?? 0)) f.push(`${email.duplicates} duplicate emails (allowed ${s.emailDuplicatesAllowed ?? 0})`);
  if (result.crashes.length) f.push(`${result.crashes.length} process exits not caused by the suite: ${result.crashes.map((c) => `${c.service} ${c.code ?? c.signal}`).join(', ')}`);
  for (const r of result.readyz) {
    if (!r.sawDown) f.push(`/readyz of ${r.service} never answered 503 naming ${r.dependency} during the fault`);
    if (r.readyAgainMs === undefined) f.push(`/readyz of ${r.service} not 200 again after the fault`);
  }
  if (rec === undefined) f.push(`latency not back under p95 ${thresholdMs} ms within ${CFG.recoverWithinMs / 1000} s of the fault's end`);
  log(`${s.title}: done\n${detail(result)}`);
}

function assertScenario(r: ScenarioResult): void {
  expect.soft(r.ran, r.skippedReason).toBe(true);
  expect.soft(r.failures, `${r.title}: ${r.failures.join('; ')}`).toEqual([]);
}

async function countRows(objectId: string): Promise<number> {
  const { rows } = await verifier.pool.query('SELECT count(*)::int AS n FROM notifications.notifications WHERE object_id = $1', [objectId]);
  return rows[0].n;
}

const SCENARIOS: Scenario[] = [
  {
    key: '1',
    title: '1. instance SIGKILL',
    injected: `SIGKILL notification-service #1 mid-fan-out, restarted ${CFG.restartAfterMs / 1000} s later`,
    estimateMs: 100_000,
    expectReady: [{ service: 'gatewayA', dependency: 'notification-service' }],
    emailDuplicatesAllowed: CFG.ambiguousEmailAllowance,
    async inject() {
      // Kill while a post's fan-out is under way: its first rows are in, not all of them.
      const seen = load.items.length;
      let post: SentItem | undefined;
      while (!(post = load.items.slice(seen).find((i) => i.kind === 'post'))) await sleep(10);
      let rows = 0;
      const t = Date.now();
      while (Date.now() - t < 3000 && (rows = await countRows(post.objectId)) === 0) await sleep(5);
      const killAt = Date.now();
      await stack.services.ns1.kill();
      const rowsAtKill = rows;
      const rowsJustAfter = await countRows(post.objectId);
      await sleep(Math.max(0, killAt + CFG.restartAfterMs - Date.now()));
      const restartAt = Date.now();
      const readyMs = await stack.services.ns1.restart();
      return {
        faultStart: killAt,
        faultEnd: restartAt,
        killAt,
        notes: [`killed when post ${post.objectId} had ${rowsAtKill}/${pop.followers.length} inbox rows (${rowsJustAfter} a moment later)`, `restarted instance ready ${readyMs} ms after its spawn`],
      };
    },
  },
  {
    key: '2',
    title: '2. RabbitMQ unreachable',
    injected: `every AMQP connection (all services, producers and consumers) cut for ${CFG.outageMs / 1000} s`,
    estimateMs: 100_000,
    expectReady: [
      { service: 'user-service', dependency: 'broker' },
      { service: 'post-service', dependency: 'bus' },
      { service: 'ns1', dependency: 'bus' },
      { service: 'ns2', dependency: 'bus' },
    ],
    async inject() {
      const faultStart = Date.now();
      await stack.proxies.cut('rabbitmq');
      await sleep(CFG.outageMs);
      await stack.proxies.restore('rabbitmq');
      return { faultStart, faultEnd: Date.now() };
    },
  },
  {
    key: '3a',
    title: '3a. Redis unreachable',
    injected: `every Redis connection (notification-service ×2, gateways ×2) cut for ${CFG.outageMs / 1000} s`,
    estimateMs: 90_000,
    expectReady: [
      { service: 'ns1', dependency: 'redis' },
      { service: 'ns2', dependency: 'redis' },
      { service: 'gatewayA', dependency: 'redis' },
      { service: 'gatewayB', dependency: 'redis' },
    ],
    async inject() {
      const faultStart = Date.now();
      await stack.proxies.cut('redis');
      await sleep(CFG.outageMs);
      await stack.proxies.restore('redis');
      return { faultStart, faultEnd: Date.now() };
    },
  },
  {
    key: '3b',
    title: '3b. presence keys lost',
    injected: "every key under the stack's Redis prefix deleted (SCAN + UNLINK): presence, rate-limit counters",
    estimateMs: 70_000,
    expectReady: [],
    async inject() {
      const faultStart = Date.now();
      const deleted = await stack.deleteRedisKeys('*');
      return { faultStart, faultEnd: Date.now(), notes: [`${deleted} keys deleted`] };
    },
  },
  {
    key: '4',
    title: '4. PostgreSQL cut',
    injected: `every PostgreSQL connection (all services) cut and refused for ${CFG.dbOutageMs / 1000} s`,
    estimateMs: 90_000,
    expectReady: [
      { service: 'user-service', dependency: 'postgres' },
      { service: 'post-service', dependency: 'postgres' },
      { service: 'ns1', dependency: 'postgres' },
      { service: 'ns2', dependency: 'postgres' },
    ],
    async inject() {
      const faultStart = Date.now();
      await stack.proxies.cut('postgres');
      await sleep(CFG.dbOutageMs);
      await stack.proxies.restore('postgres');
      return { faultStart, faultEnd: Date.now() };
    },
  },
  {
    key: '5',
    title: '5. client away',
    injected: `one client offline ${CFG.awayMs / 1000} s while ${CFG.awayMessages} DMs arrive for it (within the DM rate), then reconnects with resume`,
    estimateMs: CFG.awayMs + 60_000,
    expectReady: [],
    async inject(result) {
      const faultStart = Date.now();
      away.goOffline();
      // The away client's messages are part of the DM rate, not on top of it.
      const steadyRate = load.opts.dmRate;
      load.opts.dmRate = Math.max(0, steadyRate - (CFG.awayMessages * 1000) / CFG.awayMs);
      const sent = await load.directed(pop.away, CFG.awayMessages, CFG.awayMs).finally(() => (load.opts.dmRate = steadyRate));
      result.notes.push(`${sent.accepted} DMs to the away client accepted, ${sent.rejected} rejected`);
      // They have all arrived for it (are in its inbox) before it comes back.
      const t = Date.now();
      const inboxCount = async () =>
        (await verifier.pool.query('SELECT count(*)::int AS n FROM notifications.notifications WHERE recipient_id = $1 AND created_at >= to_timestamp($2 / 1000.0)', [pop.away.id, faultStart])).rows[0].n as number;
      while ((await inboxCount()) < sent.accepted && Date.now() - t < 30_000) await sleep(250);
      const faultEnd = Date.now();
      const resumesBefore = away.resumesSent;
      await away.comeBack();
      result.notes.push(`away client resumed (${away.resumesSent - resumesBefore} resume sent) after the last id it had`);
      return { faultStart, faultEnd };
    },
    async check(result, items) {
      const mine = items.filter((i) => i.kind === 'dm' && i.to === pop.away.id).map((i) => i.objectId);
      const wanted = new Set(mine);
      const got = away.arrivals.filter((a) => a.objectId && wanted.has(a.objectId));
      // Only the replay is judged, oldest id first (docs/protocol.md): the frames on the comeback
      // connection before the pong of the ping sent behind its resume. Live frames after it may carry
      // a lower id (ids are made before stream numbers; two passes may take them in either order).
      const replayConn = Math.max(0, ...got.map((a) => a.conn));
      const replayEnd = away.replayEnds.get(replayConn) ?? away.arrivals.length;
      const replayed = new Set(away.arrivals.slice(0, replayEnd));
      const ids = got.filter((a) => a.conn === replayConn && replayed.has(a)).map((a) => a.id);
      const ascending = ids.every((id, i) => i === 0 || ids[i - 1]! < id);
      if (!ascending) {
        const bad = ids.map((id, i) => (i > 0 && ids[i - 1]! > id ? i : -1)).filter((i) => i >= 0);
        result.notes.push(`away client: ${bad.length} replayed frames after a higher id, at positions ${bad.slice(0, 10).join(', ')}; connections ${away.connections}; arrivals ${JSON.stringify(bad.slice(0, 3).map((i) => got.slice(Math.max(0, i - 2), i + 1).map((a) => ({ id: a.id, seq: a.seq, at: a.at, conn: a.conn }))))}`);
      }
      const dups = away.duplicateArrivals.filter((a) => a.objectId && wanted.has(a.objectId)).length;
      result.notes.push(`away client: ${got.length} of ${mine.length} replayed, ${ascending ? 'in id order' : 'OUT OF ORDER'}, ${dups} duplicates`);
      if (got.length !== mine.length) result.failures.push(`away client got ${got.length} of ${mine.length} after resume`);
      if (!ascending) result.failures.push('away client replay not in id order');
      if (dups) result.failures.push(`away client got ${dups} duplicates`);
    },
  },
];

describe('chaos: zero loss under faults', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; config ${JSON.stringify(CFG)}`);
    stack = await startChaosStack({
      FALLBACK_DELAY_MS: String(CFG.fallbackDelayMs),
      CHANNEL_SWEEP_MS: '250',
      CHANNEL_CLAIM_LEASE_MS: '10000',
      CHANNEL_REDISPATCH_MS: '20000',
      CHANNEL_RETRY_BASE_MS: '500',
      CHANNEL_RETRY_MAX_MS: '5000',
    });
    log(`stack up in ${Date.now() - t0} ms (db ${stack.db.name}, prefix ${stack.redisPrefix})`);
    pop = await seedPopulation(stack, { followers: CFG.followers, live: CFG.live, mail: CFG.mail, senders: CFG.senders }, log);
    const startedAt = Date.now();
    clients = pop.live.map((u, i) => new ChaosClient(u.id, u.token, stack.gateways, i % 2, startedAt));
    away = new ChaosClient(pop.away.id, pop.away.token, stack.gateways, 0, startedAt);
    await Promise.all(allClients().map((c) => c.start()));
    book = new LatencyBook(clients, new Set(pop.live.map((u) => u.id)));
    readyz = new ReadyzPoller(stack.services);
    readyz.start();
    verifier = new Verifier(stack.db.url);
    load = new LoadGenerator(pop, stack.gateways, { postEveryMs: CFG.postEveryMs, dmRate: CFG.dmRate, maxInFlight: 400, timeoutMs: 15_000 });
    load.paused = true;
    load.start();
    windowStart = Date.now();
    setupMs = windowStart - t0;
    log(`${allClients().length} clients connected; load running (setup ${setupMs} ms)`);
  }, 300_000);

  afterAll(async () => {
    await load?.stop().catch(() => {});
    for (const c of allClients()) c?.stop();
    await readyz?.stop();
    await verifier?.close().catch(() => {});
    const exits = stack ? Object.fromEntries(Object.entries(stack.services).map(([k, s]) => [k, s.exits.map(({ tail: _tail, ...e }) => e)])) : {};
    if (stack) for (const [k, svc] of Object.entries(stack.services)) writeResults(svc.output(), `${k}.log`);
    await stack?.stop();
    const totalMs = Date.now() - SUITE_START;
    const out = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      config: CFG,
      setupMs,
      totalMs,
      steadyP95,
      thresholdMs,
      exits,
      scenarios: results.map(({ latency, ...r }) => ({ ...r, latency: latency && { ...latency, buckets: latency.buckets.map((b) => ({ t: Math.round((b.start - r.window.start) / 1000), n: b.expected, ok: b.arrived, p50: b.p50, p95: b.p95, http95: b.httpP95 })) } })),
    };
    const file = writeResults(out);
    console.log(`\n${table(results)}\n\n${results.map(detail).join('\n\n')}\n\nchaos suite: ${(totalMs / 1000).toFixed(0)} s in all; results in ${file}`);
  }, 120_000);

  it('steady state: nothing lost, duplicated or late without faults (the baseline)', { timeout: 300_000 }, async () => {
    const base = await runScenario({
      key: '0',
      title: '0. steady (no fault)',
      injected: 'nothing',
      estimateMs: 30_000,
      expectReady: [],
      async inject() {
        await sleep(CFG.baselineMs);
        // The steady figures: every probe of the warm-up and the baseline, once all have arrived.
        await sleep(3000);
        const s = book.summary(load.itemsBetween(windowStart + CFG.warmMs, Date.now() - 3000));
        steadyP95 = s.p95;
        // "Back to steady": p95 of a second's probes within 3× the steady p95, at least 1 s; capped
        // at 5 s, so a machine too busy for the rates cannot pass by lowering the bar.
        thresholdMs = Math.min(MAX_THRESHOLD_MS, Math.max(1000, Math.ceil(3 * s.p95)));
        if (!(s.p95 <= MAX_STEADY_P95_MS)) {
          steadyProblem = `steady p95 ${s.p95} ms is over ${MAX_STEADY_P95_MS} ms: the machine does not sustain these rates now`;
        }
        log(`steady: ${s.arrived}/${s.frames} frames, p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms → recovery threshold p95 ≤ ${thresholdMs} ms`);
        const now = Date.now();
        return { faultStart: now, faultEnd: now };
      },
    });
    if (steadyProblem) base.failures.push(steadyProblem);
    assertScenario(base);
  });

  for (const s of SCENARIOS.filter((x) => only.includes(x.key))) {
    it(s.title, { timeout: 300_000 }, async () => {
      assertScenario(await runScenario(s));
    });
  }
});
