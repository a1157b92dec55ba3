import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  createLogger,
  createMetricsRegistry,
  createPgPool,
  generateTokenKeys,
  MemoryEventBus,
  TokenVerifier,
  uuidv7,
} from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient } from '../../../src/adapters/prisma-client.js';
import { PrismaDigestStore } from '../../../src/adapters/prisma-digest-store.js';
import { PrismaInboxStore } from '../../../src/adapters/prisma-inbox-store.js';
import { runDigests } from '../../../src/app/run-digests.js';
import { sendDelivery, type SendDeps } from '../../../src/app/send-delivery.js';
import { renderDigestMessage } from '../../../src/channels/digest-render.js';
import { TrackingSigner } from '../../../src/channels/tracking.js';
import { SendFailure, type ChannelSender, type OutboundMessage, type OutOfBandChannel } from '../../../src/domain/channels.js';
import { isClaimedDigest, type DigestStore } from '../../../src/domain/digest-ports.js';
import { digestContent } from '../../../src/domain/digest.js';
import { groupSuccessor, mergeIntoGroup, groupHeadOf } from '../../../src/domain/grouping.js';
import type { Actor, Notification } from '../../../src/domain/notification.js';
import { normalizePreferences } from '../../../src/domain/preferences.js';
import { render } from '../../../src/domain/render.js';
import { createNotificationService, MIGRATIONS_DIR, type NotificationService } from '../../../src/service.js';
import { FakeLiveHub, SCHEMA, waitFor } from '../../support/harness.js';

/**
 * Digests against PostgreSQL (docs/channels.md "Digests"): when each period's digest goes out across
 * daylight-saving changes, that two sweeps racing send one digest per person and period, that a
 * crash mid-run or a worker killed after its claim still ends in exactly one send, and what a
 * digest leaves out.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: TestDatabase;
let pool: pg.Pool;
let poolB: pg.Pool;
let inbox: PrismaInboxStore;
let store: PrismaDigestStore;
let storeB: PrismaDigestStore;

beforeAll(async () => {
  db = await createTestDatabase('notif_digests');
  pool = createPgPool(db.url, { max: 6 });
  poolB = createPgPool(db.url, { max: 6 });
  await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
  const prisma = createPrismaClient(pool, SCHEMA);
  inbox = new PrismaInboxStore(prisma, SCHEMA, pool);
  store = new PrismaDigestStore(prisma, SCHEMA);
  // A second instance: its own pool and client on the same database.
  storeB = new PrismaDigestStore(createPrismaClient(poolB, SCHEMA), SCHEMA);
});

afterAll(async () => {
  await pool?.end();
  await poolB?.end();
  await db?.drop();
});

const newId = (at: Date) => uuidv7(at.getTime());
const signer = new TrackingSigner('digests-test-tracking-secret');
const run = (at: Date, s: DigestStore = store) => runDigests({ store: s, newId }, at);

async function person(opts: { zone?: string; hour?: number; frequency?: 'daily' | 'weekly'; email?: string | null; name?: string } = {}): Promise<string> {
  const id = uuidv7();
  const username = `u_${id.slice(-8)}`;
  await pool.query(
    `INSERT INTO "${SCHEMA}".users (id, username, display_name, email, phone, locale, timezone, as_of) VALUES ($1, $2, $3, $4, NULL, 'en', $5, now())`,
    [id, username, opts.name ?? 'Grace', opts.email === undefined ? `${username}@example.com` : opts.email, opts.zone ?? 'UTC'],
  );
  const prefs = normalizePreferences({ frequency: opts.frequency ?? 'daily', timezone: opts.zone ?? 'UTC', digestHour: opts.hour ?? 8 });
  if (!prefs.ok) throw new Error(prefs.message);
  await pool.query(`INSERT INTO "${SCHEMA}".preferences (user_id, preferences) VALUES ($1, $2::jsonb)`, [id, JSON.stringify(prefs.value)]);
  return id;
}

const bo: Actor = { id: '01900000-0000-7000-8000-0000000000b0', username: 'bo', displayName: 'Bo' };

/** A comment (by default) created at `at`, held for the person's digest on `channels`, as fan-out writes it. */
async function hold(recipientId: string, at: Date, over: Partial<Notification> = {}, opts: { channels?: OutOfBandChannel[]; frequency?: 'daily' | 'weekly' } = {}): Promise<Notification> {
  const notification: Notification = {
    id: uuidv7(at.getTime()),
    type: 'comment',
    category: 'informational',
    priority: 'normal',
    actor: bo,
    title: 'Bo commented on your post',
    body: 'Nice one',
    data: { postId: uuidv7(), excerpt: 'Nice one' },
    createdAt: at.toISOString(),
    readAt: null,
    ...over,
  };
  await writeItem(recipientId, notification, opts);
  return notification;
}

