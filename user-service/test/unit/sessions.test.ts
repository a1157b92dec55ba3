import { describe, expect, it } from 'vitest';
import type { AccessClaims } from '@herald/platform';
import { loginUser } from '../../src/app/login.js';
import { registerUser } from '../../src/app/register.js';
import { changePassword, logout, logoutEverywhere, refreshSession } from '../../src/app/sessions.js';
import { InvalidCredentialsError, InvalidRefreshTokenError, RefreshTokenReusedError, WrongPasswordError } from '../../src/domain/errors.js';
import { decideRotation, hashRefreshToken } from '../../src/domain/sessions.js';
import { aRegistration, memoryDeps, testVerifier } from '../support/memory-deps.js';

/** A clock the test moves: refresh tokens lapse after refreshTokenTtlSeconds (3600 in memoryDeps). */
function movableClock() {
  let now = Date.parse('2026-12-01T10:00:00Z');
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

async function setUp() {
  const { deps, store } = memoryDeps();
  const clock = movableClock();
  deps.clock = clock;
  const registration = aRegistration({ password: 'first password!' });
  const { user, ...first } = await registerUser(deps, registration);
  const claimsOf = (accessToken: string): AccessClaims => testVerifier.verify(accessToken);
  return { deps, store, clock, user, first, claimsOf, login: registration.username };
}

const revocations = (store: { events: { type: string; data: unknown }[] }) => store.events.filter((e) => e.type === 'session.revoked').map((e) => e.data);

describe('refresh tokens', () => {
  it('rotates: each refresh returns a new pair in the same session, and the used token stops working', async () => {
    const { deps, first, claimsOf } = await setUp();
    const second = await refreshSession(deps, first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect(claimsOf(second.accessToken)).toMatchObject({ sessionId: first.sessionId });
    const third = await refreshSession(deps, second.refreshToken);
    expect(third.sessionId).toBe(first.sessionId);
  });

  it('a reused token ends its whole session: the thief and the owner are both out, and live sockets are told', async () => {
    const { deps, store, first, user } = await setUp();
    const owners = await refreshSession(deps, first.refreshToken);
    await expect(refreshSession(deps, first.refreshToken)).rejects.toBeInstanceOf(RefreshTokenReusedError);
    await expect(refreshSession(deps, owners.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect(revocations(store)).toEqual([{ userId: user.id, sessionIds: [first.sessionId], reason: 'refresh_token_reuse' }]);
  });

  it('a session unused for longer than its lifetime lapses; each refresh renews it', async () => {
    const { deps, first, clock } = await setUp();
    clock.advance(3_000_000);
    const renewed = await refreshSession(deps, first.refreshToken);
    clock.advance(3_000_000); // 6,000 s after login, 3,000 s after the refresh: still alive
    const again = await refreshSession(deps, renewed.refreshToken);
    clock.advance(3_601_000);
    await expect(refreshSession(deps, again.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
  });

  it('refuses what is not one of ours without looking it up, and stores only hashes', async () => {
    const { deps, store, first } = await setUp();
    for (const bad of ['', 'hrt_short', first.refreshToken + 'x', 'Bearer ' + first.refreshToken]) {
      await expect(refreshSession(deps, bad)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    }
    await expect(refreshSession(deps, first.refreshToken.slice(0, -1) + (first.refreshToken.endsWith('A') ? 'B' : 'A'))).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect([...store.refreshTokens.keys()]).toEqual([hashRefreshToken(first.refreshToken)]);
    expect(JSON.stringify([...store.refreshTokens.entries()])).not.toContain(first.refreshToken);
  });

  it('decides in this order: unknown, revoked, reused, expired, rotated', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const row = { sessionId: 's', userId: 'u', username: 'ana', usedAt: null, revokedAt: null, expiresAt: new Date('2026-12-02T00:00:00Z') };
    expect(decideRotation(null, now)).toEqual({ kind: 'refused', why: 'unknown' });
    expect(decideRotation({ ...row, revokedAt: now, usedAt: now }, now)).toEqual({ kind: 'refused', why: 'revoked' });
    expect(decideRotation({ ...row, usedAt: now, expiresAt: new Date(0) }, now)).toEqual({ kind: 'reused', sessionId: 's', userId: 'u' });
    expect(decideRotation({ ...row, expiresAt: now }, now)).toEqual({ kind: 'refused', why: 'expired' });
    expect(decideRotation(row, now)).toEqual({ kind: 'rotated', sessionId: 's', userId: 'u', username: 'ana' });
  });

  it('exchanges a spent token again within the reuse grace (counted from its first use), and calls it reuse after', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const row = { sessionId: 's', userId: 'u', username: 'ana', usedAt: null, revokedAt: null, expiresAt: new Date('2026-12-02T00:00:00Z') };
    const usedAt = new Date(now.getTime() - 10_000);
    expect(decideRotation({ ...row, usedAt }, now, 10_000)).toEqual({ kind: 'rotated', sessionId: 's', userId: 'u', username: 'ana' });
    expect(decideRotation({ ...row, usedAt }, new Date(now.getTime() + 1), 10_000)).toEqual({ kind: 'reused', sessionId: 's', userId: 'u' });
    expect(decideRotation({ ...row, usedAt }, now)).toEqual({ kind: 'reused', sessionId: 's', userId: 'u' });
    // A revoked session stays refused inside the grace too.
    expect(decideRotation({ ...row, usedAt, revokedAt: now }, now, 10_000)).toEqual({ kind: 'refused', why: 'revoked' });
  });
});

describe('logout', () => {
  it('ends the session of the access token; a second logout changes nothing', async () => {
    const { deps, store, first, user, claimsOf, login } = await setUp();
    const other = await loginUser(deps, { login, password: 'first password!' });
    await logout(deps, { claims: claimsOf(first.accessToken) });
    await logout(deps, { claims: claimsOf(first.accessToken) });
    await expect(refreshSession(deps, first.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(refreshSession(deps, other.refreshToken)).resolves.toMatchObject({ sessionId: other.sessionId });
    expect(revocations(store)).toEqual([{ userId: user.id, sessionIds: [first.sessionId], reason: 'logout' }]);
  });

  it('works with the refresh token alone (the access token already expired), and only for its owner', async () => {
    const { deps, first, claimsOf } = await setUp();
    const mallory = await registerUser(deps, aRegistration());
    await expect(logout(deps, { claims: claimsOf(mallory.accessToken), refreshToken: first.refreshToken })).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await logout(deps, { refreshToken: first.refreshToken });
    await expect(refreshSession(deps, first.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
  });

  it('everywhere: every session ends, this one too, and the event names no session (sockets of any token close)', async () => {
    const { deps, store, first, user, claimsOf, login } = await setUp();
    const phone = await loginUser(deps, { login, password: 'first password!' });
    await logoutEverywhere(deps, claimsOf(first.accessToken));
    for (const token of [first.refreshToken, phone.refreshToken]) await expect(refreshSession(deps, token)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    expect(revocations(store)).toEqual([{ userId: user.id, reason: 'logout_all' }]);
  });
});

describe('password change', () => {
  it('needs the current password, ends every other session, keeps this one, and the new password logs in', async () => {
    const { deps, store, first, user, claimsOf, login } = await setUp();
    const laptop = await loginUser(deps, { login, password: 'first password!' });
    const me = claimsOf(first.accessToken);
    await expect(changePassword(deps, me, { currentPassword: 'wrong password', newPassword: 'second password!' })).rejects.toBeInstanceOf(WrongPasswordError);
    await changePassword(deps, me, { currentPassword: 'first password!', newPassword: 'second password!' });

    await expect(refreshSession(deps, laptop.refreshToken)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
    await expect(refreshSession(deps, first.refreshToken)).resolves.toMatchObject({ sessionId: first.sessionId });
    await expect(loginUser(deps, { login, password: 'first password!' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(loginUser(deps, { login, password: 'second password!' })).resolves.toMatchObject({ user: { id: user.id } });
    expect(revocations(store)).toEqual([{ userId: user.id, keepSessionId: first.sessionId, reason: 'password_changed' }]);
  });
});
