// Draws docs/dashboard.png from monitoring/grafana/dashboards/herald.json with real data, where
// Grafana is not at hand: starts Herald's four services as their own processes (as deployed, on
// local PostgreSQL, RabbitMQ and Redis), a Prometheus that scrapes them and RabbitMQ's plugin, drives
// a few minutes of traffic through the gateway's HTTP API and WebSockets (users, follows, posts,
// comments, likes, messages, sends by email and SMS to local sinks, one email provider down, one
// malformed event), evaluates every panel's queries with Prometheus's query_range API, lays the
// panels out by their gridPos as SVG, and screenshots the page in Chromium.
//
//   node scripts/render-dashboard.mjs [--seconds 150] [--out docs/dashboard.png]
//
// Needs `prometheus` on the PATH (Debian package `prometheus`), Chromium at CHROMIUM
// (/usr/bin/chromium), and the servers named by these variables (defaults in brackets):
//   PG_ADMIN_URL [postgresql://postgres@127.0.0.1:5432/postgres]  a database is created and dropped
//   AMQP_URL [amqp://guest:guest@127.0.0.1:5672]                 a unique exchange; queues under QUEUE_PREFIX
//   RABBITMQ_METRICS_URL [http://127.0.0.1:15692]               rabbitmq_prometheus (queue panels; optional)
//   REDIS_URL [redis://127.0.0.1:6379]                           keys under a unique prefix
//   QUEUE_PREFIX [dash.<random>.]                                '' on a broker of its own gives plain queue names
// Every process it starts is stopped by its pid at the end (also on failure or Ctrl+C); traffic goes
// to 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import WebSocket from 'ws';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '150' }, out: { type: 'string', default: 'docs/dashboard.png' } } });
const SECONDS = Number(args.seconds);
const OUT = path.resolve(ROOT, args.out);
const env = process.env;
const PG_ADMIN_URL = env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const AMQP_URL = env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RABBITMQ_METRICS_URL = env.RABBITMQ_METRICS_URL ?? 'http://127.0.0.1:15692';
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHROMIUM = env.CHROMIUM ?? '/usr/bin/chromium';
const id = randomBytes(4).toString('hex');
const QUEUE_PREFIX = env.QUEUE_PREFIX ?? `dash.${id}.`;
const EXCHANGE = `herald.events.dash.${id}`;
const RATE_INTERVAL = '30s'; // Grafana's $__rate_interval for a 5 s scrape interval
const SCRAPE_SECONDS = 5;

