import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import { createEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus, DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, retryQueueName, uuidv7 } from '@herald/platform';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import type { UserSummary } from '../../src/domain/model.js';
import { aUser } from '../support/fixtures.js';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 12, n));

/**
 * Blocks and the direct-message policy on the real servers: user-service's events published on
 * RabbitMQ reach post-service's users queue (the new bindings), land in the PostgreSQL projection,
 * and decide direct messages and mentions at the source.
 */
describe('blocks, follows and the direct-message policy in post-service (PostgreSQL, RabbitMQ)', () => {
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const exchange = `test.post-service.reach.${suffix}`;
  const usersQueue = `test.post-service.users.reach.${suffix}`;
  let h: Harness;
  let bus: AmqpEventBus;
  let prisma: PostPrisma;
  let projection: PrismaUserProjection;

  beforeAll(async () => {
    bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange });
    h = await startHarness('post_reach', { bus, usersQueue });
    prisma = createPrismaClient(h.pool, SCHEMA);
    projection = new PrismaUserProjection(prisma, SCHEMA);
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await h?.close();
    await bus?.close();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const q of [usersQueue, deadLetterQueueName(usersQueue), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(usersQueue, ms))]) {
      await channel.deleteQueue(q).catch(() => undefined);
    }
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  });

  const publish = (...events: DomainEvent[]) => bus.publish(events.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
  const event = <T extends 'user.blocked' | 'user.unblocked'>(type: T, blockerId: string, blockedId: string, at: Date) =>
    createEvent(type, { blockerId, blockedId }, { producer: 'user-service', occurredAt: at });
  const relation = async (table: 'blocks' | 'follows', a: string, b: string) => {
    const [x, y] = table === 'blocks' ? ['blocker_id', 'blocked_id'] : ['follower_id', 'followee_id'];
    const { rows } = await h.pool.query(`SELECT active, as_of FROM ${SCHEMA}.${table} WHERE ${x} = $1 AND ${y} = $2`, [a, b]);
    return rows[0] as { active: boolean; as_of: Date } | undefined;
  };
  const policyOf = async (id: string) => (await h.pool.query(`SELECT direct_messages FROM ${SCHEMA}.users WHERE id = $1`, [id])).rows[0]?.direct_messages ?? null;
  const dm = (from: { id: string; username: string }, to: { id: string }) =>
    h.service.app.inject({ method: 'POST', url: '/api/v1/messages', headers: bearer(h.tokenFor(from)), payload: { toUserId: to.id, text: 'hello there' } });
  const people = async <N extends string[]>(...names: N) => {
    const users = names.map((n) => aUser({ username: `${n}_${suffix}`.slice(0, 32) }));
    for (const u of users) await h.register(u);
    return users as { [K in keyof N]: UserSummary };
  };

  it('refuses a message either way once user.blocked has arrived (403 blocked), and again lets it through after user.unblocked', async () => {
    const [ana, bob] = await people('rb_ana', 'rb_bob');
    expect((await dm(bob, ana)).statusCode).toBe(201);
    const at = new Date();
    await publish(event('user.blocked', ana.id, bob.id, at));
    await waitFor(async () => (await relation('blocks', ana.id, bob.id))?.active === true, 'the block');
    for (const [from, to] of [[bob, ana], [ana, bob]] as const) {
      const res = await dm(from, to);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'blocked', message: 'toUserId: you cannot message this user', details: { field: 'toUserId' } } });
    }
    const stored = await h.pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.messages WHERE from_user_id = ANY($1::uuid[])`, [[ana.id, bob.id]]);
    expect(stored.rows[0].n).toBe(1);

    await publish(event('user.unblocked', ana.id, bob.id, new Date(at.getTime() + 1)));
    await waitFor(async () => (await relation('blocks', ana.id, bob.id))?.active === false, 'the unblock');
    expect((await dm(bob, ana)).statusCode).toBe(201);
  });

  it('takes the policy from user.updated and the follows from user.followed / user.unfollowed: 403 messages_restricted unless the recipient follows the sender', async () => {
    const [ana, bob] = await people('rp_ana', 'rp_bob');
    const t0 = Date.now();
    await publish(createEvent('user.updated', { userId: ana.id, changes: { directMessages: 'following' } }, { producer: 'user-service', occurredAt: new Date(t0) }));
    await waitFor(async () => (await policyOf(ana.id)) === 'following', 'the policy');
    const refused = await dm(bob, ana);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toEqual({ code: 'messages_restricted', message: 'toUserId: this user accepts direct messages only from people they follow', details: { field: 'toUserId' } });

    await publish(createEvent('user.followed', { follower: ana, followeeId: bob.id }, { producer: 'user-service', occurredAt: new Date(t0 + 1) }));
    await waitFor(async () => (await relation('follows', ana.id, bob.id))?.active === true, 'the follow');
    expect((await dm(bob, ana)).statusCode).toBe(201);
    // the policy limits who writes to ana, not whom she writes to
    expect((await dm(ana, bob)).statusCode).toBe(201);

    await publish(createEvent('user.unfollowed', { followerId: ana.id, followeeId: bob.id }, { producer: 'user-service', occurredAt: new Date(t0 + 2) }));
    await waitFor(async () => (await relation('follows', ana.id, bob.id))?.active === false, 'the unfollow');
    expect((await dm(bob, ana)).json().error.code).toBe('messages_restricted');
  });

  it('creates no mention row and no mention in the event for a person with a block between them and the writer', async () => {
    const [ana, bob, cy] = await people('rm_ana', 'rm_bob', 'rm_cy');
    await publish(event('user.blocked', bob.id, ana.id, new Date()));
    await waitFor(async () => (await relation('blocks', bob.id, ana.id))?.active === true, 'the block');
    const text = `thanks @${bob.username} and @${cy.username}`;
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(ana)), payload: { text } });
    expect(res.statusCode).toBe(201);
    const post = res.json().post;
    expect(post.text).toBe(text);
    expect(post.mentions).toEqual([{ userId: cy.id, username: cy.username }]);
    const rows = await h.pool.query(`SELECT user_id FROM ${SCHEMA}.post_mentions WHERE post_id = $1`, [post.id]);
    expect(rows.rows).toEqual([{ user_id: cy.id }]);
    const outbox = await h.pool.query(`SELECT payload FROM ${SCHEMA}.outbox WHERE payload->'data'->>'postId' = $1 AND routing_key = 'post.created'`, [post.id]);
    expect(outbox.rows[0].payload.data.mentionedUserIds).toEqual([cy.id]);

    const comment = await h.service.app.inject({ method: 'POST', url: `/api/v1/posts/${post.id}/comments`, headers: bearer(h.tokenFor(bob)), payload: { text: `@${ana.username} @${cy.username}` } });
    expect(comment.json().comment.mentions).toEqual([{ userId: cy.id, username: cy.username }]);
    const commentRows = await h.pool.query(`SELECT user_id FROM ${SCHEMA}.comment_mentions WHERE comment_id = $1`, [comment.json().comment.id]);
    expect(commentRows.rows).toEqual([{ user_id: cy.id }]);
  });

  it('keeps the newest state of a pair whatever order and however often the events are applied, concurrently too', async () => {
    const [a, b] = [uuidv7(), uuidv7()];
    await projection.setBlock(a, b, false, minute(5));
    await projection.setBlock(a, b, true, minute(3)); // older: ignored
    expect(await relation('blocks', a, b)).toEqual({ active: false, as_of: minute(5) });
    // redeliveries of old and new states racing on several connections: the newest wins
    const racing = Array.from({ length: 20 }, (_, i) => projection.setBlock(a, b, i % 2 === 0, minute(6 + (i % 7))));
    await Promise.all(racing);
    expect(await relation('blocks', a, b)).toEqual({ active: true, as_of: minute(12) });
    // equal times: the first one written stays (a redelivery of the same event is a no-op)
    await projection.setFollow(a, b, true, minute(1));
    await projection.setFollow(a, b, false, minute(1));
    expect(await relation('follows', a, b)).toEqual({ active: true, as_of: minute(1) });
  });

  it('erases a deleted account’s blocks and follows both ways, and projects none of its late events', async () => {
    const [gone, other] = [uuidv7(), uuidv7()];
    await projection.setBlock(gone, other, true, minute(1));
    await projection.setBlock(other, gone, true, minute(1));
    await projection.setFollow(gone, other, true, minute(1));
    await projection.setFollow(other, gone, true, minute(1));
    const erased = await projection.erase(gone, minute(2));
    expect(erased.relations).toBe(4);
    await projection.setBlock(gone, other, true, minute(9));
    await projection.setFollow(other, gone, true, minute(9));
    const left = await h.pool.query(
      `SELECT (SELECT count(*)::int FROM ${SCHEMA}.blocks WHERE blocker_id = $1 OR blocked_id = $1) + (SELECT count(*)::int FROM ${SCHEMA}.follows WHERE follower_id = $1 OR followee_id = $1) AS n`,
      [gone],
    );
    expect(left.rows[0].n).toBe(0);
    expect((await projection.erase(gone, minute(3))).relations).toBe(0);
  });

  it('ignores an older policy change that arrives after a newer one', async () => {
    const [ana] = await people('ro_ana');
    const now = Date.now();
    await projection.update(ana.id, { directMessages: 'following' }, new Date(now + 10));
    await projection.update(ana.id, { directMessages: 'everyone' }, new Date(now + 5));
    expect(await policyOf(ana.id)).toBe('following');
    expect(await projection.update(uuidv7(), { directMessages: 'following' }, new Date(now))).toBe(false);
  });
});
