import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/** DELETE /api/v1/users/me on a real PostgreSQL: the password gate, the cascade, the counters, the event. */
describe('account deletion on Postgres', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t?.close());

  let n = 0;
  const person = async (password = 'a long passphrase') => {
    const name = `del_${++n}_${process.pid}`;
    return { ...(await signUp(t.app, { username: name, email: `${name}@example.com`, password })), password };
  };
  const remove = (token: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', headers: { ...bearer(token), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
  const follow = (from: { accessToken: string }, to: { user: { id: string } }, method: 'POST' | 'DELETE' = 'POST') =>
    t.app.inject({ method, url: `/api/v1/users/${to.user.id}/follow`, headers: bearer(from.accessToken) });
  const count = async (sql: string, params: unknown[]) => (await t.pool.query(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0].n as number;
  const deletedEvents = async (userId: string) =>
    (await t.pool.query(`SELECT payload FROM "${t.schema}".outbox WHERE routing_key = 'user.deleted' AND payload->'data'->>'userId' = $1`, [userId])).rows.map((r) => r.payload);
  const counters = async (id: string) =>
    (await t.pool.query(`SELECT followers_count, following_count FROM "${t.schema}".users WHERE id = $1`, [id])).rows[0] as { followers_count: number; following_count: number };

  it('refuses without a token, without a body, with an unknown field, and with a wrong password (403 naming `password`)', async () => {
    const ana = await person();
    const anonymous = await t.app.inject({ method: 'DELETE', url: '/api/v1/users/me', payload: { password: ana.password } });
    expect(anonymous.statusCode).toBe(401);
    const noBody = await remove(ana.accessToken);
    expect(noBody.statusCode).toBe(400);
    const extra = await remove(ana.accessToken, { password: ana.password, confirm: true });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.message).toContain('confirm');
    const typed = await remove(ana.accessToken, { password: 42 });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().error.details).toMatchObject({ field: 'password' });
    const wrong = await remove(ana.accessToken, { password: 'not the password' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: 'wrong_password', details: { field: 'password' } });
    expect(await count(`"${t.schema}".users WHERE id = $1`, [ana.user.id])).toBe(1);
    expect(await deletedEvents(ana.user.id)).toEqual([]);
  });

  it('deletes the row with its sessions, refresh tokens and edges, decrements the others, and writes user.deleted once', async () => {
    const [ana, bo, cy] = [await person(), await person(), await person()];
    expect((await follow(bo, ana)).statusCode).toBe(204);
    expect((await follow(ana, cy)).statusCode).toBe(204);
    expect((await follow(bo, cy)).statusCode).toBe(204);
    const laptop = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: ana.user.username, password: ana.password } });
    expect(laptop.statusCode).toBe(200);
    // A failed login under her email: its counter is personal data too.
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: `${ana.user.username}@example.com`, password: 'nope' } });

    const res = await remove(ana.accessToken, { password: ana.password });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    expect(await count(`"${t.schema}".users WHERE id = $1`, [ana.user.id])).toBe(0);
    expect(await count(`"${t.schema}".sessions WHERE user_id = $1`, [ana.user.id])).toBe(0);
    expect(await count(`"${t.schema}".refresh_tokens r JOIN "${t.schema}".sessions s ON s.id = r.session_id WHERE s.user_id = $1`, [ana.user.id])).toBe(0);
    expect(await count(`"${t.schema}".follows WHERE follower_id = $1 OR followee_id = $1`, [ana.user.id])).toBe(0);
    expect(await count(`"${t.schema}".login_failures WHERE login_key LIKE $1`, [`${ana.user.username}%`])).toBe(0);
    expect(await counters(bo.user.id)).toEqual({ followers_count: 0, following_count: 1 });
    expect(await counters(cy.user.id)).toEqual({ followers_count: 1, following_count: 0 });
    const events = await deletedEvents(ana.user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'user.deleted', producer: 'user-service', data: { userId: ana.user.id } });

    // The account is gone for every way in.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: ana.user.username, password: ana.password } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: ana.refreshToken } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(ana.accessToken) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/v1/users/${ana.user.id}`, headers: bearer(bo.accessToken) })).statusCode).toBe(404);
    const again = await remove(ana.accessToken, { password: ana.password });
    expect(again.statusCode).toBe(404);
    expect(await deletedEvents(ana.user.id)).toHaveLength(1);
    // Her username and email are free again.
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: ana.user.username, email: `${ana.user.username}@example.com`, password: 'another passphrase' } })).statusCode).toBe(201);
  });

  it('locks the deletion of an account after five wrong passwords in a row (429 login_locked with Retry-After)', async () => {
    const ana = await person();
    for (let i = 0; i < 5; i++) expect((await remove(ana.accessToken, { password: `guess number ${i}` })).statusCode).toBe(403);
    const locked = await remove(ana.accessToken, { password: ana.password });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('login_locked');
    expect(locked.headers['retry-after']).toBe('1');
    expect(await count(`"${t.schema}".users WHERE id = $1`, [ana.user.id])).toBe(1);
  });

  it('two deletions at once: one 204, one 404, one event', async () => {
    const ana = await person();
    const results = await Promise.all([remove(ana.accessToken, { password: ana.password }), remove(ana.accessToken, { password: ana.password })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 404]);
    expect(await deletedEvents(ana.user.id)).toHaveLength(1);
  });

  it('keeps every counter equal to its edges when follows, unfollows and the deletion race', async () => {
    const target = await person();
    const crowd = await Promise.all(Array.from({ length: 6 }, () => person()));
    for (const p of crowd.slice(0, 3)) await follow(p, target);
    for (const p of crowd.slice(3)) await follow(target, p);
    const storm = crowd.flatMap((p, i) => [follow(p, target, i % 2 ? 'DELETE' : 'POST'), follow(target, p, i % 2 ? 'POST' : 'DELETE'), follow(p, crowd[(i + 1) % crowd.length]!)]);
    const [deleted, ...others] = await Promise.all([remove(target.accessToken, { password: target.password }), ...storm]);
    expect(deleted.statusCode).toBe(204);
    // A follow that lost the race to the deletion finds nobody to follow.
    for (const r of others) expect([204, 404]).toContain(r.statusCode);

    const { rows } = await t.pool.query(
      `SELECT u.followers_count, u.following_count,
              (SELECT count(*)::int FROM "${t.schema}".follows f WHERE f.followee_id = u.id) AS followers,
              (SELECT count(*)::int FROM "${t.schema}".follows f WHERE f.follower_id = u.id) AS following
       FROM "${t.schema}".users u WHERE u.id = ANY($1::uuid[])`,
      [crowd.map((p) => p.user.id)],
    );
    expect(rows).toHaveLength(crowd.length);
    for (const row of rows) {
      expect(row.followers_count).toBe(row.followers);
      expect(row.following_count).toBe(row.following);
    }
    expect(await count(`"${t.schema}".follows WHERE follower_id = $1 OR followee_id = $1`, [target.user.id])).toBe(0);
  });
});
