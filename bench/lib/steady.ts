import { randomUUID } from 'node:crypto';
import { createEvent } from '@herald/contracts';
import type { AmqpEventBus } from '@herald/platform';
import { nowMs, sleep } from './clock.js';
import { CpuWindow } from './proc.js';
import type { ClientWorker } from './clients.js';
import type { BenchUser } from './seed.js';
import { latency, type Latency } from './stats.js';

export interface SteadyResult {
  /** Events (or requests) sent, and the rate actually achieved. */
  sent: number;
  sentRate: number;
  received: number;
  failed: number;
  /** From the publish (or the request being sent) to the frame's arrival. */
  latency: Latency;
  /** HTTP only: request to 201. */
  httpLatency?: Latency;
  /** From the first send until the last frame arrived (or the drain gave up). */
  cpu: ReturnType<CpuWindow['end']>;
}

const ref = (u: BenchUser) => ({ id: u.id, username: u.username, displayName: u.displayName });

function randomPair(users: readonly BenchUser[]): [BenchUser, BenchUser] {
  const a = Math.floor(Math.random() * users.length);
  let b = Math.floor(Math.random() * (users.length - 1));
  if (b >= a) b++;
  return [users[a]!, users[b]!];
}

/** Sends at a fixed rate for a fixed time: every 5 ms, as many as are due (at most `maxInFlight` unfinished). */
async function paced(rate: number, seconds: number, maxInFlight: number, send: (i: number) => Promise<void>): Promise<{ sent: number; elapsedMs: number }> {
  const started = nowMs();
  const end = started + seconds * 1000;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (nowMs() < end) {
    const due = Math.min(Math.floor(((nowMs() - started) / 1000) * rate), rate * seconds);
    while (sent < due && inFlight.size < maxInFlight) {
      const p = send(sent++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(5);
  }
  const elapsedMs = nowMs() - started;
  await Promise.all(inFlight);
  return { sent, elapsedMs };
}

async function collect(worker: ClientWorker, sentAt: Map<string, number>, expected: number, timeoutMs: number): Promise<{ delays: number[] }> {
  const { ids, times } = await worker.call<{ ids: string[]; times: number[] }>({ cmd: 'drain', expect: expected, timeoutMs });
  const delays: number[] = [];
  ids.forEach((id, i) => {
    const at = sentAt.get(id);
    if (at !== undefined) delays.push(times[i]! - at);
  });
  return { delays };
}

/**
 * 1:1 events between random pairs of connected users, published straight on the exchange (so only
 * notification-service is measured): post.liked and comment.created alternately, each about a new
 * post, so every one is a new item (no group merge) for exactly one recipient.
 */
export async function steadyViaBus(bus: AmqpEventBus, worker: ClientWorker, users: readonly BenchUser[], rate: number, seconds: number, procs: Record<string, number>): Promise<SteadyResult> {
  await worker.call({ cmd: 'gc' });
  await worker.call({ cmd: 'record' });
  const cpu = new CpuWindow(procs);
  const sentAt = new Map<string, number>();
  let failed = 0;
  const batchSize = Math.max(1, Math.round(rate / 200));
  let pending: { body: ReturnType<typeof createEvent>; objectId: string }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    const t = nowMs();
    for (const m of batch) sentAt.set(m.objectId, t);
    await bus.publish(batch.map((m) => ({ routingKey: m.body.type, messageId: m.body.id, body: m.body }))).catch(() => {
      failed += batch.length;
      for (const m of batch) sentAt.delete(m.objectId);
    });
  };
  const { sent, elapsedMs } = await paced(rate, seconds, 1_000, async (i) => {
    const [actor, recipient] = randomPair(users);
    const postId = randomUUID();
    if (i % 2 === 0) {
      const body = createEvent('post.liked', { postId, postAuthorId: recipient.id, liker: ref(actor), excerpt: 'steady benchmark' }, { producer: 'post-service' });
      pending.push({ body, objectId: postId });
    } else {
      const commentId = randomUUID();
      const body = createEvent(
        'comment.created',
        { commentId, postId, postAuthorId: recipient.id, author: ref(actor), excerpt: 'steady benchmark', mentionedUserIds: [] },
        { producer: 'post-service' },
      );
      pending.push({ body, objectId: commentId });
    }
    // Published in small batches (one confirm round trip each), stamped when handed to the channel.
    if (pending.length >= batchSize) await flush();
  });
  if (pending.length > 0) await flush();
  const { delays } = await collect(worker, sentAt, sent - failed, 10_000 + seconds * 2_000);
  return { sent, sentRate: (sent / elapsedMs) * 1000, received: delays.length, failed, latency: latency(delays), cpu: cpu.end() };
}

/**
 * The same 1:1 traffic through post-service's HTTP API: comments on posts the recipients wrote, so
 * the path is HTTP → post-service transaction + outbox → relay → RabbitMQ → notification-service.
 * Latency runs from sending the request to the frame's arrival.
 */
export async function steadyViaHttp(postsUrl: string, worker: ClientWorker, users: readonly BenchUser[], rate: number, seconds: number, procs: Record<string, number>): Promise<SteadyResult> {
  const authors = users.slice(0, Math.min(200, users.length));
  const postOf = new Map<string, string>();
  for (let i = 0; i < authors.length; i += 20) {
    await Promise.all(
      authors.slice(i, i + 20).map(async (a) => {
        const res = await call(postsUrl, '/api/v1/posts', a, { text: 'steady benchmark post' });
        if (res.status !== 201) throw new Error(`POST /api/v1/posts: ${res.status} ${await res.text()}`);
        postOf.set(a.id, ((await res.json()) as { post: { id: string } }).post.id);
      }),
    );
  }
  await sleep(1_000);
  await worker.call({ cmd: 'gc' });
  await worker.call({ cmd: 'record' });
  const cpu = new CpuWindow(procs);
  const sentAt = new Map<string, number>();
  const http: number[] = [];
  let failed = 0;
  const { sent, elapsedMs } = await paced(rate, seconds, 500, async () => {
    const author = authors[Math.floor(Math.random() * authors.length)]!;
    let commenter = users[Math.floor(Math.random() * users.length)]!;
    if (commenter.id === author.id) commenter = users[(users.indexOf(commenter) + 1) % users.length]!;
    const t = nowMs();
    try {
      const res = await call(postsUrl, `/api/v1/posts/${postOf.get(author.id)}/comments`, commenter, { text: 'steady benchmark comment' });
      http.push(nowMs() - t);
      if (res.status !== 201) throw new Error(String(res.status));
      sentAt.set(((await res.json()) as { comment: { id: string } }).comment.id, t);
    } catch {
      failed++;
    }
  });
  const { delays } = await collect(worker, sentAt, sent - failed, 10_000 + seconds * 2_000);
  return { sent, sentRate: (sent / elapsedMs) * 1000, received: delays.length, failed, latency: latency(delays), httpLatency: latency(http), cpu: cpu.end() };
}

function call(base: string, path: string, user: BenchUser, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