async function writeItem(recipientId: string, notification: Notification, opts: { channels?: OutOfBandChannel[]; frequency?: 'daily' | 'weekly'; supersedes?: string } = {}) {
  const channels = opts.channels ?? ['email'];
  await inbox.transaction(async (uow) => {
    await uow.insertNotifications([{ recipientId, notification, fallback: null }]);
    if (opts.supersedes) await uow.supersede([{ recipientId, oldId: opts.supersedes, newId: notification.id }]);
    const base = { notificationId: notification.id, recipientId, notBefore: null, reason: null };
    await uow.insertDeliveries([
      { ...base, channel: 'in_app', status: 'delivered', digest: null },
      ...channels.map((channel) => ({ ...base, channel, status: 'pending' as const, digest: opts.frequency ?? 'daily' })),
    ]);
  });
}

interface DigestRecord { id: string; frequency: string; period: string; channel: string; status: string; item_count: number; notification_ids: string[]; attempts: number; reason: string | null }

async function digestsOf(recipientId: string): Promise<DigestRecord[]> {
  const { rows } = await pool.query<DigestRecord>(
    `SELECT id, frequency, period, channel, status, item_count, notification_ids, attempts, reason FROM "${SCHEMA}".digests WHERE recipient_id = $1 ORDER BY period, channel`,
    [recipientId],
  );
  return rows;
}

async function runsOf(recipientIds: string[]): Promise<{ recipient_id: string; period: string; due_at: Date }[]> {
  const { rows } = await pool.query(`SELECT recipient_id, period, due_at FROM "${SCHEMA}".digest_runs WHERE recipient_id = ANY($1::uuid[]) ORDER BY due_at`, [recipientIds]);
  return rows;
}

async function rowsOf(recipientId: string, channel = 'email'): Promise<Map<string, { status: string; reason: string | null; digest_id: string | null }>> {
  const { rows } = await pool.query(`SELECT notification_id, status, reason, digest_id FROM "${SCHEMA}".deliveries WHERE recipient_id = $1 AND channel = $2`, [recipientId, channel]);
  return new Map(rows.map((r) => [r.notification_id, { status: r.status, reason: r.reason, digest_id: r.digest_id }]));
}

/** A channel worker with a recording email provider (the same sendDelivery as the queue consumers). */
function worker(leaseMs = 60_000) {
  const sent: OutboundMessage[] = [];
  const counts = { ambiguous: 0, outcomes: [] as string[] };
  const sender: ChannelSender = {
    channel: 'email',
    async send(message) {
      sent.push(message);
      return { provider: 'fake', providerMessageId: `fake-${message.deliveryId}-${sent.length}`, attempts: [{ provider: 'fake', outcome: 'sent', latencyMs: 1 }] };
    },
    breakerStates: () => ({}),
    async close() {},
  };
  const deps: SendDeps = {
    store,
    senders: new Map([['email', sender]]),
    render: (d) => {
      if (!isClaimedDigest(d)) throw new Error('not a digest');
      return renderDigestMessage({ publicUrl: 'http://herald.test', signer }, d);
    },
    retry: { maxAttempts: 3, baseMs: 10, maxMs: 100 },
    leaseMs,
    clock: { now: () => new Date() },
    newId,
    metrics: { attempt() {}, outcome: (_c, o) => void counts.outcomes.push(o), ambiguousSend: () => void counts.ambiguous++, throttled() {} },
    logger: createLogger('digests-test', 'silent'),
    notifyFailure: async () => {},
  };
  return { sent, counts, deps, send: (digestId: string) => sendDelivery(deps, digestId, 'email') };
}

