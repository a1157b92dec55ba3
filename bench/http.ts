/**
 * post-service request path benchmark (a script, not a test): `npm run bench:http -- [flags]`.
 *
 * Starts post-service as its own process in real mode (fresh database from createTestDatabase,
 * RabbitMQ 127.0.0.1:5672 with a unique exchange and queue prefix), seeds two users and a post, then
 * drives `POST /api/v1/posts/:id/comments` with autocannon for a fixed time on fixed connections:
 * straight to post-service, through the gateway (its own process too), and against a bare fastify + pg
 * baseline (lib/http-baseline-server.ts: one transaction inserting the comment and its outbox row).
 * CPU per request is each process's user + system time from /proc/<pid>/stat over the measured run
 * divided by the 201s; PostgreSQL's is that of the run database's backends. Each target gets an
 * unmeasured warm-up first. Traffic stays on 127.0.0.0/8; everything started or created is stopped
 * (by pid) or removed at the end, also on Ctrl-C and at --max-seconds. About a minute with the defaults.
 *
 * Flags: --seconds S (10) measured time per target, --warmup S (3), --connections N (10),
 * --no-gateway, --no-baseline, --mention (the comment @-mentions the post's author: one more lookup
 * and a mention row), --profile DIR (a V8 CPU profile of post-service over the direct run, for
 * `npx tsx bench/profile-summary.ts DIR/post-service-comments.cpuprofile`), --max-seconds S (240).
 * Results and their reading: docs/performance.md, "post-service request path".
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { generateTokenKeys, TokenSigner, uuidv7 } from '@herald/platform';
import { createTestDatabase, freePort } from '@herald/platform/testing';
import { sleep, waitUntil } from './lib/clock.js';
import { CpuWindow, cpuSeconds, machineCpu, profiled, rssBytes, startProcess, waitReady, type Proc } from './lib/proc.js';
import { AMQP_URL, deleteBrokerObjects } from './lib/stack.js';
import { latency, mib, table } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    'no-gateway': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    mention: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'max-seconds': { type: 'string', default: '240' },
  },
});
const seconds = Number(flags.seconds);
const warmup = Number(flags.warmup);
const connections = Number(flags.connections);
const maxSeconds = Number(flags['max-seconds']);
for (const [name, v] of Object.entries({ seconds, warmup, connections, 'max-seconds': maxSeconds })) {
  if (!Number.isFinite(v) || v < 0 || (name !== 'warmup' && v === 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(64);
  }
}

const log = (message: string) => console.log(`[${process.uptime().toFixed(1)} s] ${message}`);

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((err) => console.error('cleanup:', err));
  })());
const abort = async (why: string, code: number) => {
  console.error(why);
  await cleanup();
  process.exit(code);
};
const limit = setTimeout(() => void abort(`--max-seconds ${maxSeconds} reached: stopping and cleaning up`, 2), maxSeconds * 1000);
process.once('SIGINT', () => void abort('interrupted: cleaning up', 130));
process.once('SIGTERM', () => void abort('terminated: cleaning up', 143));

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The processes whose CPU is charged to each request: [label, proc]. */
  procs: [string, Proc][];
}

interface Measured {
  name: string;
  ok: number;
  failed: number;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: Record<string, number>;
  rss: Record<string, number>;
  loadToolMsPerRequest: number;
  machineBusy: number;
  /** The busiest processes that are not ours nor the shared servers: someone else's load. */
  others: string[];
}

/** The run database's backends (the pools are warm by then), so other databases' work is not counted. */
async function backendPids(admin: pg.Pool, dbName: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
  return rows.map((r) => r.pid);
}

const cpuOf = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum; // a backend that went away: its last ticks are lost
    }
  }, 0);

async function fire(target: Target, body: string, durationSeconds: number, onResponse?: (ms: number) => void) {
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    connections,
    pipelining: 1,
    duration: durationSeconds,
    timeout: 10,
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
  });
  if (onResponse) instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => status === 201 && onResponse(ms));
  return instance;
}

