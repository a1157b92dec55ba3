import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEvent, type DomainEvent } from '@herald/contracts';
import type { IncomingMessage } from '@herald/platform';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/**
 * The whole public surface on a real Postgres: register → login → me → patch → search → follow
 * (twice) → page followers → unfollow, then the outbox holds exactly the expected events, once
 * each, and the relay has published them.
 */
describe('user-service on Postgres', () => {
  let t: TestService;
  const published: IncomingMessage[] = [];

  beforeAll(async () => {
    t = await startTestService();
    await t.bus.subscribe({ queue: 'journey-test', bindings: ['user.*'] }, async (m) => void published.push(m));
  });
  afterAll(() => t?.close());

  it('goes through the journey of a user', async () => {
    const { app } = t;
    const ana = await signUp(app, { username: 'Ana', email: 'ana@example.com', password: 'ana-password', timezone: 'Europe/Lisbon' });
    expect(ana.user).toMatchObject({ username: 'Ana', displayName: 'Ana', locale: 'en', timezone: 'Europe/Lisbon', email: 'ana@example.com', phone: null });
    expect(ana.user).not.toHaveProperty('passwordHash');
    const fans = [];
    for (const name of ['bob', 'cleo', 'dan', 'eve']) fans.push(await signUp(app, { username: name, email: `${name}@example.com`, password: `${name}-password` }));
    const [bob] = fans as [(typeof fans)[0]];

    // login by username (any case) or email; one answer for every failure
    const byEmail = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'ANA@example.com', password: 'ana-password' } });
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json().user.id).toBe(ana.user.id);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'ana', password: 'not-her-password' } });
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'nobody', password: 'ana-password' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const token = byEmail.json().accessToken as string;

    const me = await app.inject({ url: '/api/v1/users/me', headers: bearer(token) });
    expect(me.json().user).toMatchObject({ id: ana.user.id, email: 'ana@example.com', followersCount: 0 });
    expect((await app.inject({ url: '/api/v1/users/me' })).statusCode).toBe(401);

    const patched = await app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(token), payload: { displayName: 'Ana Lima', phone: '+351912345678', locale: 'pt-pt' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().user).toMatchObject({ displayName: 'Ana Lima', phone: '+351912345678', locale: 'pt-PT', timezone: 'Europe/Lisbon' });
    const taken = await app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: bearer(token), payload: { email: 'BOB@example.com' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('email_taken');

    const search = await app.inject({ url: '/api/v1/users?query=AN', headers: bearer(bob.accessToken) });
    expect(search.json().items.map((u: { username: string }) => u.username)).toEqual(['Ana']);
    expect(search.json().items[0]).not.toHaveProperty('email');

    // follow twice: one edge, one event
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/users/${ana.user.id}/follow`, headers: bearer(bob.accessToken) });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    }
    for (const fan of fans.slice(1)) {
      expect((await app.inject({ method: 'POST', url: `/api/v1/users/${ana.user.id}/follow`, headers: bearer(fan.accessToken) })).statusCode).toBe(204);
    }
    const profile = await app.inject({ url: `/api/v1/users/${ana.user.id}`, headers: bearer(bob.accessToken) });
    expect(profile.json().user).toMatchObject({ followersCount: 4, followingCount: 0 });
    expect(profile.json().user).not.toHaveProperty('email');

    // followers, newest first, across pages of 3
    const seen: string[] = [];
    let url = `/api/v1/users/${ana.user.id}/followers?limit=3`;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(3);
      const page = await app.inject({ url, headers: bearer(token) });
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((u: { username: string }) => u.username));
      const next = page.json().nextCursor as string | null;
      if (!next) break;
      url = `/api/v1/users/${ana.user.id}/followers?limit=3&cursor=${encodeURIComponent(next)}`;
    }
    expect(seen).toEqual(['eve', 'dan', 'cleo', 'bob']);
    const following = await app.inject({ url: `/api/v1/users/${bob.user.id}/following`, headers: bearer(token) });
    expect(following.json()).toEqual({ items: [expect.objectContaining({ id: ana.user.id, followedAt: expect.any(String) })], nextCursor: null });

    // unfollow twice: one event
    for (let i = 0; i < 2; i++) {
      expect((await app.inject({ method: 'DELETE', url: `/api/v1/users/${ana.user.id}/follow`, headers: bearer(bob.accessToken) })).statusCode).toBe(204);
    }
    expect((await app.inject({ url: '/api/v1/users/me', headers: bearer(token) })).json().user.followersCount).toBe(3);
    expect((await app.inject({ url: '/api/v1/users/me', headers: bearer(bob.accessToken) })).json().user.followingCount).toBe(0);

    // the outbox: exactly these events, once each, in commit order
    const { rows } = await t.pool.query<{ id: string; routing_key: string; payload: DomainEvent }>(
      `SELECT id, routing_key, payload FROM "${t.schema}".outbox ORDER BY created_at, id`,
    );
    const events = rows.map((r) => parseEvent(r.payload));
    expect(rows.every((r) => r.id === r.payload.id && r.routing_key === r.payload.type)).toBe(true);
    expect(events.map((e) => e.type)).toEqual([
      ...Array(5).fill('user.registered'),
      'user.updated',
      ...Array(4).fill('user.followed'),
      'user.unfollowed',
    ]);
    expect(events.map((e) => e.type === 'user.registered' && e.data.username).filter(Boolean)).toEqual(['Ana', 'bob', 'cleo', 'dan', 'eve']);
    expect(events.filter((e) => e.type === 'user.followed').map((e) => e.data)).toEqual(
      fans.map((f) => ({ follower: { id: f.user.id, username: f.user.username, displayName: f.user.username }, followeeId: ana.user.id })),
    );
    expect(events.find((e) => e.type === 'user.updated')!.data).toEqual({
      userId: ana.user.id,
      changes: { displayName: 'Ana Lima', phone: '+351912345678', locale: 'pt-PT' },
    });
    expect(events.at(-1)!.data).toEqual({ followerId: bob.user.id, followeeId: ana.user.id });
    expect(events.every((e) => e.producer === 'user-service')).toBe(true);

    // ... and the relay published each of them
    await vi.waitFor(() => expect(published).toHaveLength(events.length), { timeout: 10_000 });
    expect(published.map((m) => m.messageId).sort()).toEqual(events.map((e) => e.id).sort());
    await vi.waitFor(async () => {
      const pending = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".outbox WHERE published_at IS NULL`);
      expect(pending.rows[0].n).toBe(0);
    });
  });

  it('answers a search from the pattern index and treats _ literally', async () => {
    const { app } = t;
    const { accessToken } = await signUp(app, { username: 'zed_one', email: 'zed1@example.com', password: 'zed-password' });
    await signUp(app, { username: 'zedXone', email: 'zed2@example.com', password: 'zed-password' });
    const found = await app.inject({ url: '/api/v1/users?query=ZED_&limit=10', headers: bearer(accessToken) });
    expect(found.json().items.map((u: { username: string }) => u.username)).toEqual(['zed_one']);

    // The query shape Prisma sends for startsWith, planned as for one request. The unique index is
    // dropped (and restored by the rollback) because on a C-collation database it could serve the
    // LIKE too; on any other collation only the text_pattern_ops index can.
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path = "${t.schema}"`);
      await client.query('SET LOCAL enable_seqscan = off');
      await client.query('SET LOCAL plan_cache_mode = force_custom_plan');
      await client.query('DROP INDEX users_username_key_key');
      await client.query(`PREPARE search_by_prefix(text, bigint) AS SELECT id FROM users WHERE username_key::text LIKE ($1 || '%') ORDER BY username_key LIMIT $2`);
      const plan = await client.query(`EXPLAIN EXECUTE search_by_prefix('zed\\_', 10)`);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index (Only )?Scan using users_username_key_pattern_idx/);
    } finally {
      await client.query('ROLLBACK');
      await client.query('DEALLOCATE ALL');
      client.release();
    }
  });

  it('describes its routes in the OpenAPI document, without the password hash', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/users/me',
        '/api/v1/users',
        '/api/v1/users/{id}',
        '/api/v1/users/{id}/follow',
        '/api/v1/users/{id}/followers',
        '/api/v1/users/{id}/following',
      ]),
    );
    expect(doc.paths['/api/v1/users/me'].get.security).toEqual([{ bearer: [] }]);
    expect(res.body).not.toMatch(/passwordHash|password_hash/);
  });
});
