import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signUp, startTestService, type TestService } from '../support/test-service.js';

/** The session lifecycle over HTTP on a real Postgres: rotation, reuse, logout, password change. */
describe('sessions and refresh tokens on Postgres', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t?.close());

  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  const refresh = (refreshToken: string) => post('/api/v1/auth/refresh', { refreshToken });
  const revokedEvents = async (userId: string) =>
    (await t.pool.query(`SELECT payload->'data' AS data FROM users.outbox WHERE routing_key = 'session.revoked' AND payload->'data'->>'userId' = $1 ORDER BY created_at`, [userId])).rows.map((r) => r.data);

  it('login and register return a refresh token; refresh rotates it; a reused one ends the session', async () => {
    const ana = await signUp(t.app, { username: 'ana', email: 'ana@example.com', password: 'ana password' });
    expect(ana.refreshToken).toMatch(/^hrt_/);
    expect(ana.expiresIn).toBe(600);

    const first = await refresh(ana.refreshToken);
    expect(first.statusCode).toBe(200);
    const pair = first.json();
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    expect((await t.app.inject({ url: '/api/v1/users/me', headers: bearer(pair.accessToken) })).statusCode).toBe(200);

    const reused = await refresh(ana.refreshToken);
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('refresh_token_reused');
    const afterTheft = await refresh(pair.refreshToken);
    expect(afterTheft.statusCode).toBe(401);
    expect(afterTheft.json().error.code).toBe('invalid_refresh_token');
    expect(await revokedEvents(ana.user.id)).toEqual([expect.objectContaining({ reason: 'refresh_token_reuse', sessionIds: [expect.any(String)] })]);

    // Only hashes are stored.
    const stored = await t.pool.query(`SELECT token_hash FROM users.refresh_tokens`);
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(ana.refreshToken);
  });

  it('two refreshes racing with one token: one wins, the other is a reuse', async () => {
    const bo = await signUp(t.app, { username: 'bob', email: 'bob@example.com', password: 'bo password!' });
    const results = await Promise.all([refresh(bo.refreshToken), refresh(bo.refreshToken)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('logout (access token or refresh token), logout everywhere, and a password change end the right sessions', async () => {
    const cy = await signUp(t.app, { username: 'cyd', email: 'cy@example.com', password: 'cy password!' });
    const login = async (password = 'cy password!') => {
      const res = await post('/api/v1/auth/login', { login: 'cyd', password });
      return { status: res.statusCode, ...(res.json() as { accessToken: string; refreshToken: string }) };
    };
    const laptop = await login();
    const phone = await login();

    expect((await post('/api/v1/auth/logout', undefined, bearer(laptop.accessToken))).statusCode).toBe(204);
    expect((await refresh(laptop.refreshToken)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/logout', { refreshToken: phone.refreshToken })).statusCode).toBe(204);
    expect((await refresh(phone.refreshToken)).statusCode).toBe(401);
    const anonymous = await post('/api/v1/auth/logout', {});
    expect(anonymous.statusCode).toBe(401);

    const tablet = await login();
    const wrong = await post('/api/v1/auth/password', { currentPassword: 'nope', newPassword: 'cy new password' }, bearer(cy.accessToken));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('wrong_password');
    const short = await post('/api/v1/auth/password', { currentPassword: 'cy password!', newPassword: 'short' }, bearer(cy.accessToken));
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toContain('newPassword');
    expect((await post('/api/v1/auth/password', { currentPassword: 'cy password!', newPassword: 'cy new password' }, bearer(cy.accessToken))).statusCode).toBe(204);
    expect((await refresh(tablet.refreshToken)).statusCode).toBe(401);
    const kept = await refresh(cy.refreshToken);
    expect(kept.statusCode).toBe(200);
    expect((await login()).status).toBe(401);
    const fresh = await login('cy new password');
    expect(fresh.status).toBe(200);

    expect((await post('/api/v1/auth/logout-all', undefined, bearer(fresh.accessToken))).statusCode).toBe(204);
    expect((await refresh(fresh.refreshToken)).statusCode).toBe(401);
    expect((await refresh(kept.json().refreshToken)).statusCode).toBe(401);
    expect((await post('/api/v1/auth/logout-all')).statusCode).toBe(401);

    expect((await revokedEvents(cy.user.id)).map((d) => d.reason)).toEqual(['logout', 'logout', 'password_changed', 'logout_all']);
    const live = await t.pool.query(`SELECT count(*)::int AS n FROM users.sessions WHERE user_id = $1 AND revoked_at IS NULL`, [cy.user.id]);
    expect(live.rows[0].n).toBe(0);
  });
});

describe('online password guessing on Postgres', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t?.close());

  it('locks a login name after five failures in a row (429 with Retry-After), counting concurrent failures, for unknown names too', async () => {
    await signUp(t.app, { username: 'dora', email: 'dora@example.com', password: 'dora password' });
    const login = (login: string, password: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login, password } });
    for (const name of ['dora', 'nobody_at_all']) {
      const failures = await Promise.all(Array.from({ length: 5 }, () => login(name, 'wrong password')));
      expect(failures.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401]);
      const locked = await login(name, name === 'dora' ? 'dora password' : 'wrong password');
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('login_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const common = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'eve', email: 'eve@example.com', password: 'Password1' } });
    expect(common.statusCode).toBe(400);
    expect(common.json().error.details.field).toBe('password');
  });

  describe('with a reuse grace (REFRESH_REUSE_GRACE_SECONDS)', () => {
    // The service's clock, moved by hand: the grace runs out without the test waiting for it.
    let now = Date.now();
    let g: TestService;
    beforeAll(async () => {
      g = await startTestService({ schema: 'users_grace', refreshReuseGraceSeconds: 1, clock: { now: () => new Date(now) } });
    });
    afterAll(() => g?.close());
    const refreshOn = (refreshToken: string) => g.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

    it('a spent token presented again within the grace gets a pair of the same session (two tabs); after it, reuse ends the session', async () => {
      const di = await signUp(g.app, { username: 'dia', email: 'di@example.com', password: 'di password!' });
      const [a, b] = await Promise.all([refreshOn(di.refreshToken), refreshOn(di.refreshToken)]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(a.json().refreshToken).not.toBe(b.json().refreshToken);
      // Both tabs carry on with their own successor.
      expect((await refreshOn(a.json().refreshToken)).statusCode).toBe(200);
      expect((await refreshOn(b.json().refreshToken)).statusCode).toBe(200);
      // The grace counts from the first use: at its last millisecond the spent token is still exchanged ...
      now += 1_000;
      expect((await refreshOn(di.refreshToken)).statusCode).toBe(200);
      // ... and one past it, presenting it is reuse.
      now += 1;
      const late = await refreshOn(di.refreshToken);
      expect(late.statusCode).toBe(401);
      expect(late.json().error.code).toBe('refresh_token_reused');
    });
  });
});
