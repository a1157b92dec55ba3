import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

describe('user-service under concurrent writes', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t?.close());

  const register = (body: object) => t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: body });
  const outboxCount = async (type: string) =>
    (await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".outbox WHERE routing_key = $1`, [type])).rows[0].n as number;

  it('lets exactly one of two simultaneous sign-ups with the same username (any case) win', async () => {
    const before = await outboxCount('user.registered');
    const results = await Promise.all([
      register({ username: 'Racer', email: 'racer1@example.com', password: 'racer-password' }),
      register({ username: 'rACER', email: 'racer2@example.com', password: 'racer-password' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().error).toMatchObject({ code: 'username_taken', details: { field: 'username' } });
    const rows = await t.pool.query(`SELECT count(*)::int AS n FROM "${t.schema}".users WHERE username_key = 'racer'`);
    expect(rows.rows[0].n).toBe(1);
    expect(await outboxCount('user.registered')).toBe(before + 1);
  });

  it('lets exactly one of two simultaneous sign-ups with the same email win', async () => {
    const results = await Promise.all([
      register({ username: 'mail_one', email: 'Shared@example.com', password: 'shared-password' }),
      register({ username: 'mail_two', email: 'shared@EXAMPLE.com', password: 'shared-password' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.statusCode === 409)!.json().error.code).toBe('email_taken');
  });

  it('keeps follower counters equal to the edges under a storm of follows and unfollows', async () => {
    const users: Awaited<ReturnType<typeof signUp>>[] = [];
    for (const name of ['storm_a', 'storm_b', 'storm_c']) users.push(await signUp(t.app, { username: name, email: `${name}@example.com`, password: 'storm-password' }));
    // Mutual pairs included: A→B and B→A in flight together is the deadlock-prone case.
    const pairs = users.flatMap((a) => users.filter((b) => b !== a).map((b) => [a, b] as const));
    const ops = Array.from({ length: 60 }, (_, i) => {
      const [from, to] = pairs[i % pairs.length]!;
      const method = (i * 7) % 3 === 0 ? 'DELETE' : 'POST';
      return t.app.inject({ method, url: `/api/v1/users/${to.user.id}/follow`, headers: bearer(from.accessToken) });
    });
    expect(new Set((await Promise.all(ops)).map((r) => r.statusCode))).toEqual(new Set([204]));

    const { rows } = await t.pool.query(
      `SELECT u.id, u.followers_count, u.following_count,
              (SELECT count(*)::int FROM "${t.schema}".follows f WHERE f.followee_id = u.id) AS followers,
              (SELECT count(*)::int FROM "${t.schema}".follows f WHERE f.follower_id = u.id) AS following
       FROM "${t.schema}".users u WHERE u.username_key LIKE 'storm%'`,
    );
    for (const row of rows) {
      expect(row.followers_count).toBe(row.followers);
      expect(row.following_count).toBe(row.following);
    }
    // Every edge that exists has one more user.followed than user.unfollowed event, every other pair as many.
    const events = await t.pool.query(
      `SELECT payload->'data' AS data, routing_key FROM "${t.schema}".outbox WHERE routing_key IN ('user.followed', 'user.unfollowed')`,
    );
    const edges = await t.pool.query(`SELECT follower_id, followee_id FROM "${t.schema}".follows`);
    const balance = new Map<string, number>();
    for (const { data, routing_key } of events.rows) {
      const key = routing_key === 'user.followed' ? `${data.follower.id}>${data.followeeId}` : `${data.followerId}>${data.followeeId}`;
      balance.set(key, (balance.get(key) ?? 0) + (routing_key === 'user.followed' ? 1 : -1));
    }
    for (const [a, b] of pairs) {
      const exists = edges.rows.some((e) => e.follower_id === a.user.id && e.followee_id === b.user.id);
      expect(balance.get(`${a.user.id}>${b.user.id}`) ?? 0).toBe(exists ? 1 : 0);
    }
  });
});
