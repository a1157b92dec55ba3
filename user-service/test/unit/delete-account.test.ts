import { describe, expect, it } from 'vitest';
import { deleteAccount, deletionGuardKey } from '../../src/app/delete-account.js';
import { followUser } from '../../src/app/follow.js';
import { loginUser } from '../../src/app/login.js';
import { registerUser } from '../../src/app/register.js';
import { refreshSession } from '../../src/app/sessions.js';
import { InvalidCredentialsError, InvalidRefreshTokenError, LoginLockedError, UserNotFoundError, WrongPasswordError } from '../../src/domain/errors.js';
import { FREE_FAILURES } from '../../src/domain/login-backoff.js';
import { aRegistration, memoryDeps, testVerifier } from '../support/memory-deps.js';

async function setUp() {
  const { deps, store } = memoryDeps();
  let now = Date.parse('2026-12-01T10:00:00Z');
  deps.clock = { now: () => new Date(now) };
  const advance = (ms: number) => (now += ms);
  const ana = await registerUser(deps, aRegistration({ password: 'ana password!' }));
  const bo = await registerUser(deps, aRegistration());
  const cy = await registerUser(deps, aRegistration());
  return { deps, store, advance, ana, bo, cy, claims: testVerifier.verify(ana.accessToken) };
}

describe('deleteAccount', () => {
  it('needs the password: a wrong one is 403 wrong_password naming `password`, and nothing changes', async () => {
    const { deps, store, ana, claims } = await setUp();
    const refused = await deleteAccount(deps, claims, { password: 'not it' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongPasswordError);
    expect(refused).toMatchObject({ code: 'wrong_password', details: { field: 'password' } });
    expect(store.users.has(ana.user.id)).toBe(true);
    expect(store.events.filter((e) => e.type === 'user.deleted')).toEqual([]);
  });

  it('removes the account, its sessions and edges, fixes the counters of the others, and emits user.deleted once', async () => {
    const { deps, store, ana, bo, cy, claims } = await setUp();
    await followUser(deps, bo.user.id, ana.user.id);
    await followUser(deps, ana.user.id, cy.user.id);
    await followUser(deps, bo.user.id, cy.user.id);
    await deleteAccount(deps, claims, { password: 'ana password!' });

    expect(store.users.has(ana.user.id)).toBe(false);
    expect(store.users.get(bo.user.id)).toMatchObject({ followingCount: 1, followersCount: 0 });
    expect(store.users.get(cy.user.id)).toMatchObject({ followersCount: 1, followingCount: 0 });
    expect(store.edges.map((e) => [e.followerId, e.followeeId])).toEqual([[bo.user.id, cy.user.id]]);
    expect([...store.sessions.values()].some((s) => s.userId === ana.user.id)).toBe(false);
    expect(store.events.filter((e) => e.type === 'user.deleted').map((e) => e.data)).toEqual([{ userId: ana.user.id }]);

    await expect(refreshSession(deps, ana.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(loginUser(deps, { login: ana.user.username, password: 'ana password!' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    // The token still verifies (stateless) but names nobody: 404, and no second event.
    await expect(deleteAccount(deps, claims, { password: 'ana password!' })).rejects.toBeInstanceOf(UserNotFoundError);
    expect(store.events.filter((e) => e.type === 'user.deleted')).toHaveLength(1);
  });

  it('counts wrong passwords like failed logins: locked after five in a row, then the password is not even checked', async () => {
    const { deps, store, ana, advance, claims } = await setUp();
    for (let i = 0; i < FREE_FAILURES; i++) await expect(deleteAccount(deps, claims, { password: `guess ${i}` })).rejects.toBeInstanceOf(WrongPasswordError);
    const locked = await deleteAccount(deps, claims, { password: 'ana password!' }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(LoginLockedError);
    expect(locked).toMatchObject({ code: 'login_locked', retryAfterSeconds: 1, details: { retryAfterSeconds: 1 } });
    expect(store.users.has(ana.user.id)).toBe(true);
    // The lock is the account's own: logging in is not affected by it.
    await expect(loginUser(deps, { login: ana.user.username, password: 'ana password!' })).resolves.toBeDefined();
    advance(1_000);
    await deleteAccount(deps, claims, { password: 'ana password!' });
    // ... and its counter (with the login names' ones) is forgotten with the account.
    expect(store.loginFailures.rows.has(deletionGuardKey(ana.user.id))).toBe(false);
  });

  it('forgets the failed-login counters of its username and email', async () => {
    const { deps, store, ana, claims } = await setUp();
    await expect(loginUser(deps, { login: ana.user.email.toUpperCase(), password: 'nope' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(loginUser(deps, { login: ana.user.username, password: 'nope' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(store.loginFailures.rows.size).toBe(2);
    await deleteAccount(deps, claims, { password: 'ana password!' });
    expect(store.loginFailures.rows.size).toBe(0);
  });
});