async function measure(target: Target, body: string, admin: pg.Pool, dbName: string, profileBase?: string): Promise<Measured> {
  if (warmup > 0) await fire(target, body, warmup);
  await sleep(300);
  const pgPids = await backendPids(admin, dbName);
  const procs: [string, number[]][] = [...target.procs.map(([label, p]) => [label, [p.pid]] as [string, number[]]), ['PostgreSQL', pgPids]];
  const latencies: number[] = [];
  const run = async () => {
    const window = new CpuWindow({ bench: process.pid, ...Object.fromEntries(target.procs.map(([label, p]) => [label, p.pid])) });
    const before = procs.map(([, pids]) => cpuOf(pids));
    const machine0 = machineCpu();
    const self0 = process.cpuUsage();
    const result = await fire(target, body, seconds, (ms) => latencies.push(ms));
    const self = process.cpuUsage(self0);
    const machine1 = machineCpu();
    const after = procs.map(([, pids]) => cpuOf(pids));
    const { others } = window.end();
    return { result, cpu: after.map((a, i) => a - before[i]!), self, others, machineBusy: (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total) };
  };
  const profiledProc = target.procs[target.procs.length - 1]![1];
  const { result, cpu, self, machineBusy, others } = profileBase ? await profiled(profiledProc, profileBase, run) : await run();
  const ok = result['2xx'];
  const stats = latency(latencies);
  return {
    name: target.name,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    rps: ok / result.duration,
    p50: stats.p50,
    p99: stats.p99,
    cpuMsPerRequest: Object.fromEntries(procs.map(([label], i) => [label, (cpu[i]! * 1000) / Math.max(1, ok)])),
    rss: Object.fromEntries(target.procs.map(([label, p]) => [label, rssBytes(p.pid)])),
    loadToolMsPerRequest: (self.user + self.system) / 1000 / Math.max(1, ok),
    machineBusy,
    others,
  };
}

