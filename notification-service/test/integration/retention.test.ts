import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger, createRetentionRunner, uuidv7 } from '@herald/platform';
import { createPrismaClient, type NotificationPrisma } from '../../src/adapters/prisma-client.js';
import { notificationRetentionTasks, uuidv7Floor } from '../../src/adapters/prisma-retention.js';
import { RETENTION_DEFAULTS } from '../../src/retention.js';
import { count, SCHEMA, startHarness, type Harness } from '../support/harness.js';

const DAY = 24 * 3_600_000;
/** A fixed "now" for the runners below; every row's age is set against it. */
const NOW = new Date('2027-06-01T12:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const logger = createLogger('notification-retention-test', process.env.LOG_LEVEL ?? 'silent');
/** A UUIDv7 of an instant in the past (platform's uuidv7 never goes back in time within a process). */
const uuidv7At = (at: Date) => {
  const hex = at.getTime().toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${randomUUID().slice(15)}`;
};

/** The retention job on a real PostgreSQL: rows of chosen ages inserted directly, runners on a fixed clock. */
describe('notification-service retention', () => {
  let h: Harness;
  const clients: NotificationPrisma[] = [];
  beforeAll(async () => {
    // Two instances: the job runs on every one of them.
    h = await startHarness('notif_retention', { instances: 2 });
  });
  afterAll(async () => {
    for (const c of clients) await c.$disconnect();
    await h?.close();
  });

  /** A runner as one instance has it, on the fixed clock, with the documented defaults. */
  const runner = (batchSize = 1000, registry = new Registry()) => {
    const prisma = createPrismaClient(h.pool, SCHEMA);
    clients.push(prisma);
    const runner = createRetentionRunner({ tasks: notificationRetentionTasks(prisma, SCHEMA, RETENTION_DEFAULTS), intervalMs: 0, batchSize, logger, registry, clock: { now: () => NOW } });
    return { runner, registry };
  };
  const q = (sql: string, params: unknown[] = []) => h.pool.query(sql, params);

  /** A notification created `days` ago (its id minted then too), with an in_app delivery row. */
  async function notification(days: number, opts: { read?: boolean; superseded?: boolean; inInbox?: boolean; timer?: boolean } = {}): Promise<string> {
    const created = ago(days);
    const id = uuidv7At(created);
    await q(
      `INSERT INTO ${SCHEMA}.notifications (id, recipient_id, type, category, priority, title, body, data, created_at, read_at, superseded_by, in_inbox, fallback_at, fallback_channels)
       VALUES ($1, $2, 'like', 'informational', 'low', 't', 'b', '{}', $3, $4, $5, $6, $7, $8)`,
      [id, uuidv7(), created, opts.read ? created : null, opts.superseded ? uuidv7() : null, opts.inInbox ?? true, opts.timer ? NOW : null, opts.timer ? ['email'] : null],
    );
    await q(`INSERT INTO ${SCHEMA}.deliveries (notification_id, channel, recipient_id, status) SELECT id, 'in_app', recipient_id, 'delivered' FROM ${SCHEMA}.notifications WHERE id = $1`, [id]);
    return id;
  }
  const ids = async (sql: string) => new Set((await q(sql)).rows.map((r) => r.id as string));

  it('uuidv7Floor is the lowest id of its millisecond', () => {
    const at = new Date('2027-06-01T12:00:00.123Z');
    const floor = uuidv7Floor(at);
    expect(floor).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-0000-0000-000000000000$/);
    expect(uuidv7At(new Date(at.getTime() - 1)) < floor).toBe(true);
    expect(uuidv7At(at) >= floor).toBe(true);
    expect(uuidv7() > uuidv7Floor(new Date(Date.now() - 1))).toBe(true);
  });

  it('deletes each kind of row past its age, and keeps everything younger or still in use', async () => {
    // Receipts and send requests: 30 days; delivery attempts: 90; webhook messages that ended: 30.
    for (const days of [31, 29]) {
      await q(`INSERT INTO ${SCHEMA}.receipts (event_id, recipient_id, created_at) VALUES ($1, $2, $3)`, [uuidv7(), uuidv7(), ago(days)]);
      await q(`INSERT INTO ${SCHEMA}.send_requests (sender_id, idempotency_key, event_id, request_hash, ids, created_at) VALUES ($1, $2, $3, 'h', '{}', $4)`, [uuidv7(), `k${days}`, uuidv7(), ago(days)]);
    }
    for (const days of [91, 89]) {
      await q(`INSERT INTO ${SCHEMA}.delivery_attempts (notification_id, channel, attempt, provider, outcome, latency_ms, created_at) VALUES ($1, 'email', 1, 'smtp', 'sent', 3, $2)`, [uuidv7(), ago(days)]);
    }
    const endpoint = uuidv7();
    await q(`INSERT INTO ${SCHEMA}.webhook_endpoints (id, owner_id, url, secret) VALUES ($1, $2, 'https://hooks.example.com/x', 'whsec_x')`, [endpoint, uuidv7()]);
    const message = async (status: string, days: number) => {
      const id = uuidv7();
      await q(`INSERT INTO ${SCHEMA}.webhook_deliveries (id, endpoint_id, event_type, payload, status, created_at) VALUES ($1, $2, 'delivery.sent', '{}', $3, $4)`, [id, endpoint, status, ago(days)]);
      return id;
    };
    const [oldDelivered, oldFailed, oldPending, youngDelivered] = [await message('delivered', 31), await message('failed', 31), await message('pending', 31), await message('delivered', 29)];

    // Notifications: 180 days, and only what nobody will look at again.
    const oldRead = await notification(181, { read: true });
    const oldSuperseded = await notification(181, { superseded: true });
    const oldHidden = await notification(181, { inInbox: false });
    const oldUnread = await notification(181);
    const oldReadWithTimer = await notification(181, { read: true, timer: true });
    const youngRead = await notification(179, { read: true });

    const { runner: job, registry } = runner();
    const counts = await job.runOnce();
    expect(counts).toEqual({ receipts: 1, send_requests: 1, delivery_attempts: 1, notifications: 3, webhook_deliveries: 2 });

    expect(await count(h.pool, `${SCHEMA}.receipts WHERE created_at < $1`, [ago(30)])).toBe(0);
    expect(await count(h.pool, `${SCHEMA}.receipts`)).toBe(1);
    expect(await count(h.pool, `${SCHEMA}.send_requests`)).toBe(1);
    expect(await count(h.pool, `${SCHEMA}.delivery_attempts`)).toBe(1);
    expect(await ids(`SELECT id FROM ${SCHEMA}.webhook_deliveries`)).toEqual(new Set([oldPending, youngDelivered]));
    expect([oldDelivered, oldFailed]).toHaveLength(2);
    expect(await ids(`SELECT id FROM ${SCHEMA}.notifications`)).toEqual(new Set([oldUnread, oldReadWithTimer, youngRead]));
    // Their deliveries went with them.
    expect(await ids(`SELECT notification_id AS id FROM ${SCHEMA}.deliveries`)).toEqual(new Set([oldUnread, oldReadWithTimer, youngRead]));
    expect([oldRead, oldSuperseded, oldHidden]).toHaveLength(3);

    const text = await registry.metrics();
    expect(text).toMatch(/herald_retention_deleted_total\{table="notifications"\} 3/);
    expect(text).toMatch(/herald_retention_deleted_total\{table="receipts"\} 1/);
    // A second run finds nothing.
    expect(Object.values(await job.runOnce()).every((n) => n === 0)).toBe(true);
  });

  it('walks a large backlog in batches past rows it keeps, and two instances at once delete every row once', async () => {
    await q(`DELETE FROM ${SCHEMA}.notifications`);
    await q(`DELETE FROM ${SCHEMA}.receipts`);
    // 2,500 old read items with unread ones mixed in; 3,000 old receipts.
    const backlog = Array.from({ length: 2_500 }, (_, i) => ({ created: ago(200 + (i % 50)), read: i % 5 !== 0 }));
    await q(
      `INSERT INTO ${SCHEMA}.notifications (id, recipient_id, type, category, priority, title, body, data, created_at, read_at)
       SELECT u.id, gen_random_uuid(), 'like', 'informational', 'low', 't', 'b', '{}', u.created, CASE WHEN u.read THEN u.created END
       FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[]) AS u(id, created, read)`,
      [backlog.map((b) => uuidv7At(b.created)), backlog.map((b) => b.created), backlog.map((b) => b.read)],
    );
    await q(`INSERT INTO ${SCHEMA}.deliveries (notification_id, channel, recipient_id, status) SELECT id, 'in_app', recipient_id, 'delivered' FROM ${SCHEMA}.notifications`);
    await q(`INSERT INTO ${SCHEMA}.receipts (event_id, recipient_id, created_at) SELECT gen_random_uuid(), gen_random_uuid(), $1 FROM generate_series(1, 3000)`, [ago(40)]);
    const [a, b] = await Promise.all([runner(100).runner.runOnce(), runner(100).runner.runOnce()]);
    expect(a.notifications! + b.notifications!).toBe(2_000);
    expect(a.receipts! + b.receipts!).toBe(3_000);
    expect(await count(h.pool, `${SCHEMA}.notifications WHERE read_at IS NOT NULL`)).toBe(0);
    expect(await count(h.pool, `${SCHEMA}.notifications WHERE read_at IS NULL`)).toBe(500);
    expect(await count(h.pool, `${SCHEMA}.receipts`)).toBe(0);
  });

  it('deletes partition by partition in small batches: every partition loses exactly its old read, superseded and hidden items, with their deliveries', async () => {
    await q(`DELETE FROM ${SCHEMA}.notifications`);
    await q(`DELETE FROM ${SCHEMA}.deliveries`);
    // 256 people (so every one of the 16 partitions holds some), each with items of every kind.
    const kinds = [
      { days: 181, read: true, goes: true },
      { days: 200, read: true, goes: true },
      { days: 181, superseded: true, goes: true },
      { days: 181, inInbox: false, goes: true },
      { days: 181, goes: false },
      { days: 181, read: true, timer: true, goes: false },
      { days: 179, read: true, goes: false },
    ];
    const rows = Array.from({ length: 256 }, () => uuidv7()).flatMap((recipient) =>
      kinds.map((k) => ({ ...k, recipient, id: uuidv7At(ago(k.days)), created: ago(k.days) })),
    );
    await q(
      `INSERT INTO ${SCHEMA}.notifications (id, recipient_id, type, category, priority, title, body, data, created_at, read_at, superseded_by, in_inbox, fallback_at, fallback_channels)
       SELECT u.id, u.r, 'like', 'informational', 'low', 't', 'b', '{}', u.created, CASE WHEN u.read THEN u.created END,
              CASE WHEN u.superseded THEN gen_random_uuid() END, u.in_inbox, CASE WHEN u.timer THEN $7::timestamptz END, CASE WHEN u.timer THEN ARRAY['email'] END
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::boolean[], $5::boolean[], $6::boolean[], $8::boolean[]) AS u(id, r, created, read, superseded, in_inbox, timer)`,
      [rows.map((r) => r.id), rows.map((r) => r.recipient), rows.map((r) => r.created), rows.map((r) => !!r.read), rows.map((r) => !!r.superseded),
        rows.map((r) => r.inInbox ?? true), NOW, rows.map((r) => !!r.timer)],
    );
    await q(`INSERT INTO ${SCHEMA}.deliveries (notification_id, channel, recipient_id, status) SELECT id, 'in_app', recipient_id, 'delivered' FROM ${SCHEMA}.notifications`);
    const perPartition = async () =>
      new Map((await q(`SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM ${SCHEMA}.notifications GROUP BY 1`)).rows.map((r) => [r.p as string, r.n as number]));
    const before = await perPartition();
    expect(before.size).toBe(16);

    // Batches of 7: each partition holds far more than a batch, and a batch often ends mid-partition;
    // 10 batches per run, so it takes many runs (an hour apart), each starting where the last stopped.
    let clock = NOW.getTime();
    const job = createRetentionRunner({
      tasks: notificationRetentionTasks(createPrismaClient(h.pool, SCHEMA), SCHEMA, RETENTION_DEFAULTS),
      intervalMs: 0, batchSize: 7, maxBatchesPerRun: 10, logger, registry: new Registry(), clock: { now: () => new Date((clock += 3_600_000)) },
    });
    let deleted = 0;
    for (let n = -1; n !== 0; ) {
      n = (await job.runOnce()).notifications!;
      expect(n).toBeLessThanOrEqual(70);
      deleted += n;
    }
    expect(deleted).toBe(rows.filter((r) => r.goes).length);
    expect(await ids(`SELECT id FROM ${SCHEMA}.notifications`)).toEqual(new Set(rows.filter((r) => !r.goes).map((r) => r.id)));
    // Each partition kept 3 of its 7 items per person.
    for (const [partition, n] of await perPartition()) expect(n * 7, partition).toBe(before.get(partition)! * 3);
    // Deliveries went with their notifications, in the same statements, no more, no less.
    expect(await ids(`SELECT notification_id AS id FROM ${SCHEMA}.deliveries`)).toEqual(await ids(`SELECT id FROM ${SCHEMA}.notifications`));
  });

  it('each instance wires the job and exposes its counter on /metrics', async () => {
    for (const instance of h.instances) {
      expect(await instance.service.retention.runOnce()).toEqual({ receipts: 0, send_requests: 0, delivery_attempts: 0, notifications: 0, webhook_deliveries: 0 });
      expect(await instance.registry.metrics()).toContain('herald_retention_deleted_total{table="notifications"');
    }
  });
});
