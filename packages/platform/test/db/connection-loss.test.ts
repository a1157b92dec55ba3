import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../../src/bus/index.js';
import { classifyUnavailable, createPgPool, HeldClient, isDatabaseUnavailable } from '../../src/db/index.js';
import { OUTBOX_TABLE_SQL, OutboxRelay } from '../../src/outbox/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';
import { deferred, waitFor } from '../bus/helpers.js';
import { DatabaseOutage, watchProcessFailures } from '@herald/platform/testing';

/**
 * A failover, from the client side: every backend terminated repeatedly while new connections are
 * refused. Nothing may escape as an uncaught exception or unhandled rejection, and everything must
 * work again once the database is back.
 */
const logger = pino({ level: 'silent' });
let db: TestDatabase;
let watch: ReturnType<typeof watchProcessFailures>;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  db = await createTestDatabase('platform_conn_loss');
  const setup = new pg.Client({ connectionString: db.url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA svc; SET search_path TO svc; ${OUTBOX_TABLE_SQL}`);
  await setup.end();
  watch = watchProcessFailures();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  expect(watch.failures.splice(0)).toEqual([]);
});
afterAll(async () => {
  watch?.stop();
  await db?.drop();
});

async function outage(opts: { everyMs?: number } = {}): Promise<DatabaseOutage> {
  const o = await DatabaseOutage.begin(db.name, opts);
  cleanups.push(() => o.end());
  return o;
}

/** The relay's LISTEN session as the server sees it. */
async function listenerPid(pool: pg.Pool): Promise<number | undefined> {
  const { rows } = await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'", [db.name]);
  return rows[0]?.pid;
}

describe('losing every PostgreSQL connection', () => {
  it('a client held without an error listener does not crash the process (createPgPool)', async () => {
    const pool = createPgPool(db.url, { max: 3, onIdleError: () => {} });
    cleanups.push(() => pool.end());
    // What a library does between two queries of a transaction: hold the client, listen to nothing.
    const bare = await pool.connect();
    await bare.query('BEGIN');
    let ended = false;
    bare.once('end', () => (ended = true));

    const o = await outage({ everyMs: 50 });
    // By 'end' the client has emitted its 'error' with no query running: the event that used to
    // crash (and, thrown from the socket handler, kept 'end' from ever coming).
    await waitFor(() => ended || watch.failures.length > 0);
    expect(watch.failures).toEqual([]);
    const err = await bare.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(isDatabaseUnavailable(err)).toBe(true);
    bare.release();
    // During the outage every attempt fails, and each failure reads as "database unavailable".
    const during = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    expect(isDatabaseUnavailable(during)).toBe(true);
    await o.end();

    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a HeldClient reports the loss once and can be released twice', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const lost: Error[] = [];
    const held = await HeldClient.acquire(pool, (err) => lost.push(err));

    const o = await outage();
    await waitFor(() => held.lost);
    await o.end();

    expect(lost).toHaveLength(1);
    expect(isDatabaseUnavailable(held.lost)).toBe(true);
    held.release();
    held.release(true);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('the outbox relay rides out repeated terminations and publishes, over a new LISTEN, what is written after', async () => {
    // A bare pg.Pool: the relay must protect its own clients, whoever built the pool.
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => {});
    cleanups.push(() => pool.end());
    const bus = new MemoryEventBus();
    cleanups.push(() => bus.close());
    const received: string[] = [];
    await bus.subscribe({ queue: 'spy', bindings: ['#'] }, async (m) => {
      received.push(m.messageId!);
    });
    // The first batch stalls in publish, so the relay holds its transaction's client (and the row
    // locks) when the cut comes: between two queries, where a drop used to be an uncaught 'error'.
    const stalled = deferred();
    const gate = deferred();
    const gatedBus = {
      async publish(messages: Parameters<MemoryEventBus['publish']>[0]) {
        stalled.resolve();
        await gate.promise;
        return bus.publish(messages);
      },
    };
    // Polling so rarely that only NOTIFY (or the relay's own wake-ups) can explain a quick publish.
    const relay = new OutboxRelay({ pool, schema: 'svc', bus: gatedBus, logger, listen: true, pollIntervalMs: 60_000 });
    cleanups.push(async () => {
      gate.resolve();
      await relay.stop();
    });
    await relay.start();
    const before = await waitFor(() => listenerPid(pool));

    const early = await insertOutbox(pool, 20);
    await stalled.promise;
    const o = await outage({ everyMs: 50 });
    await waitFor(() => o.terminated >= 2); // the batch's session and the LISTEN session
    gate.resolve();
    // Long enough for several refused reconnections and failed batches.
    const cutUntil = Date.now() + 2500;
    while (Date.now() < cutUntil) {
      relay.wake();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await o.end();
    expect(o.terminated).toBeGreaterThan(0);

    const after = await waitFor(async () => {
      const pid = await listenerPid(pool).catch(() => undefined);
      return pid !== undefined && pid !== before ? pid : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50 });
    expect(after).not.toBe(before);

    // Written by another session: only a NOTIFY on the new LISTEN session wakes the relay for these.
    const late = await insertOutbox(pool, 5);
    // Marked sent only after the broker took them, so wait for both.
    const pending = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL')).rows[0]!.n;
    await waitFor(async () => [...early, ...late].every((id) => received.includes(id)) && (await pending()) === 0, { timeoutMs: 15_000, intervalMs: 20 });
    // At-least-once: a batch cut between publish and mark-sent may go out twice, never zero times.
    expect(new Set(received)).toEqual(new Set([...early, ...late]));
  });

  it('tells unavailability from other errors, on errors pg really raises', async () => {
    // Pool exhausted: pg-pool's connect timeout.
    const tiny = new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 100 });
    cleanups.push(() => tiny.end());
    const holder = await tiny.connect();
    const timeout = await tiny.query('SELECT 1').then(() => undefined, (e: unknown) => e);
    holder.release();
    expect(isDatabaseUnavailable(timeout)).toBe(true);

    // Nothing listening: a bare socket error names no server, so it is only "some dependency".
    const refused = await new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:1/none' }).connect().then(() => undefined, (e: unknown) => e);
    expect(classifyUnavailable(refused)).toBe('dependency');

    // Query errors are the caller's problem, not an outage.
    const pool = createPgPool(db.url, { max: 1 });
    cleanups.push(() => pool.end());
    for (const sql of ['SELECT * FROM no_such_table', 'SELECT 1/0', 'SELEC 1']) {
      const err = await pool.query(sql).then(() => undefined, (e: unknown) => e);
      expect(err, sql).toBeInstanceOf(pg.DatabaseError);
      expect(classifyUnavailable(err), sql).toBeUndefined();
    }
  });
});

async function insertOutbox(pool: pg.Pool, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await pool.query(
    "INSERT INTO svc.outbox (id, routing_key, payload) SELECT id, 'thing.happened', jsonb_build_object('id', id) FROM unnest($1::uuid[]) AS id",
    [ids],
  );
  return ids;
}