async function main(): Promise<void> {
  const id = uuidv7().slice(-8);
  const exchange = `herald.events.bench-http.${id}`;
  const queuePrefix = `bench-http.${id}.`;
  const keys = generateTokenKeys();
  const db = await createTestDatabase('bench_http');
  cleanups.push(() => db.drop());
  cleanups.push(() => deleteBrokerObjects([exchange], [`${queuePrefix}post-service.users`]));
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  cleanups.push(() => admin.end());
  const env = { DATABASE_URL: db.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE_PREFIX: queuePrefix, JWT_PUBLIC_KEY: keys.publicKey, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  const started: Proc[] = [];
  cleanups.push(() => Promise.all(started.map((p) => p.stop())).then(() => undefined));
  const start = (name: string, entry: string, extra: Record<string, string>, inspect = false) => {
    const proc = startProcess(name, entry, { env: { ...env, ...extra }, inspect });
    started.push(proc);
    return proc;
  };

  const pPort = await freePort();
  const posts = start('post-service', 'post-service/src/main.ts', { PORT: String(pPort) }, Boolean(flags.profile));
  const pUrl = `http://127.0.0.1:${pPort}`;
  await waitReady(posts, pUrl);
  log(`post-service pid ${posts.pid} ready on ${pUrl} (database ${db.name}, exchange ${exchange})`);

  // Seed: two projected users (as user.registered would leave them) and the author's post, through the API.
  const signer = new TokenSigner(keys.privateKey, 3600);
  const user = (name: string) => ({ id: uuidv7(), username: `${name}_${id}`, displayName: `${name} ${id}` });
  const author = user('author');
  const commenter = user('commenter');
  for (const u of [author, commenter]) {
    await admin.query('INSERT INTO posts.users (id, username, username_lower, display_name, updated_at) VALUES ($1, $2, $3, $4, now())', [u.id, u.username, u.username.toLowerCase(), u.displayName]);
  }
  const token = (u: typeof author) => signer.sign({ userId: u.id, username: u.username, scopes: [] });
  const res = await fetch(`${pUrl}/api/v1/posts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token(author)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'A post to comment on, for the HTTP benchmark.' }),
  });
  if (res.status !== 201) throw new Error(`seed POST /api/v1/posts: ${res.status} ${await res.text()}`);
  const postId = ((await res.json()) as { post: { id: string } }).post.id;
  const body = JSON.stringify({ text: flags.mention ? `Nice one @${author.username}, thanks for writing this up.` : 'Nice one, thanks for writing this up.' });
  const auth = { authorization: `Bearer ${token(commenter)}` };
  const commentPath = `/api/v1/posts/${postId}/comments`;

  const targets: Target[] = [{ name: 'post-service, direct', url: pUrl + commentPath, headers: auth, procs: [['post-service', posts]] }];
  if (!flags['no-gateway']) {
    const gPort = await freePort();
    const gateway = start('gateway', 'gateway/src/main.ts', {
      PORT: String(gPort),
      METRICS_PORT: 'off',
      USER_SERVICE_URL: 'http://127.0.0.1:1',
      POST_SERVICE_URL: pUrl,
      NOTIFICATION_SERVICE_URL: 'http://127.0.0.1:1',
      READY_CHECKS_UPSTREAMS: 'false',
      RATE_LIMIT_ENABLED: 'false',
    });
    const gUrl = `http://127.0.0.1:${gPort}`;
    await waitReady(gateway, gUrl);
    targets.push({ name: 'post-service, through the gateway', url: gUrl + commentPath, headers: auth, procs: [['gateway', gateway], ['post-service', posts]] });
  }
  if (!flags['no-baseline']) {
    const bPort = await freePort();
    const baseline = start('http-baseline', 'bench/lib/http-baseline-server.ts', { PORT: String(bPort), AUTHOR_ID: commenter.id });
    const bUrl = `http://127.0.0.1:${bPort}`;
    await waitReady(baseline, bUrl);
    targets.push({ name: 'baseline: bare fastify + pg', url: bUrl + commentPath, headers: {}, procs: [['baseline', baseline]] });
  }

  if (flags.profile) mkdirSync(flags.profile, { recursive: true });
  const results: Measured[] = [];
  for (const target of targets) {
    log(`${target.name}: ${warmup} s warm-up, then ${seconds} s on ${connections} connections`);
    const profileBase = flags.profile && target.name === 'post-service, direct' ? path.join(flags.profile, 'post-service-comments') : undefined;
    results.push(await measure(target, body, admin, db.name, profileBase));
  }

  // Every 201 left one comment row and one published outbox event (post-service's own tables).
  const count = async (sql: string) => Number((await admin.query<{ n: string }>(sql)).rows[0]!.n);
  await waitUntil(async () => (await count('SELECT count(*) AS n FROM posts.outbox WHERE published_at IS NULL')) === 0, 'the outbox relay to publish everything', 30_000, 200);
  const comments = await count('SELECT count(*) AS n FROM posts.comments');
  const events = await count("SELECT count(*) AS n FROM posts.outbox WHERE routing_key = 'comment.created'");

  const fmt = (v: number | undefined, digits = 2) => (v === undefined || Number.isNaN(v) ? '' : v.toFixed(digits));
  console.log(
    `\nPOST /api/v1/posts/:id/comments, ${connections} connections, ${seconds} s each after ${warmup} s warm-up (autocannon ${autocannonVersion()}, node ${process.version}), ${new Date().toISOString().slice(0, 16).replace('T', ' ')}\n`,
  );
  console.log(
    table(
      ['target', 'requests/s', 'p50 / p99', 'CPU ms/request: service', 'gateway', 'PostgreSQL backends', 'RSS (service / gateway)', 'non-201', 'machine busy'],
      results.map((r) => {
        const service = r.cpuMsPerRequest['post-service'] ?? r.cpuMsPerRequest.baseline;
        const rss = [r.rss['post-service'] ?? r.rss.baseline, r.rss.gateway].filter((v) => v !== undefined).map(mib).join(' / ');
        return [
          r.name,
          Math.round(r.rps).toLocaleString('en-US'),
          `${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} ms`,
          `**${fmt(service)}**`,
          fmt(r.cpuMsPerRequest.gateway),
          fmt(r.cpuMsPerRequest.PostgreSQL),
          rss,
          String(r.failed),
          `${Math.round(r.machineBusy * 100)}%`,
        ];
      }),
    ),
  );
  for (const r of results) if (r.others.length > 0) console.log(`busiest other processes during ${r.name}: ${r.others.join(', ')}`);
  console.log(`\nload tool (autocannon, in the bench process) CPU ms/request: ${results.map((r) => `${r.name} ${fmt(r.loadToolMsPerRequest)}`).join('; ')}`);
  console.log(`post-service after every run (warm-ups included): ${comments} comment rows, ${events} comment.created events, all published`);
  if (flags.profile) console.log(`profile: ${path.join(flags.profile, 'post-service-comments.cpuprofile')} (npx tsx bench/profile-summary.ts FILE)`);
}

function autocannonVersion(): string {
  return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  clearTimeout(limit);
  await cleanup();
}
