/**
 * Herald fan-out benchmark (a script, not a test): `npm run bench -- [flags]` (see bench/README.md).
 *
 * Starts post-service and notification-service as their own processes against the real PostgreSQL,
 * RabbitMQ and Redis (fresh database, unique exchanges, queue and key prefixes), seeds N followers of
 * one author through the real user.registered / user.followed events, connects N WebSocket clients
 * from a separate process, and measures: one post's burst to every follower, sustained fan-out of
 * several posts, steady 1:1 traffic, and memory per idle socket; then the same burst on a bare
 * socket.io server and a bare ws server in the same run. Traffic stays on 127.0.0.0/8, every phase is
 * bounded, and everything started or created is removed at the end (or at --max-seconds).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AmqpEventBus } from '@herald/platform';
import { parseArgs } from './lib/args.js';
import { runBaseline, type BaselineResult } from './lib/baseline.js';
import { ClientWorker } from './lib/clients.js';
import { connectHerald, heraldBurst, type HeraldBurst } from './lib/herald.js';
import { benchLatencyInput, latencySvg } from './lib/latency-svg.js';
import { render, type Results } from './lib/report.js';
import { makeUsers, seed } from './lib/seed.js';
import { profiled } from './lib/proc.js';
import { AMQP_URL, REDIS_URL, startStack } from './lib/stack.js';
import { steadyViaBus, steadyViaHttp } from './lib/steady.js';
import { kib, mib, ms } from './lib/stats.js';

const args = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(64);
  }
})();

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) await step().catch((err) => console.error('cleanup:', err));
  })());
let aborted = false;
const abort = async (why: string, code: number) => {
  aborted = true;
  console.error(why);
  await cleanup();
  process.exit(code);
};
const limit = setTimeout(() => void abort(`--max-seconds ${args.maxSeconds} reached: stopping and cleaning up`, 2), args.maxSeconds * 1000);
process.once('SIGINT', () => void abort('interrupted: cleaning up', 130));
process.once('SIGTERM', () => void abort('terminated: cleaning up', 143));

const log = (message: string) => console.log(`[${(process.uptime()).toFixed(1)} s] ${message}`);

/** The soft open-files limit: each client socket is one fd in the worker and one in the server (two in a gateway). */
function checkOpenFiles(n: number): void {
  const soft = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  const need = (args.viaGateway ? 2 * n : n) + 1_000;
  if (need > soft) throw new Error(`${n} clients${args.viaGateway ? ' through the gateway' : ''} need about ${need} open files per process; the limit is ${soft} (ulimit -n)`);
}

