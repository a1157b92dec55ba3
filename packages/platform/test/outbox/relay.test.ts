import { afterEach, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type pg from 'pg';
import { AmqpEventBus } from '../../src/bus/index.js';
import { createPgPool } from '../../src/db/index.js';
import { OUTBOX_TABLE_SQL, OutboxRelay } from '../../src/outbox/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing.js';
import { TcpProxy } from '@herald/platform/testing';
import { waitFor } from '../bus/helpers.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = pino({ level: 'silent' });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function setup() {
  const db: TestDatabase = await createTestDatabase('outbox');
  cleanups.push(() => db.drop());
  const pool = createPgPool(db.url, { max: 4 });
  cleanups.push(() => pool.end());
  await pool.query('CREATE SCHEMA svc; SET search_path TO svc;');
  await pool.query(`SET search_path TO svc; ${OUTBOX_TABLE_SQL}`);
  const exchange = `test.outbox.${randomBytes(4).toString('hex')}`;

  // The watcher talks to RabbitMQ directly; only the relay's bus goes through the cuttable proxy.
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, exchange, '#');
  const received: string[] = [];
  await ch.consume(queue, (m) => m && (received.push(m.properties.messageId as string), ch.ack(m)));
  cleanups.push(async () => {
    await ch.deleteExchange(exchange);
    await conn.close();
  });

  const proxy = await TcpProxy.start(5672);
  cleanups.push(() => proxy.close());
  const bus = await AmqpEventBus.connect({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, exchange, logger, reconnectDelayMs: 100, maxReconnectDelayMs: 500, confirmTimeoutMs: 2000 });
  cleanups.push(() => bus.close());
  return { pool, bus, proxy, received };
}

/** What a producing use case does: its change and the outbox row in one transaction. */
async function writeEvents(pool: pg.Pool, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    ids.push(id);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO svc.outbox (id, routing_key, payload) VALUES ($1, $2, $3)', [id, 'thing.happened', { id, n: i }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }
  return ids;
}

function relay(pool: pg.Pool, bus: AmqpEventBus) {
  const r = new OutboxRelay({ pool, schema: 'svc', bus, logger, listen: true, pollIntervalMs: 200, batchSize: 25 });
  cleanups.push(() => r.stop());
  return r;
}

describe('outbox relay', () => {
  it('publishes every event written while RabbitMQ was unreachable, each once, when it returns', async () => {
    const { pool, bus, proxy, received } = await setup();
    const r = relay(pool, bus);
    await r.start();

    proxy.cut();
    const ids = await writeEvents(pool, 60);
    // Give the relay several attempts while the broker is gone: nothing may be marked sent.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pending = await pool.query('SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL');
    expect(pending.rows[0].n).toBe(60);
    expect(received).toHaveLength(0);

    proxy.restore();
    await waitFor(() => received.length >= 60, { timeoutMs: 30_000 });
    await waitFor(async () => (await pool.query('SELECT count(*)::int AS n FROM svc.outbox WHERE published_at IS NULL')).rows[0].n === 0, { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...received].sort()).toEqual([...ids].sort());
  });

  it('lets several relays drain one table concurrently without publishing a row twice', async () => {
    const { pool, bus, received } = await setup();
    const ids = await writeEvents(pool, 300);
    const relays = [relay(pool, bus), relay(pool, bus), relay(pool, bus)];
    await Promise.all(relays.map((r) => r.start()));
    await waitFor(() => received.length >= 300, { timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toHaveLength(300);
    expect(new Set(received)).toEqual(new Set(ids));
    expect(relays.reduce((n, r) => n + r.published, 0)).toBe(300);
  });

  it('wakes on NOTIFY instead of waiting for the next poll', async () => {
    const { pool, bus, received } = await setup();
    const r = new OutboxRelay({ pool, schema: 'svc', bus, logger, listen: true, pollIntervalMs: 60_000 });
    cleanups.push(() => r.stop());
    await r.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [id] = await writeEvents(pool, 1);
    await waitFor(() => received.includes(id!), { timeoutMs: 5000 });
  });
});