const work = mkdtempSync(path.join(tmpdir(), 'herald-dashboard-'));
const children = []; // { name, child }
const cleanups = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[render-dashboard ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function freePort() {
  const server = createNetServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function waitFor(what, check, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch { /* not yet */ }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function startProcess(name, command, argv, extraEnv) {
  const child = spawn(command, argv, { cwd: ROOT, env: { ...env, LOG_LEVEL: 'warn', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-8000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-8000)));
  children.push({ name, child, output: () => output });
  return child;
}

/** SIGTERM each child by its pid, newest first; SIGKILL whatever is left after 10 s. */
async function stopAll() {
  for (const { name, child } of children.splice(0).reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await exited;
    clearTimeout(timer);
    log(`stopped ${name} (pid ${child.pid})`);
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err) => log('cleanup failed:', err.message));
  rmSync(work, { recursive: true, force: true });
}
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

// ---- the stack -----------------------------------------------------------------------------
async function startHerald() {
  const database = `herald_dashboard_${id}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.end();
  });
  const databaseUrl = Object.assign(new URL(PG_ADMIN_URL), { pathname: `/${database}` }).toString();
  cleanups.push(() => deleteTopology());

  // Out-of-band sinks: an SMTP server that accepts everything, a Twilio-like SMS API that answers
  // 201 (and 503 now and then), and a primary SMTP address nothing listens on (its breaker opens).
  const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, onData(stream, _s, done) { stream.resume(); stream.on('end', () => done()); } });
  const smtpPort = await freePort();
  await new Promise((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => smtp.close(r)));
  const sms = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (Math.random() < 0.1) res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":20500,"message":"busy"}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued' }));
    });
  });
  const smsPort = await freePort();
  await new Promise((r) => sms.listen(smsPort, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => sms.close(r)));
  const deadPort = await freePort();

  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sendKey = `hk_${randomBytes(20).toString('hex')}`;
  const common = {
    DATABASE_URL: databaseUrl, AMQP_URL, AMQP_EXCHANGE: EXCHANGE, AMQP_WORK_EXCHANGE: `${EXCHANGE}.work`, AMQP_QUEUE_PREFIX: QUEUE_PREFIX,
    REDIS_URL, REDIS_PREFIX: `herald:dash:${id}:`, JWT_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }), HOST: '127.0.0.1',
  };
  const ports = { 'user-service': await freePort(), 'post-service': await freePort(), 'notification-service': await freePort(), gateway: await freePort() };
  const metricsPort = await freePort();
  const extra = {
    'user-service': { JWT_PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
    'post-service': {},
    'notification-service': {
      SEND_API_KEYS: `dashboard:${sendKey}:send`, FALLBACK_DELAY_MS: '4000', TRACKING_SECRET: randomBytes(24).toString('hex'),
      SMTP_URL: `smtp://127.0.0.1:${deadPort}`, SMTP_FALLBACK_URL: `smtp://127.0.0.1:${smtpPort}`,
      SMS_PROVIDER_URL: `http://127.0.0.1:${smsPort}`, SMS_ACCOUNT_SID: 'AC00000000000000000000000000000000', SMS_AUTH_TOKEN: 'dashboard', SMS_FROM: '+15005550006',
      CHANNEL_RETRY_BASE_MS: '500', CHANNEL_RETRY_MAX_MS: '5000',
    },
    gateway: {
      USER_SERVICE_URL: `http://127.0.0.1:${ports['user-service']}`, POST_SERVICE_URL: `http://127.0.0.1:${ports['post-service']}`,
      NOTIFICATION_SERVICE_URL: `http://127.0.0.1:${ports['notification-service']}`, METRICS_PORT: String(metricsPort),
      RATE_LIMIT_PREFIX: `herald:dash:${id}:rl:`, RATE_LIMIT_AUTH_PER_MINUTE: '100000', RATE_LIMIT_IP_PER_MINUTE: '1000000', RATE_LIMIT_USER_PER_MINUTE: '1000000',
    },
  };
  for (const name of ['user-service', 'post-service', 'notification-service', 'gateway']) {
    startProcess(name, process.execPath, ['--conditions=development', '--import', 'tsx', path.join(ROOT, name, 'src', 'main.ts')], { ...common, ...extra[name], PORT: String(ports[name]) });
    await waitFor(`${name} /readyz`, async () => {
      const child = children.at(-1);
      if (child.child.exitCode !== null) throw Object.assign(new Error(`${name} exited:\n${child.output()}`), { fatal: true });
      return (await fetch(`http://127.0.0.1:${ports[name]}/readyz`)).ok;
    }).catch((err) => { throw new Error(`${err.message}\n${children.at(-1).output()}`); });
    log(`${name} ready on ${ports[name]} (pid ${children.at(-1).child.pid})`);
  }
  const targets = {
    'user-service': `127.0.0.1:${ports['user-service']}`, 'post-service': `127.0.0.1:${ports['post-service']}`,
    'notification-service': `127.0.0.1:${ports['notification-service']}`, gateway: `127.0.0.1:${metricsPort}`,
  };
  return { gatewayUrl: `http://127.0.0.1:${ports.gateway}`, targets, sendKey };
}

async function deleteTopology() {
  const conn = await amqp.connect(AMQP_URL);
  conn.on('error', () => {});
  const queues = ['user-service.address-bounces', 'post-service.users', 'notification-service.events', 'notification-service.fanout',
    ...['email', 'sms', 'slack', 'push', 'urgent'].map((c) => `notification-service.channel.${c}`)];
  try {
    for (const base of queues.map((q) => QUEUE_PREFIX + q)) {
      for (const name of [base, `${base}.dlq`, ...[1000, 5000, 30000, 120000, 600000].map((ms) => `${base}.retry.${ms}`)]) {
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        await ch.deleteQueue(name).catch(() => {});
        await ch.close().catch(() => {});
      }
    }
    for (const exchange of [EXCHANGE, `${EXCHANGE}.work`]) {
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteExchange(exchange).catch(() => {});
      await ch.close().catch(() => {});
    }
  } finally {
    await conn.close().catch(() => {});
  }
}