async function main(): Promise<void> {
  const n = args.clients;
  checkOpenFiles(n);
  const cpus = os.cpus();
  log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${mib(os.totalmem())} RAM, Node ${process.version}, ${os.type()} ${os.release()}`);
  log(`run: ${process.argv.slice(2).join(' ') || '(defaults)'} → ${JSON.stringify(args)}`);

  const stack = await startStack({ chunkSize: args.chunkSize, viaGateway: args.viaGateway });
  cleanups.push(stack.teardown);
  log(`stack up: notification-service pid ${stack.notifications.proc.pid} ${stack.notifications.url}, post-service pid ${stack.posts.proc.pid}, database ${stack.db.name}, exchange ${stack.exchange}`);

  const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: stack.exchange, connectionName: 'bench publisher' });
  cleanups.push(() => bus.close());
  const { author, followers } = makeUsers(n, stack.id, stack.keys.privateKey);

  // Clients first: a socket needs only a valid token, and memory per socket is then read against the
  // freshly started service, not against one still holding pages from digesting 20,000 seed events.
  const worker = ClientWorker.start({ lean: args.leanClients });
  cleanups.push(() => worker.stop());
  const addresses = Array.from({ length: args.addresses }, (_, i) => `127.0.0.${i + 2}`);
  const connect = await connectHerald(stack, worker, followers, addresses);
  if (connect.failed > 0) throw new Error(`${connect.failed} of ${n} Herald clients failed to connect: ${connect.firstError}`);
  log(`${connect.connected} clients connected${stack.gateway ? ' through the gateway' : ''} in ${ms(connect.connectMs)}; per idle socket (marginal): RSS ${kib(connect.memory.rss)}, heap+external ${kib(connect.memory.heap)}; from a fresh process: RSS ${kib(connect.fromStart.rss)}, heap+external ${kib(connect.fromStart.heap)}`);

  const seeded = await seed({ bus, pool: stack.pool, notificationsUrl: stack.notifications.url, author, followers, timeoutMs: 600_000 });
  await stack.quiet(120_000);
  log(`seeded ${n + 1} users in ${ms(seeded.registerMs)} and ${n} follows through events`);

  // `bench` is this process: the publisher of the steady phases and the HTTP client of post-service.
  const procs: Record<string, number> = { 'notification-service': stack.notifications.proc.pid, 'post-service': stack.posts.proc.pid, clients: worker.proc.pid, bench: process.pid };
  if (stack.gateway) procs.gateway = stack.gateway.proc.pid;
  const prof = (name: string) => (args.profile ? path.resolve(args.profile, name) : undefined);
  if (args.profile) mkdirSync(args.profile, { recursive: true });
  const bursts: HeraldBurst[] = [];
  for (let i = 0; i < args.bursts; i++) {
    if (i > 0) await stack.quiet(120_000);
    // The second burst is profiled when there is one: the first also measures JIT warm-up.
    const b = await profiled(stack.notifications.proc, i === Math.min(1, args.bursts - 1) ? prof('burst') : undefined, () => heraldBurst(stack, worker, author, n, 1, procs));
    bursts.push(b);
    log(`burst ${i + 1}/${args.bursts}: ${b.received}/${n} frames, p50 ${ms(b.latency.p50)}, p99 ${ms(b.latency.p99)}, all ${ms(b.allMs)}, rows ${ms(b.rowsMs)}; CPU s notification-service ${b.cpu.seconds['notification-service']!.toFixed(2)}, postgres ${b.cpu.seconds.postgres!.toFixed(2)}, clients ${b.cpu.seconds.clients!.toFixed(2)}`);
  }
  // The median burst by time to the last frame (a burst with missing frames counts as the slowest).
  const burst = [...bursts].sort((a, b) => (Number.isNaN(a.allMs) ? Infinity : a.allMs) - (Number.isNaN(b.allMs) ? Infinity : b.allMs))[Math.floor((bursts.length - 1) / 2)]!;
  await stack.quiet(120_000);
  const sustained = await profiled(stack.notifications.proc, prof('sustained'), () => heraldBurst(stack, worker, author, n, args.posts, procs));
  log(`sustained: ${args.posts} posts, ${sustained.received}/${n * args.posts} frames in ${ms(sustained.allMs)}, rows in ${ms(sustained.rowsMs)}`);
  await stack.quiet(120_000);
  const steadyBus = await profiled(stack.notifications.proc, prof('steady'), () => steadyViaBus(bus, worker, followers, args.rate, args.seconds, procs));
  log(`steady (exchange): ${steadyBus.sent} sent, ${steadyBus.received} arrived, p50 ${ms(steadyBus.latency.p50)}, p99 ${ms(steadyBus.latency.p99)}`);
  let steadyHttp;
  if (args.httpRate > 0) {
    await stack.quiet(300_000);
    steadyHttp = await steadyViaHttp(stack.posts.url, worker, followers, args.httpRate, args.httpSeconds, procs);
    log(`steady (HTTP): ${steadyHttp.sent} sent, ${steadyHttp.received} arrived, p50 ${ms(steadyHttp.latency.p50)}, p99 ${ms(steadyHttp.latency.p99)}`);
  }
  await stack.quiet(300_000);
  await worker.call({ cmd: 'close' });

  let socketio: BaselineResult | undefined;
  let ws: BaselineResult | undefined;
  let hub: BaselineResult | undefined;
  if (args.baselines) {
    const hubEnv = { JWT_PUBLIC_KEY: stack.keys.publicKey, REDIS_URL, REDIS_PREFIX: `${stack.redisPrefix}hub:` };
    hub = await runBaseline('hub', worker, followers, author, addresses, hubEnv, prof('hub'));
    log(`Herald live hub alone: ${hub.burst.received}/${hub.connected}, p99 ${ms(hub.burst.latency.p99)}, all ${ms(hub.burst.allMs)}`);
    socketio = await runBaseline('socketio', worker, followers, author, addresses, hubEnv, prof('socketio'));
    log(`socket.io: ${socketio.burst.received}/${socketio.connected}, p99 ${ms(socketio.burst.latency.p99)}, all ${ms(socketio.burst.allMs)}`);
    ws = await runBaseline('ws', worker, followers, author, addresses, hubEnv, prof('ws'));
    log(`bare ws: ${ws.burst.received}/${ws.connected}, p99 ${ms(ws.burst.latency.p99)}, all ${ms(ws.burst.allMs)}`);
  }

  const results: Results = { clients: n, posts: args.posts, connect, burst, bursts, sustained, steadyBus, steadyHttp, socketio, ws, hub, rate: args.rate, httpRate: args.httpRate };
  console.log(`\n${render(results)}\n`);
  if (args.svg) {
    const file = path.resolve(args.svg);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, latencySvg(benchLatencyInput(results, new Date())));
    log(`latency CDFs: ${path.relative(process.cwd(), file) || file}`);
  }
  console.log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
}

main()
  .then(async () => {
    clearTimeout(limit);
    await cleanup();
    log('cleaned up');
  })
  .catch(async (err) => {
    clearTimeout(limit);
    // After an abort, the phase under way fails because its processes were stopped: not news.
    if (!aborted) console.error(err);
    await cleanup();
    process.exitCode = 1;
  });