const dispatch = (leaseMs = 60_000) => store.dispatch(new Date(), 500, 600_000, leaseMs);

describe('when digests go out: daylight-saving changes in two zones (sweeps every 30 minutes, items every 2 hours)', () => {
  // The domain test (test/unit/domain/digest-schedule.test.ts) has the same matrix at 5-minute steps.
  const windows: { zone: string; hours: number[]; days: string[]; expected: Record<number, string[]> }[] = [
    { zone: 'America/New_York', hours: [2, 8], days: ['2026-03-07', '2026-03-08', '2026-03-09'], expected: {
      2: ['2026-03-07T07:00:00Z', '2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z'],
      8: ['2026-03-07T13:00:00Z', '2026-03-08T12:00:00Z', '2026-03-09T12:00:00Z'] } },
    { zone: 'Europe/Berlin', hours: [2, 8], days: ['2026-03-28', '2026-03-29', '2026-03-30'], expected: {
      2: ['2026-03-28T01:00:00Z', '2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z'],
      8: ['2026-03-28T07:00:00Z', '2026-03-29T06:00:00Z', '2026-03-30T06:00:00Z'] } },
    { zone: 'Europe/Berlin', hours: [2, 8], days: ['2026-10-24', '2026-10-25', '2026-10-26'], expected: {
      2: ['2026-10-24T00:00:00Z', '2026-10-25T00:00:00Z', '2026-10-26T01:00:00Z'],
      8: ['2026-10-24T06:00:00Z', '2026-10-25T07:00:00Z', '2026-10-26T07:00:00Z'] } },
    { zone: 'America/New_York', hours: [1, 2, 8], days: ['2026-10-31', '2026-11-01', '2026-11-02'], expected: {
      1: ['2026-10-31T05:00:00Z', '2026-11-01T05:00:00Z', '2026-11-02T06:00:00Z'],
      2: ['2026-10-31T06:00:00Z', '2026-11-01T07:00:00Z', '2026-11-02T07:00:00Z'],
      8: ['2026-10-31T12:00:00Z', '2026-11-01T13:00:00Z', '2026-11-02T13:00:00Z'] } },
  ];

  it.each(windows)('$zone around $days.1: never twice, never skipped, at the right UTC instant', async ({ zone, hours, days, expected }) => {
    const people = new Map<number, string>();
    for (const hour of hours) people.set(hour, await person({ zone, hour }));
    const ids = [...people.values()];
    const from = Date.parse(`${days[0]}T00:00:00Z`) - 3 * HOUR;
    const to = Date.parse(`${days.at(-1)}T23:30:00Z`);
    const claimedAt = new Map<string, string>(); // `${recipient}|${period}` → the sweep that claimed it
    const held = new Map<string, number[]>(); // recipient → creation times of their items
    for (let t = from, tick = 0; t <= to; t += 30 * MINUTE, tick++) {
      if (tick % 4 === 0) {
        for (const id of ids) {
          await hold(id, new Date(t - MINUTE));
          held.set(id, [...(held.get(id) ?? []), t - MINUTE]);
        }
      }
      await run(new Date(t));
      for (const r of await runsOf(ids)) {
        const key = `${r.recipient_id}|${r.period}`;
        if (!claimedAt.has(key)) claimedAt.set(key, new Date(t).toISOString());
      }
    }
    for (const [hour, id] of people) {
      const runs = await runsOf([id]);
      const want = expected[hour]!.map((iso) => new Date(iso).toISOString());
      // Exactly the three local days, each once, due at the expected instant and claimed by the sweep at that instant.
      expect(runs.map((r) => r.period), `digestHour ${hour}`).toEqual(days);
      expect(runs.map((r) => r.due_at.toISOString()), `digestHour ${hour}`).toEqual(want);
      expect(days.map((d) => claimedAt.get(`${id}|${d}`)), `digestHour ${hour}`).toEqual(want);
      // One email digest per period, holding exactly the items created since the previous digest's instant.
      const digests = await digestsOf(id);
      expect(digests.map((d) => [d.period, d.channel, d.status])).toEqual(days.map((d) => [d, 'email', 'queued']));
      const created = held.get(id)!;
      const bounds = [from - HOUR, ...want.map((iso) => Date.parse(iso))];
      expect(digests.map((d) => d.item_count)).toEqual(want.map((_, i) => created.filter((c) => c >= bounds[i]! && c < bounds[i + 1]!).length));
      expect(digests.every((d) => d.item_count > 0)).toBe(true);
    }
    // What the window left held (its last items) is not the next tests' business.
    await pool.query(`UPDATE "${SCHEMA}".deliveries SET status = 'cancelled', reason = 'read' WHERE recipient_id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
  }, 120_000);
});

describe('exactly once across instances', () => {
  it('two sweeps racing on the same database: one digest per person and period, every row taken once', async () => {
    const people = await Promise.all(Array.from({ length: 30 }, () => person({ hour: 8 })));
    for (const [round, day] of ['2026-06-01', '2026-06-02', '2026-06-03'].entries()) {
      for (const id of people) {
        await hold(id, new Date(`${day}T06:00:00Z`));
        await hold(id, new Date(`${day}T07:30:00Z`));
      }
      const at = new Date(`${day}T08:00:00Z`);
      const [a, b] = await Promise.all([run(at, store), run(at, storeB)]);
      expect(a.runs + b.runs, `round ${round}`).toBe(people.length);
      expect(a.digests + b.digests).toBe(people.length);
      // A third sweep (another instance, later) finds nothing left to do.
      expect((await run(new Date(`${day}T08:05:00Z`))).runs).toBe(0);
    }
    for (const id of people) {
      const digests = await digestsOf(id);
      expect(digests.map((d) => [d.period, d.item_count])).toEqual([['2026-06-01', 2], ['2026-06-02', 2], ['2026-06-03', 2]]);
      const rows = await rowsOf(id);
      expect([...rows.values()].every((r) => r.status === 'queued' && r.digest_id !== null)).toBe(true);
      // Each row belongs to the digest that lists it, and to no other.
      for (const d of digests) for (const n of d.notification_ids) expect(rows.get(n)?.digest_id).toBe(d.id);
      expect(new Set(digests.flatMap((d) => d.notification_ids)).size).toBe(6);
    }
  });

  it('a sweep that crashes after claiming (its transaction rolled back) leaves everything to the next one, which sends once', async () => {
    const id = await person({ hour: 8 });
    await hold(id, new Date('2026-07-01T07:00:00Z'));
    await hold(id, new Date('2026-07-01T07:10:00Z'));
    const crashing: DigestStore = Object.create(store, {
      run: { value: (work: Parameters<DigestStore['run']>[0]) => store.run(async (batch) => {
        const result = await work(batch);
        throw new Error(`crash after claiming (${JSON.stringify(result)})`);
      }) },
    });
    const at = new Date('2026-07-01T08:00:00Z');
    await expect(run(at, crashing)).rejects.toThrow(/crash after claiming.*"runs":1/);
    expect(await runsOf([id])).toEqual([]);
    expect(await digestsOf(id)).toEqual([]);
    expect([...(await rowsOf(id)).values()].map((r) => [r.status, r.digest_id])).toEqual([['pending', null], ['pending', null]]);

    expect((await run(at)).runs).toBe(1);
    expect((await run(at, storeB)).runs).toBe(0);
    const [digest] = await digestsOf(id);
    expect(digest).toMatchObject({ period: '2026-07-01', status: 'queued', item_count: 2 });

    const w = worker();
    expect((await dispatch()).map((d) => d.digestId)).toContain(digest!.id);
    expect(await w.send(digest!.id)).toBe('sent');
    expect(await w.send(digest!.id)).toBe('gone');
    expect(w.sent).toHaveLength(1);
    expect((await digestsOf(id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('a worker killed after claiming: the lease runs out, another worker completes it once (counted as ambiguous)', async () => {
    const LEASE = 300;
    const id = await person({ hour: 8 });
    await hold(id, new Date('2026-07-02T07:00:00Z'));
    await run(new Date('2026-07-02T08:00:00Z'));
    const [digest] = await digestsOf(id);
    expect((await dispatch(LEASE)).map((d) => d.digestId)).toContain(digest!.id);

    // The first worker claims it and dies before sending anything.
    const dead = await store.claim(digest!.id, 'email', LEASE);
    expect(dead.kind).toBe('claimed');
    // Its message is redelivered while the claim is live: the other worker leaves it alone.
    const b = worker(LEASE);
    expect(await b.send(digest!.id)).toBe('busy');
    await sleep(LEASE + 50);
    // The claim ran out without an outcome: dispatched again; the next claimer waits the grace first.
    expect((await dispatch(LEASE)).map((d) => d.digestId)).toContain(digest!.id);
    expect(await b.send(digest!.id)).toBe('busy');
    await sleep(LEASE + 50);
    expect((await dispatch(LEASE)).map((d) => d.digestId)).toContain(digest!.id);
    expect(await b.send(digest!.id)).toBe('sent');
    expect(b.sent).toHaveLength(1);
    expect(b.counts.ambiguous).toBe(1);
    expect((await digestsOf(id))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    // Nothing is left to send, by anyone.
    await sleep(LEASE + 50);
    expect((await dispatch(LEASE)).map((d) => d.digestId)).not.toContain(digest!.id);
    expect(await b.send(digest!.id)).toBe('gone');
    expect(b.sent).toHaveLength(1);
  });
});

describe('failures', () => {
  it('a digest the provider refuses ends failed with its items, in the dead letters; a replay sends it once', async () => {
    const id = await person({ hour: 8 });
    const item = await hold(id, new Date('2026-07-03T07:00:00Z'));
    await run(new Date('2026-07-03T08:00:00Z'));
    const [digest] = await digestsOf(id);
    const refusing = worker();
    refusing.deps.senders = new Map([['email', {
      channel: 'email',
      async send() {
        throw new SendFailure('permanent', 'smtp_5xx', '554 rejected', [{ provider: 'fake', outcome: 'permanent', latencyMs: 1 }]);
      },
      breakerStates: () => ({}),
      async close() {},
    } satisfies ChannelSender]]);
    await dispatch();
    expect(await refusing.send(digest!.id)).toBe('failed');
    expect((await digestsOf(id))[0]).toMatchObject({ status: 'failed', reason: 'rejected' });
    expect((await rowsOf(id)).get(item.id)).toEqual({ status: 'failed', reason: 'rejected', digest_id: digest!.id });
    const { rows: letters } = await pool.query(`SELECT id FROM "${SCHEMA}".dead_letters WHERE notification_id = $1`, [digest!.id]);
    expect(letters).toHaveLength(1);

    expect(await store.replay(letters[0].id, new Date())).toBe('replayed');
    expect(await store.replay(letters[0].id, new Date())).toBe('already_replayed');
    expect((await rowsOf(id)).get(item.id)).toMatchObject({ status: 'queued', digest_id: digest!.id });
    const w = worker();
    await dispatch();
    expect(await w.send(digest!.id)).toBe('sent');
    expect(w.sent).toHaveLength(1);
    expect((await rowsOf(id)).get(item.id)).toEqual({ status: 'sent', reason: null, digest_id: digest!.id });
    // A dead letter that is not a digest's is left to the deliveries' replay.
    expect(await store.replay(uuidv7(), new Date())).toBeNull();
  });
});

describe('what a digest holds', () => {
  it('nothing pending → nothing sent: no rows, only rows after the instant, or only read items', async () => {
    const none = await person({ hour: 8 });
    const late = await person({ hour: 8 });
    await hold(late, new Date('2026-08-01T08:30:00Z')); // after 08:00: tomorrow's
    const reader = await person({ hour: 8 });
    const read = await hold(reader, new Date('2026-08-01T07:00:00Z'));
    expect(await inbox.markRead([read.id], reader, new Date('2026-08-01T07:30:00Z'))).toEqual([read.id]);
    await run(new Date('2026-08-01T09:00:00Z'));
    for (const id of [none, late, reader]) {
      expect(await runsOf([id])).toEqual([]);
      expect(await digestsOf(id)).toEqual([]);
    }
    expect((await rowsOf(reader)).get(read.id)).toEqual({ status: 'cancelled', reason: 'read', digest_id: null });
    // The late item goes out with the next day's digest.
    await run(new Date('2026-08-02T08:00:00Z'));
    expect((await digestsOf(late)).map((d) => [d.period, d.item_count])).toEqual([['2026-08-02', 1]]);
  });

  it('an item read before the run is left out; one read after the run but before the send too; the rest end sent with the digest’s id', async () => {
    const id = await person({ hour: 8 });
    const first = await hold(id, new Date('2026-08-03T06:00:00Z'), { data: { postId: uuidv7() } });
    const second = await hold(id, new Date('2026-08-03T06:30:00Z'), { actor: { ...bo, id: uuidv7(), displayName: 'Cy' }, title: 'Cy commented on your post', data: { postId: uuidv7() } });
    const third = await hold(id, new Date('2026-08-03T07:00:00Z'), { actor: { ...bo, id: uuidv7(), displayName: 'Di' }, title: 'Di commented on your post', data: { postId: uuidv7() } });
    await inbox.markRead([first.id], id, new Date('2026-08-03T07:30:00Z'));
    await run(new Date('2026-08-03T08:00:00Z'));
    const [digest] = await digestsOf(id);
    expect(digest).toMatchObject({ item_count: 2 });
    expect(new Set(digest!.notification_ids)).toEqual(new Set([second.id, third.id]));

    await inbox.markRead([second.id], id, new Date());
    const w = worker();
    await dispatch();
    expect(await w.send(digest!.id)).toBe('sent');
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]!.text).toContain('Di commented on your post');
    expect(w.sent[0]!.text).not.toContain('Cy commented');
    expect(w.sent[0]!.subject).toBe('Your day on Herald: 1 new notification');
    expect(w.sent[0]!.deliveryId).toBe(`${digest!.id}.email`);

    // The status route tells where each went.
    const statuses = await inbox.deliveryStatuses([first.id, second.id, third.id], id);
    const email = (n: string) => statuses.get(n)?.find((c) => c.channel === 'email');
    expect(email(first.id)).toMatchObject({ status: 'cancelled', reason: 'read', digest: 'daily' });
    expect(email(first.id)?.digestId).toBeUndefined();
    expect(email(second.id)).toMatchObject({ status: 'cancelled', reason: 'read', digest: 'daily', digestId: digest!.id });
    expect(email(third.id)).toMatchObject({ status: 'sent', provider: 'fake', digest: 'daily', digestId: digest!.id });
    // Read now, after it went out: `read`, still naming its digest.
    await inbox.markRead([third.id], id, new Date());
    expect((await inbox.deliveryStatuses([third.id], id)).get(third.id)?.find((c) => c.channel === 'email')).toMatchObject({ status: 'read', digestId: digest!.id });
  });

  it('every item read between the run and the send: the digest is cancelled, nothing is sent', async () => {
    const id = await person({ hour: 8 });
    const only = await hold(id, new Date('2026-08-04T07:00:00Z'));
    await run(new Date('2026-08-04T08:00:00Z'));
    await inbox.markRead([only.id], id, new Date());
    const w = worker();
    await dispatch();
    const [digest] = await digestsOf(id);
    expect(await w.send(digest!.id)).toBe('cancelled');
    expect(w.sent).toEqual([]);
    expect((await digestsOf(id))[0]).toMatchObject({ status: 'cancelled', reason: 'read', attempts: 0 });
  });

  it('a grouped like counts as the inbox counts it: its live head only, 13 people, one line', async () => {
    const id = await person({ hour: 8 });
    const postId = uuidv7();
    let head: Notification | undefined;
    for (let i = 0; i < 13; i++) {
      const liker: Actor = { id: uuidv7(), username: `liker${i}`, displayName: `Liker ${i}` };
      const at = new Date(Date.parse('2026-08-05T06:00:00Z') + i * MINUTE);
      const draft = { type: 'like' as const, priority: 'low' as const, actor: liker, object: { kind: 'post' as const, id: postId }, title: render({ type: 'like', actors: [liker] }).title, body: 'My post', data: { postId, excerpt: 'My post' }, groupKey: `like:post:${postId}` };
      if (!head) {
        head = { id: uuidv7(at.getTime()), type: 'like', category: 'informational', priority: 'low', actor: liker, object: draft.object, title: draft.title, body: draft.body, data: { ...draft.data, actors: [liker] }, groupKey: draft.groupKey, count: 1, createdAt: at.toISOString(), readAt: null };
        await writeItem(id, head);
        continue;
      }
      const merged = mergeIntoGroup(groupHeadOf(head), liker, at, HOUR);
      if (!merged.merge) throw new Error('expected a merge');
      const next = groupSuccessor(head, draft, merged, { id: uuidv7(at.getTime()), createdAt: at });
      await writeItem(id, next, { supersedes: head.id });
      head = next;
    }
    const listed = (await inbox.list(id, { limit: 10 })).items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: head!.id, count: 13 });

    await run(new Date('2026-08-05T08:00:00Z'));
    const [digest] = await digestsOf(id);
    expect(digest).toMatchObject({ item_count: 1, notification_ids: [head!.id] });
    // The twelve superseded items were cancelled when they were superseded: never counted twice.
    const rows = await rowsOf(id);
    expect([...rows.values()].filter((r) => r.status === 'cancelled' && r.reason === 'superseded')).toHaveLength(12);

    const claim = await (async () => {
      await dispatch();
      return store.claim(digest!.id, 'email', 60_000);
    })();
    if (claim.kind !== 'claimed' || !isClaimedDigest(claim.delivery)) throw new Error(`expected a claim, got ${claim.kind}`);
    const content = digestContent(claim.delivery.digest.items);
    expect(content.entries).toHaveLength(1);
    expect(content.entries[0]).toMatchObject({ type: 'like', count: listed[0]!.count, title: listed[0]!.title });
    expect(content.entries[0]!.title).toBe('Liker 12 and 12 others liked your post');
    const message = await renderDigestMessage({ publicUrl: 'http://herald.test', signer }, claim.delivery);
    expect(message.text).toContain('Liker 12 and 12 others liked your post');
  });

  it('weekly digests take weekly rows, on Monday at digestHour in the person’s zone', async () => {
    const id = await person({ zone: 'Europe/Berlin', hour: 8, frequency: 'weekly' });
    await hold(id, new Date('2026-09-02T10:00:00Z'), {}, { frequency: 'weekly' }); // a Wednesday
    await run(new Date('2026-09-06T20:00:00Z')); // Sunday: not yet
    expect(await digestsOf(id)).toEqual([]);
    await run(new Date('2026-09-07T05:59:00Z')); // Monday 07:59 CEST
    expect(await digestsOf(id)).toEqual([]);
    await run(new Date('2026-09-07T06:00:00Z')); // Monday 08:00 CEST
    expect((await digestsOf(id)).map((d) => [d.frequency, d.period, d.item_count])).toEqual([['weekly', '2026-W37', 1]]);
  });
});

describe('POST /api/v1/admin/digests/run (a service on PostgreSQL, channels captured)', () => {
  let service: NotificationService;
  const bus = new MemoryEventBus();
  const workBus = new MemoryEventBus({ exchange: 'herald.notification.work' });
  const post = (body: unknown, key: string | null = 'hk_digest_admin_key_0123456789') =>
    service.app.inject({ method: 'POST', url: '/api/v1/admin/digests/run', headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) }, payload: JSON.stringify(body) });

  beforeAll(async () => {
    const keys = generateTokenKeys();
    const live = new FakeLiveHub();
    service = await createNotificationService({
      logger: createLogger('digests-route-test', process.env.LOG_LEVEL ?? 'silent'),
      registry: createMetricsRegistry('notification-service'),
      pool,
      schema: SCHEMA,
      bus,
      workBus,
      verifier: new TokenVerifier(keys.publicKey),
      listen: false,
      live: () => live,
      outboxPollMs: 60_000,
      sendApiKeys: 'ops:hk_digest_admin_key_0123456789:admin,backend:hk_digest_send_key_0123456789',
      // The periodic sweep stays out of the way: this test runs it through the route.
      channels: { captureUnconfigured: true, channelSweepMs: 50, digestSweepMs: 3_600_000 },
    });
    await service.start();
  });

  afterAll(async () => {
    await service?.close();
    await bus.close();
    await workBus.close();
  });

  it('needs an API key with the admin scope; a bad `at` is a 400 naming it', async () => {
    expect((await post({}, null)).statusCode).toBe(401);
    expect((await post({}, 'hk_digest_send_key_0123456789')).statusCode).toBe(403);
    for (const at of ['yesterday', '2026-03-29T08:00:00', 5, '2026-13-01T00:00:00Z']) {
      const res = await post({ at });
      expect(res.statusCode, JSON.stringify(at)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'invalid_request', details: { field: 'at', location: 'body' } });
    }
    // No body at all: as of now.
    const now = await service.app.inject({ method: 'POST', url: '/api/v1/admin/digests/run', headers: { 'x-api-key': 'hk_digest_admin_key_0123456789' } });
    expect(now.statusCode, now.body).toBe(202);
    expect(Date.now() - Date.parse(now.json().at)).toBeLessThan(60_000);
    const unknown = await post({ when: '2026-03-29T08:00:00Z' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toMatchObject({ field: 'when' });
  });

  it('202 runs the sweep as of `at`; the digest goes out once through the channel workers; a second run sends nothing', async () => {
    const id = await person({ zone: 'Europe/Berlin', hour: 2 });
    const created = await hold(id, new Date('2026-10-24T23:00:00Z'));
    const capture = service.channels.registry.capture!;
    // Only this person's messages: digests other tests in this file left queued go out through these workers too.
    const mine = async () => {
      const ids = new Set((await digestsOf(id)).map((d) => `${d.id}.email`));
      return capture.list().filter((m) => ids.has(m.deliveryId));
    };
    const res = await post({ at: '2026-10-25T00:00:00Z' }); // 02:00 CEST, the first of the two 02:00s
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ at: '2026-10-25T00:00:00.000Z', runs: 1, digests: 1, rows: 1 });
    await waitFor(async () => (await mine()).length > 0, 'the captured digest');
    const [digest] = await digestsOf(id);
    await waitFor(async () => (await digestsOf(id))[0]?.status === 'sent', 'the digest recorded sent');
    expect(await mine()).toHaveLength(1);

    // The same instant again, and the repeated 02:00 (CET) an hour later: the period is taken.
    for (const at of ['2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z']) {
      const again = await post({ at });
      expect(again.statusCode).toBe(202);
      expect(again.json()).toMatchObject({ runs: 0, digests: 0 });
    }
    await sleep(300);
    expect(await digestsOf(id)).toHaveLength(1);
    expect(await mine()).toHaveLength(1);
    expect((await rowsOf(id)).get(created.id)).toEqual({ status: 'sent', reason: null, digest_id: digest!.id });
  });
});