async function startPrometheus(targets) {
  const port = await freePort();
  const rabbit = await fetch(`${RABBITMQ_METRICS_URL}/metrics/per-object`).then((r) => r.ok, () => false);
  if (!rabbit) log(`no RabbitMQ metrics at ${RABBITMQ_METRICS_URL}: the queue panels will show no data`);
  const jobs = Object.entries(targets).map(([job, target]) => ({ job_name: job, static_configs: [{ targets: [target] }] }));
  if (rabbit) jobs.push({ job_name: 'rabbitmq', metrics_path: '/metrics/per-object', static_configs: [{ targets: [new URL(RABBITMQ_METRICS_URL).host] }] });
  const config = path.join(work, 'prometheus.yml');
  writeFileSync(config, JSON.stringify({ global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s` }, scrape_configs: jobs }));
  mkdirSync(path.join(work, 'tsdb'));
  startProcess('prometheus', 'prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(work, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'], {});
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus /-/ready', async () => (await fetch(`${url}/-/ready`)).ok);
  log(`prometheus ready on ${port} (pid ${children.at(-1).child.pid})`);
  return url;
}

// ---- traffic -------------------------------------------------------------------------------
async function traffic(gatewayUrl, sendKey, seconds) {
  const call = async (method, route, body, token, headers = {}) => {
    const res = await fetch(new URL(route, gatewayUrl), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const people = [];
  for (let i = 0; i < 16; i++) {
    const username = `dash_${id}_${i}`;
    const res = await call('POST', '/api/v1/auth/register', { username, email: `${username}@example.test`, password: 'correct horse battery', phone: `+1415555${String(100 + i).padStart(4, '0')}` });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    people.push({ id: res.body.user.id, username, token: res.body.accessToken });
  }
  // Half of them also want SMS; everyone follows the first two.
  for (const p of people.slice(8)) await call('PUT', '/api/v1/users/me/preferences', { channels: { in_app: true, email: true, sms: true } }, p.token);
  for (const p of people.slice(2)) for (const star of people.slice(0, 2)) await call('POST', `/api/v1/users/${star.id}/follow`, undefined, p.token);
  // Sockets for ten people (two each for some): they read what they are sent, so fallbacks stay rare for them.
  const sockets = [];
  for (const p of [...people.slice(0, 10), ...people.slice(0, 4)]) {
    const ws = new WebSocket(`${gatewayUrl.replace('http', 'ws')}/ws`, ['bearer', `bearer.${p.token}`]);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'notification' && Math.random() < 0.7) setTimeout(() => ws.readyState === 1 && ws.send(JSON.stringify({ type: 'read', ids: [frame.notification.id] })), 500);
    });
    ws.on('error', () => {});
    sockets.push(ws);
    await new Promise((r) => ws.once('open', r));
  }
  log(`${people.length} people, ${sockets.length} sockets; traffic for ${seconds} s`);
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  const posts = [];
  const until = Date.now() + seconds * 1000;
  let tick = 0;
  while (Date.now() < until) {
    tick++;
    const busy = tick % 40 > 25 ? 3 : 1; // bursts now and then
    const jobs = [];
    for (let b = 0; b < busy; b++) {
      const author = Math.random() < 0.5 ? pick(people.slice(0, 2)) : pick(people);
      jobs.push(call('POST', '/api/v1/posts', { text: `Update ${tick}.${b}${Math.random() < 0.3 ? ` for @${pick(people).username}` : ''}` }, author.token).then((r) => r.status === 201 && posts.push(r.body.post.id)));
      if (posts.length) {
        const post = pick(posts.slice(-20));
        jobs.push(call('POST', `/api/v1/posts/${post}/comments`, { text: 'Nice one' }, pick(people).token));
        jobs.push(call('POST', `/api/v1/posts/${post}/likes`, undefined, pick(people).token));
        jobs.push(call('GET', `/api/v1/posts/${post}`, undefined, pick(people).token));
      }
      jobs.push(call('GET', '/api/v1/notifications?limit=20', undefined, pick(people).token));
      if (Math.random() < 0.3) jobs.push(call('POST', '/api/v1/messages', { toUserId: pick(people).id, text: 'Tea on Thursday?' }, pick(people).token));
      if (Math.random() < 0.2) jobs.push(call('GET', `/api/v1/posts/${randomBytes(4).toString('hex')}`, undefined, pick(people).token)); // 400s
    }
    if (tick % 6 === 0) {
      const recipients = [...new Set([pick(people), pick(people.slice(8)), pick(people.slice(10))].map((p) => p.id))];
      jobs.push(call('POST', '/api/v1/notifications', { recipients, type: 'alert', title: 'Card expiring', body: 'Your card expires this month.', channels: ['in_app', 'email', 'sms'] }, undefined, { 'x-api-key': sendKey }));
    }
    if (tick === 20) await publishMalformedEvent();
    await Promise.all(jobs);
    await sleep(1000);
  }
  for (const ws of sockets) ws.close(1000);
}

/** One event no handler can read: notification-service dead-letters it (the DLQ panel). */
async function publishMalformedEvent() {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createConfirmChannel();
  ch.publish(EXCHANGE, 'post.created', Buffer.from('{"not":"an event"}'), { contentType: 'application/json', persistent: true, messageId: randomBytes(8).toString('hex') });
  await ch.waitForConfirms();
  await conn.close();
}

// ---- rendering -----------------------------------------------------------------------------
const PALETTE = ['#73BF69', '#F2CC0C', '#8AB8FF', '#FF780A', '#F2495C', '#5794F2', '#B877D9', '#705DA0', '#37872D', '#FADE2A', '#447EBC', '#C15C17', '#890F02', '#0A437C', '#6D1F62', '#584477'];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

async function queryRange(prometheusUrl, expr, start, end, step) {
  const url = new URL('/api/v1/query_range', prometheusUrl);
  url.search = new URLSearchParams({ query: expr.replaceAll('$__rate_interval', RATE_INTERVAL), start: String(start), end: String(end), step: String(step) }).toString();
  const body = await (await fetch(url)).json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

function formatValue(v, unit, decimals) {
  if (!Number.isFinite(v)) return '';
  const fixed = (n, d) => (decimals !== undefined ? n.toFixed(decimals) : String(Number(n.toPrecision(3))));
  const abs = Math.abs(v);
  switch (unit) {
    case 's':
      if (v === 0) return '0 s';
      if (abs < 1e-3) return `${fixed(v * 1e6)} µs`;
      if (abs < 1) return `${fixed(v * 1e3)} ms`;
      return `${fixed(v)} s`;
    case 'percentunit': return `${fixed(v * 100)}%`;
    case 'ops': return `${short(v)} ops/s`;
    case 'reqps': return `${short(v)} req/s`;
    default: return decimals === 0 ? short(Math.round(v)) : short(v);
  }
  function short(n) {
    const a = Math.abs(n);
    if (a >= 1e6) return `${Number((n / 1e6).toPrecision(3))} M`;
    if (a >= 1e3) return `${Number((n / 1e3).toPrecision(3))} K`;
    return String(Number(n.toPrecision(3)));
  }
}

function niceTicks(min, max, count = 4, integer = false) {
  if (max <= min) max = min + 1;
  const raw = Math.max((max - min) / count, integer ? 1 : 0);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 0.001; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function legendName(format, metric) {
  return format ? format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k) => metric[k] ?? '') : JSON.stringify(metric);
}

/** One time-series panel as SVG plus an HTML legend. */
function renderPanel(panel, series, start, end, w, h) {
  const defaults = panel.fieldConfig?.defaults ?? {};
  const unit = defaults.unit ?? 'short';
  const mappings = Object.entries(defaults.mappings?.[0]?.options ?? {}).map(([v, o]) => [Number(v), o.text]);
  const stacked = defaults.custom?.stacking?.mode === 'normal';
  const stepped = defaults.custom?.lineInterpolation === 'stepAfter';
  const thresholds = (defaults.thresholds?.steps ?? []).filter((s) => s.value !== null);
  const legendRows = Math.min(series.length, Math.max(1, Math.floor((h - 150) / 17)));
  const legendHeight = series.length ? Math.min(Math.ceil(series.length / 2), legendRows) * 17 + 8 : 0;
  const plot = { left: 64, right: 28, top: 8, bottom: 22 };
  const chartH = h - 34 - legendHeight;
  const pw = w - plot.left - plot.right;
  const ph = chartH - plot.top - plot.bottom;
  if (series.length === 0) {
    return `<svg width="${w}" height="${chartH}"><text x="${w / 2}" y="${chartH / 2}" text-anchor="middle" class="nodata">No data</text></svg>`;
  }
  // Stack if asked: each series' values add to the ones before it, per timestamp.
  const times = [...new Set(series.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
  const lines = series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length], points: new Map(s.values.map(([t, v]) => [t, Number(v)])) }));
  if (stacked) {
    const base = new Map();
    for (const line of lines) {
      line.base = new Map(base);
      for (const t of times) if (line.points.has(t)) { const b = base.get(t) ?? 0; line.points.set(t, b + line.points.get(t)); base.set(t, line.points.get(t)); }
    }
  }
  const all = lines.flatMap((l) => [...l.points.values()]).filter(Number.isFinite);
  let yMin = defaults.min ?? Math.min(0, ...all);
  let yMax = defaults.max ?? Math.max(...all, ...thresholds.map((t) => t.value * 0.5));
  if (yMax <= yMin) yMax = yMin + (unit === 'percentunit' ? 0.01 : 1);
  const ticks = mappings.length ? mappings.map(([v]) => v) : niceTicks(yMin, yMax, 4, defaults.decimals === 0);
  if (!mappings.length) yMax = Math.max(yMax, ticks.at(-1));
  const x = (t) => plot.left + ((t - start) / (end - start)) * pw;
  const y = (v) => plot.top + ph - ((v - yMin) / (yMax - yMin)) * ph;
  let svg = `<svg width="${w}" height="${chartH}">`;
  for (const t of ticks) {
    const label = mappings.find(([v]) => v === t)?.[1] ?? formatValue(t, unit, defaults.decimals);
    svg += `<line x1="${plot.left}" x2="${w - plot.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/><text x="${plot.left - 6}" y="${y(t) + 4}" text-anchor="end" class="axis">${esc(label)}</text>`;
  }
  const xTicks = 6;
  for (let i = 0; i <= xTicks; i++) {
    const t = start + ((end - start) * i) / xTicks;
    const d = new Date(t * 1000);
    const label = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
    svg += `<line x1="${x(t)}" x2="${x(t)}" y1="${plot.top}" y2="${plot.top + ph}" class="grid"/><text x="${x(t)}" y="${chartH - 6}" text-anchor="middle" class="axis">${label}</text>`;
  }
  for (const t of thresholds) {
    if (t.value > yMax || t.value < yMin) continue;
    svg += `<rect x="${plot.left}" y="${plot.top}" width="${pw}" height="${Math.max(0, y(t.value) - plot.top)}" fill="${t.color}" opacity="0.06"/>`;
    svg += `<line x1="${plot.left}" x2="${w - plot.right}" y1="${y(t.value)}" y2="${y(t.value)}" stroke="${t.color}" stroke-dasharray="6 4" stroke-width="1.2" opacity="0.8"/>`;
  }
  for (const line of [...lines].reverse()) {
    const segments = [];
    let current = [];
    let previous;
    for (const t of times) {
      const v = line.points.get(t);
      if (v === undefined || !Number.isFinite(v) || (previous !== undefined && t - previous > SCRAPE_SECONDS * 3)) {
        if (current.length) segments.push(current);
        current = [];
      }
      if (v !== undefined && Number.isFinite(v)) { current.push([t, v]); previous = t; }
    }
    if (current.length) segments.push(current);
    for (const seg of segments) {
      let d = '';
      seg.forEach(([t, v], i) => {
        if (i === 0) d += `M${x(t).toFixed(1)},${y(v).toFixed(1)}`;
        else if (stepped) d += `H${x(t).toFixed(1)}V${y(v).toFixed(1)}`;
        else d += `L${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      });
      const floor = stacked ? (t) => y(line.base.get(t) ?? 0) : () => y(Math.max(yMin, 0));
      const area = `${d}L${x(seg.at(-1)[0]).toFixed(1)},${floor(seg.at(-1)[0]).toFixed(1)}${[...seg].reverse().map(([t]) => `L${x(t).toFixed(1)},${floor(t).toFixed(1)}`).join('')}Z`;
      if (!mappings.length) svg += `<path d="${area}" fill="${line.color}" opacity="${stacked ? 0.55 : 0.1}"/>`;
      svg += `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="1.6"/>`;
    }
  }
  svg += '</svg>';
  const shown = lines.slice(0, legendRows * 2);
  const legend = `<div class="legend">${shown.map((l) => `<span><i style="background:${l.color}"></i>${esc(l.name)}</span>`).join('')}${lines.length > shown.length ? `<span class="more">+${lines.length - shown.length} more</span>` : ''}</div>`;
  return svg + legend;
}

async function render(prometheusUrl, start, end) {
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'monitoring/grafana/dashboards/herald.json'), 'utf8'));
  const WIDTH = 1800;
  const COL = (WIDTH - 16) / 24;
  const ROW = 36;
  const step = SCRAPE_SECONDS;
  let html = '';
  let bottom = 0;
  for (const panel of dashboard.panels) {
    const { x, y, w, h } = panel.gridPos;
    const left = 8 + x * COL + 4;
    const top = 56 + y * ROW;
    const width = w * COL - 8;
    const height = h * ROW - 8;
    bottom = Math.max(bottom, top + height);
    if (panel.type === 'row') {
      html += `<div class="row" style="left:${left}px;top:${top + 6}px;width:${width}px">${esc(panel.title)}</div>`;
      continue;
    }
    const series = [];
    for (const target of panel.targets) {
      for (const result of await queryRange(prometheusUrl, target.expr, start, end, step)) {
        series.push({ name: legendName(target.legendFormat, result.metric), values: result.values });
      }
    }
    series.sort((a, b) => a.name.localeCompare(b.name));
    html += `<div class="panel" style="left:${left}px;top:${top}px;width:${width}px;height:${height}px"><div class="title">${esc(panel.title)}</div>${renderPanel(panel, series, start, end, width - 2, height)}</div>`;
  }
  const from = new Date(start * 1000).toISOString().slice(11, 19);
  const to = new Date(end * 1000).toISOString().slice(11, 19);
  const page = `<!doctype html><html><head><meta charset="utf-8"><style>
    body{margin:0;background:#111217;font:13px Inter,"Helvetica Neue",Arial,sans-serif;color:#ccccdc;width:${WIDTH}px;height:${bottom + 16}px;position:relative}
    .top{position:absolute;left:12px;top:12px;right:12px;height:32px;display:flex;align-items:center;justify-content:space-between}
    .top b{font-size:18px;font-weight:500;color:#d8d9da}.top span{color:#8e8e8e;font-size:12px;border:1px solid #2c3235;border-radius:2px;padding:5px 10px}
    .row{position:absolute;font-size:15px;font-weight:500;color:#d8d9da;height:24px;line-height:24px}
    .panel{position:absolute;background:#181b1f;border:1px solid #24292e;border-radius:2px;overflow:hidden}
    .title{height:30px;line-height:30px;padding:0 10px;font-weight:500;color:#d8d9da;font-size:13px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
    .grid{stroke:#2c3235;stroke-width:1}.axis{fill:#9fa7b3;font-size:11px}.nodata{fill:#8e8e8e;font-size:15px}
    .legend{display:grid;grid-template-columns:1fr 1fr;gap:1px 12px;padding:2px 10px 0 10px;font-size:11.5px;color:#ccccdc}
    .legend span{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:16px}.legend i{display:inline-block;width:14px;height:4px;border-radius:2px;margin:0 6px 2px 0;vertical-align:middle}
    .legend .more{color:#8e8e8e}
  </style></head><body><div class="top"><b>Herald</b><span>${from} to ${to} UTC · Prometheus, ${SCRAPE_SECONDS} s scrapes · rate interval ${RATE_INTERVAL}</span></div>${html}</body></html>`;
  const htmlFile = path.join(work, 'dashboard.html');
  writeFileSync(htmlFile, page);
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const pid = server.process().pid;
  log(`chromium started (pid ${pid})`);
  try {
    const browser = await chromium.connect(server.wsEndpoint());
    const page = await browser.newPage({ viewport: { width: WIDTH, height: bottom + 16 }, deviceScaleFactor: 1 });
    await page.goto(`file://${htmlFile}`);
    mkdirSync(path.dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT, fullPage: true });
    await browser.close();
  } finally {
    await server.close();
    try { process.kill(pid, 0); process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    log(`chromium stopped (pid ${pid})`);
  }
}

try {
  const herald = await startHerald();
  const prometheusUrl = await startPrometheus(herald.targets);
  const start = Math.floor(Date.now() / 1000);
  await traffic(herald.gatewayUrl, herald.sendKey, SECONDS);
  await sleep(SCRAPE_SECONDS * 3 * 1000); // the last scrapes
  const end = Math.floor(Date.now() / 1000);
  await render(prometheusUrl, start, end);
  log(`wrote ${path.relative(ROOT, OUT)}`);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await stopAll();
}
