import type pg from 'pg';
import { nowMs, waitUntil } from './clock.js';
import type { ClientWorker } from './clients.js';
import { timedBurst, type BurstResult } from './burst.js';
import { connectMeasured, type ConnectResult } from './connect.js';
import { CpuWindow } from './proc.js';
import type { BenchUser } from './seed.js';
import { count } from './seed.js';
import { scrape, stageDelta, type Stage, type StageTiming } from './stages.js';
import type { Stack } from './stack.js';

export interface HeraldBurst extends BurstResult {
  /** From the 201 until every (event, recipient) receipt, i.e. every notification row, was committed (ms). */
  rowsMs: number;
  rowsPerSecond: number;
  stages: Record<Stage, StageTiming>;
  cpu: ReturnType<CpuWindow['end']>;
}

export type HeraldConnect = ConnectResult;

export async function connectHerald(stack: Stack, worker: ClientWorker, users: BenchUser[], addresses: string[]): Promise<HeraldConnect> {
  const { proc, url } = stack.notifications;
  const wsBase = (stack.gateway?.url ?? url).replace(/^http/, 'ws');
  const clients = users.map((u) => ({ id: u.id, token: u.token }));
  return connectMeasured({ worker, proc, url, kind: 'herald', wsUrl: `${wsBase}/ws`, users: clients, addresses });
}

/**
 * `posts` posts by the author, back to back, each to every follower. One post measures the burst
 * (latency of each client from the 201); several measure sustained fan-out throughput.
 */
export async function heraldBurst(stack: Stack, worker: ClientWorker, author: BenchUser, followers: number, posts: number, procs: Record<string, number>): Promise<HeraldBurst> {
  await worker.call({ cmd: 'gc' });
  const before = await scrape(stack.notifications.url);
  const cpu = new CpuWindow(procs);
  let rows: Promise<number> | undefined;
  const result = await timedBurst(worker, followers * posts, async () => {
    let t0 = Number.NaN;
    const ids: string[] = [];
    for (let i = 0; i < posts; i++) {
      const res = await fetch(`${stack.posts.url}/api/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `fan-out benchmark post ${i + 1} of ${posts}` }),
      });
      if (i === 0) t0 = nowMs();
      if (res.status !== 201) throw new Error(`POST /api/v1/posts: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { post: { id: string } }).post.id);
    }
    rows = rowsCommitted(stack.pool, ids, followers * posts, t0);
    return { t0, objectIds: ids };
  });
  const rowsMs = await rows!;
  const usage = cpu.end();
  const after = await scrape(stack.notifications.url);
  return { ...result, rowsMs, rowsPerSecond: ((followers * posts) / rowsMs) * 1000, stages: stageDelta(before, after), cpu: usage };
}

/**
 * Polls the receipts of the posts' events (claimed in the same transaction as the notification rows,
 * and indexed by event id) until all are committed; returns ms from t0. Resolution: the 10 ms poll.
 */
async function rowsCommitted(pool: pg.Pool, postIds: string[], expected: number, t0: number): Promise<number> {
  const eventIds = await waitUntil(
    async () => {
      const { rows } = await pool.query<{ id: string }>(`SELECT id FROM posts.outbox WHERE routing_key = 'post.created' AND payload->'data'->>'postId' = ANY($1)`, [postIds]);
      return rows.length === postIds.length ? rows.map((r) => r.id) : undefined;
    },
    'the posts\' outbox rows',
    10_000,
    5,
  );
  let done = Number.NaN;
  await waitUntil(
    async () => {
      const n = await count(pool, 'SELECT count(*) FROM notifications.receipts WHERE event_id = ANY($1::uuid[])', [eventIds]);
      if (n >= expected) done = nowMs() - t0;
      return n >= expected;
    },
    'notification rows',
    60_000,
    10,
  ).catch(() => undefined);
  return done;
}
