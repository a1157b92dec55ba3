import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus, applyMigrations, createMetricsRegistry, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, waitFor } from '@herald/platform/testing';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

type Person = Awaited<ReturnType<typeof signUp>>;

/**
 * Blocks and the direct-message policy on a real PostgreSQL, through the routes: the rows, the
 * counters, the outbox (events in commit order), the follow refusals, and races between blocks and
 * follows of the same two people.
 */
describe('blocks on PostgreSQL', () => {
  let t: TestService;
  let n = 0;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t?.close());

  const person = () => {
    n++;
    return signUp(t.app, { username: `blk_${n}_${randomBytes(3).toString('hex')}`, email: `blk${n}.${randomBytes(3).toString('hex')}@example.com`, password: 'block-password' });
  };
  const call = (method: 'PUT' | 'DELETE' | 'POST' | 'GET' | 'PATCH', url: string, who: Person, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(who.accessToken), ...(payload ? { payload } : {}) });
  const block = (who: Person, whom: Person, method: 'PUT' | 'DELETE' = 'PUT') => call(method, `/api/v1/users/${whom.user.id}/block`, who);
  const follow = (who: Person, whom: Person, method: 'POST' | 'DELETE' = 'POST') => call(method, `/api/v1/users/${whom.user.id}/follow`, who);
  const profile = async (who: Person) => (await call('GET', '/api/v1/users/me', who)).json().user;
  /** The outbox rows about these people, in the order the relay publishes them. */
  const outbox = async (...people: Person[]): Promise<DomainEvent[]> => {
    const ids = people.map((p) => p.user.id);
    const { rows } = await t.pool.query<{ payload: DomainEvent }>(
      `SELECT payload FROM "${t.schema}".outbox
       WHERE routing_key IN ('user.followed', 'user.unfollowed', 'user.blocked', 'user.unblocked')
         AND (payload->'data'->>'blockerId' = ANY($1) OR payload->'data'->>'followerId' = ANY($1) OR payload->'data'->'follower'->>'id' = ANY($1))
       ORDER BY created_at, id`,
      [ids],
    );
    return rows.map((r) => parseEvent(r.payload));
  };

  it('blocks: 204 twice, the follows both ways gone with an event each, then user.blocked; counters follow the edges', async () => {
    const [ana, bob, cy] = [await person(), await person(), await person()];
    await follow(ana, bob);
    await follow(bob, ana);
    await follow(cy, ana);
    const before = (await outbox(ana, bob)).length;

    for (let i = 0; i < 2; i++) {
      const res = await block(ana, bob);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    }
    const events = (await outbox(ana, bob)).slice(before);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['user.unfollowed', expect.objectContaining({ followeeId: expect.any(String) })],
      ['user.unfollowed', expect.objectContaining({ followeeId: expect.any(String) })],
      ['user.blocked', { blockerId: ana.user.id, blockedId: bob.user.id }],
    ]);
    expect(events.slice(0, 2).map((e) => e.data)).toEqual(
      expect.arrayContaining([{ followerId: ana.user.id, followeeId: bob.user.id }, { followerId: bob.user.id, followeeId: ana.user.id }]),
    );
    expect(await profile(ana)).toMatchObject({ followersCount: 1, followingCount: 0 });
    expect(await profile(bob)).toMatchObject({ followersCount: 0, followingCount: 0 });
    const edges = await t.pool.query(`SELECT 1 FROM "${t.schema}".follows WHERE follower_id = ANY($1::uuid[]) AND followee_id = ANY($1::uuid[])`, [[ana.user.id, bob.user.id]]);
    expect(edges.rowCount).toBe(0);
  });

  it('refuses follows both ways with 403 blocked; unblock (204 twice, one event) lets them follow again', async () => {
    const [ana, bob] = [await person(), await person()];
    await block(ana, bob);
    const byBlocked = await follow(bob, ana);
    const byBlocker = await follow(ana, bob);
    expect([byBlocked.statusCode, byBlocker.statusCode]).toEqual([403, 403]);
    expect(byBlocked.json()).toEqual({ error: { code: 'blocked', message: 'id: you cannot follow this user', details: { field: 'id' } } });
    expect(byBlocker.json().error).toMatchObject({ code: 'blocked', message: 'id: you blocked this user; unblock them first' });

    const before = (await outbox(ana)).length;
    expect((await block(ana, bob, 'DELETE')).statusCode).toBe(204);
    expect((await block(ana, bob, 'DELETE')).statusCode).toBe(204);
    const events = (await outbox(ana)).slice(before);
    expect(events.map((e) => [e.type, e.data])).toEqual([['user.unblocked', { blockerId: ana.user.id, blockedId: bob.user.id }]]);
    expect((await follow(bob, ana)).statusCode).toBe(204);
  });

  it('lists your blocks newest first across pages, and only yours', async () => {
    const me = await person();
    const others = [await person(), await person(), await person()];
    for (const o of others) await block(me, o);
    const seen: string[] = [];
    let url = '/api/v1/users/me/blocks?limit=2';
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(2);
      const page = await call('GET', url, me);
      expect(page.statusCode).toBe(200);
      for (const item of page.json().items) {
        expect(Object.keys(item).sort()).toEqual(['createdAt', 'userId']);
        seen.push(item.userId);
      }
      const next = page.json().nextCursor as string | null;
      if (!next) break;
      url = `/api/v1/users/me/blocks?limit=2&cursor=${encodeURIComponent(next)}`;
    }
    expect(seen).toEqual(others.map((o) => o.user.id).reverse());
    expect((await call('GET', '/api/v1/users/me/blocks', others[0]!)).json()).toEqual({ items: [], nextCursor: null });
  });

  it('refuses blocking yourself (400 naming id) and unknown people (404)', async () => {
    const me = await person();
    for (const method of ['PUT', 'DELETE'] as const) {
      const self = await call(method, `/api/v1/users/${me.user.id.toUpperCase()}/block`, me);
      expect(self.statusCode).toBe(400);
      expect(self.json().error).toMatchObject({ code: 'invalid_request', details: { field: 'id' } });
      expect((await call(method, `/api/v1/users/${uuidv7()}/block`, me)).statusCode).toBe(404);
    }
  });

  it('stores the direct-message policy, shows it only to its owner and emits user.updated with it', async () => {
    const [ana, bob] = [await person(), await person()];
    expect((await profile(ana)).directMessages).toBe('everyone');
    const patched = await call('PATCH', '/api/v1/users/me', ana, { directMessages: 'following' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().user.directMessages).toBe('following');
    expect((await call('GET', `/api/v1/users/${ana.user.id}`, bob)).json().user).not.toHaveProperty('directMessages');
    const bad = await call('PATCH', '/api/v1/users/me', ana, { directMessages: 'nobody' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe('directMessages');
    const { rows } = await t.pool.query(
      `SELECT payload->'data'->'changes' AS changes FROM "${t.schema}".outbox WHERE routing_key = 'user.updated' AND payload->'data'->>'userId' = $1`,
      [ana.user.id],
    );
    expect(rows.map((r) => r.changes)).toEqual([{ directMessages: 'following' }]);
  });

  it('keeps blocks and follows consistent when blocks and follows of the same two people race', async () => {
    const [ana, bob] = [await person(), await person()];
    for (let round = 0; round < 3; round++) {
      expect((await block(ana, bob, 'DELETE')).statusCode).toBe(204);
      await follow(bob, ana);
      await follow(ana, bob);
      const storm = Array.from({ length: 24 }, (_, i) => {
        switch (i % 4) {
          case 0: return follow(bob, ana);
          case 1: return follow(ana, bob);
          case 2: return block(ana, bob);
          default: return follow(bob, ana, 'DELETE');
        }
      });
      const results = await Promise.all(storm);
      // No deadlock, no 500: a follow is either done (and then removed by the block) or refused by it.
      for (const r of results) expect([204, 403], r.body).toContain(r.statusCode);
      expect(results.some((r) => r.statusCode === 403)).toBe(true);
      // Whatever the interleaving, the block won: no edge between them is left.
      const edges = await t.pool.query(`SELECT 1 FROM "${t.schema}".follows WHERE follower_id = ANY($1::uuid[]) AND followee_id = ANY($1::uuid[])`, [[ana.user.id, bob.user.id]]);
      expect(edges.rowCount).toBe(0);
    }
    const blocked = await t.pool.query(`SELECT 1 FROM "${t.schema}".blocks WHERE blocker_id = $1 AND blocked_id = $2`, [ana.user.id, bob.user.id]);
    expect(blocked.rowCount).toBe(1);
    const edges = await t.pool.query(`SELECT follower_id FROM "${t.schema}".follows WHERE follower_id = ANY($1::uuid[]) AND followee_id = ANY($1::uuid[])`, [[ana.user.id, bob.user.id]]);
    for (const who of [ana, bob]) {
      const { rows } = await t.pool.query(
        `SELECT followers_count, following_count,
                (SELECT count(*)::int FROM "${t.schema}".follows WHERE followee_id = $1) AS followers,
                (SELECT count(*)::int FROM "${t.schema}".follows WHERE follower_id = $1) AS following
         FROM "${t.schema}".users WHERE id = $1`,
        [who.user.id],
      );
      expect(rows[0].followers_count).toBe(rows[0].followers);
      expect(rows[0].following_count).toBe(rows[0].following);
    }
    // Replaying the outbox in order gives the state in the tables: the events tell the truth.
    const state = { blocked: false, edges: new Set<string>() };
    for (const e of await outbox(ana, bob)) {
      if (e.type === 'user.blocked') state.blocked = true;
      if (e.type === 'user.unblocked') state.blocked = false;
      if (e.type === 'user.followed') state.edges.add(e.data.follower.id);
      if (e.type === 'user.unfollowed') state.edges.delete(e.data.followerId);
    }
    expect(state.blocked).toBe(blocked.rowCount === 1);
    expect([...state.edges].sort()).toEqual(edges.rows.map((r) => r.follower_id).sort());
    // ... and their times only move forward for the blocker.
    const times = (await outbox(ana)).filter((e) => e.type === 'user.blocked' || e.type === 'user.unblocked').map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it('a follow waits for a block in flight on the same two people, then sees it: 403 and no edge', async () => {
    const [ana, bob] = [await person(), await person()];
    const client = await t.pool.connect();
    try {
      // A block's transaction, held open: both users rows locked, the way PrismaBlockRepository starts.
      await client.query('BEGIN');
      const blockerPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await client.query(`SELECT id FROM "${t.schema}".users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [[ana.user.id, bob.user.id]]);
      const pending = follow(bob, ana);
      // The follow's transaction is queued behind those locks (not merely not started yet).
      await waitFor(async () => {
        const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, [blockerPid]);
        return rows[0]!.n > 0;
      }, 'the follow to wait for the users rows the block holds');
      await client.query(`INSERT INTO "${t.schema}".blocks (id, blocker_id, blocked_id, created_at) VALUES ($1, $2, $3, now())`, [uuidv7(), ana.user.id, bob.user.id]);
      await client.query('COMMIT');
      const res = await pending;
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe('blocked');
    } finally {
      client.release();
    }
    const edges = await t.pool.query(`SELECT 1 FROM "${t.schema}".follows WHERE follower_id = $1 AND followee_id = $2`, [bob.user.id, ana.user.id]);
    expect(edges.rowCount).toBe(0);
    expect(await profile(ana)).toMatchObject({ followersCount: 0 });
  });

  it('deleting an account takes its blocks both ways with it', async () => {
    const [ana, bob, cy] = [await person(), await person(), await person()];
    await block(ana, bob);
    await block(cy, ana);
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: bearer(ana.accessToken), payload: { password: 'block-password' } });
    expect(res.statusCode).toBe(204);
    const left = await t.pool.query(`SELECT 1 FROM "${t.schema}".blocks WHERE blocker_id = $1 OR blocked_id = $1`, [ana.user.id]);
    expect(left.rowCount).toBe(0);
    expect((await call('GET', '/api/v1/users/me/blocks', cy)).json().items).toEqual([]);
  });
});

describe('the blocks migration', () => {
  it('applies on a database that already has accounts: each gets the default policy and no blocks', async () => {
    const db = await createTestDatabase('user_blocks_migration');
    const pool = createPgPool(db.url, { max: 2 });
    const older = mkdtempSync(path.join(tmpdir(), 'herald-user-migrations-'));
    try {
      for (const name of readdirSync(MIGRATIONS_DIR).filter((d) => /^\d{14}_/.test(d) && d < '20261209120000')) {
        cpSync(path.join(MIGRATIONS_DIR, name), path.join(older, name), { recursive: true });
      }
      await applyMigrations({ pool, schema: 'users', migrationsDir: older });
      await pool.query(
        `INSERT INTO users.users (id, username, username_key, email, email_key, password_hash, display_name, locale, timezone)
         VALUES ($1, 'old_timer', 'old_timer', 'old@example.com', 'old@example.com', 'x', 'Old', 'en', 'UTC')`,
        [uuidv7()],
      );
      expect(await applyMigrations({ pool, schema: 'users', migrationsDir: MIGRATIONS_DIR })).toEqual(['20261209120000_blocks']);
      const { rows } = await pool.query(`SELECT direct_messages, blocks_changed_at FROM users.users`);
      expect(rows).toEqual([{ direct_messages: 'everyone', blocks_changed_at: null }]);
      await expect(pool.query(`UPDATE users.users SET direct_messages = 'nobody'`)).rejects.toThrow(/users_direct_messages_check/);
      expect(await applyMigrations({ pool, schema: 'users', migrationsDir: MIGRATIONS_DIR })).toEqual([]);
    } finally {
      rmSync(older, { recursive: true, force: true });
      await pool.end();
      await db.drop();
    }
  });
});

describe('block events on RabbitMQ', () => {
  const suffix = randomBytes(6).toString('hex');
  const exchange = `test.user-service.blocks.${suffix}`;
  const probe = `${exchange}.probe`;
  let t: TestService;
  let connection: ChannelModel;
  let channel: Channel;
  const received: DomainEvent[] = [];

  beforeAll(async () => {
    const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange, registry: createMetricsRegistry('user-service-blocks-test'), connectionName: 'user-service blocks test' });
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    await channel.assertQueue(probe, { exclusive: true, autoDelete: true });
    for (const key of ['user.blocked', 'user.unblocked', 'user.unfollowed']) await channel.bindQueue(probe, exchange, key);
    await channel.consume(probe, (msg) => {
      if (!msg) return;
      received.push(parseEvent(JSON.parse(msg.content.toString())));
      channel.ack(msg);
    });
    t = await startTestService({ bus });
  });

  afterAll(async () => {
    await t?.close();
    await channel?.deleteQueue(probe).catch(() => undefined);
    await channel?.deleteExchange(exchange).catch(() => undefined);
    await connection?.close();
  });

  it('publishes the unfollow, the block and the unblock through the outbox, in that order', async () => {
    const ana = await signUp(t.app, { username: 'mq_ana', email: 'mq_ana@example.com', password: 'block-password' });
    const bob = await signUp(t.app, { username: 'mq_bob', email: 'mq_bob@example.com', password: 'block-password' });
    await t.app.inject({ method: 'POST', url: `/api/v1/users/${ana.user.id}/follow`, headers: bearer(bob.accessToken) });
    expect((await t.app.inject({ method: 'PUT', url: `/api/v1/users/${bob.user.id}/block`, headers: bearer(ana.accessToken) })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${bob.user.id}/block`, headers: bearer(ana.accessToken) })).statusCode).toBe(204);
    await waitFor(() => received.length >= 3, 'the unfollow, the block and the unblock on the probe queue', 10_000);
    expect(received.map((e) => [e.type, e.producer, e.data])).toEqual([
      ['user.unfollowed', 'user-service', { followerId: bob.user.id, followeeId: ana.user.id }],
      ['user.blocked', 'user-service', { blockerId: ana.user.id, blockedId: bob.user.id }],
      ['user.unblocked', 'user-service', { blockerId: ana.user.id, blockedId: bob.user.id }],
    ]);
  });
});
