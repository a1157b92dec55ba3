import { describe, expect, it } from 'vitest';
import { loginUser } from '../../src/app/login.js';
import { registerUser } from '../../src/app/register.js';
import { InvalidCredentialsError, InvalidFieldError, LoginLockedError } from '../../src/domain/errors.js';
import { FREE_FAILURES, MAX_LOCK_MS, lockAfter } from '../../src/domain/login-backoff.js';
import { parsePassword } from '../../src/domain/rules.js';
import { aRegistration, memoryDeps } from '../support/memory-deps.js';

describe('login backoff', () => {
  it('is free for the first failures, then doubles up to a cap', () => {
    expect([1, 2, 3, 4].map(lockAfter)).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map(lockAfter)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(lockAfter(30)).toBe(MAX_LOCK_MS);
    expect(lockAfter(10_000)).toBe(MAX_LOCK_MS);
  });

  it('locks a name after repeated failures, refuses even the right password while locked, and a success resets it', async () => {
    const { deps } = memoryDeps();
    let now = Date.parse('2026-12-01T10:00:00Z');
    deps.clock = { now: () => new Date(now) };
    const reg = aRegistration({ password: 'the right passphrase' });
    await registerUser(deps, reg);
    const attempt = (password: string, login = reg.username) => loginUser(deps, { login, password });

    for (let i = 0; i < FREE_FAILURES; i++) await expect(attempt('wrong guess!')).rejects.toBeInstanceOf(InvalidCredentialsError);
    const locked = await attempt('the right passphrase').catch((e) => e);
    expect(locked).toBeInstanceOf(LoginLockedError);
    expect(locked.retryAfterSeconds).toBe(1);
    // The same name in other letter case or with spaces is the same name.
    await expect(attempt('the right passphrase', ` ${reg.username.toUpperCase()} `)).rejects.toBeInstanceOf(LoginLockedError);

    now += 1_000;
    await expect(attempt('wrong again!')).rejects.toBeInstanceOf(InvalidCredentialsError);
    const longer = await attempt('the right passphrase').catch((e) => e);
    expect(longer.retryAfterSeconds).toBe(2);

    now += 2_000;
    await expect(attempt('the right passphrase')).resolves.toMatchObject({ user: { username: reg.username } });
    for (let i = 0; i < FREE_FAILURES - 1; i++) await expect(attempt('wrong guess!')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(attempt('the right passphrase')).resolves.toBeDefined();
  });

  it('behaves the same for a name no account has, so lockouts reveal nothing', async () => {
    const { deps } = memoryDeps();
    for (let i = 0; i < FREE_FAILURES; i++) await expect(loginUser(deps, { login: 'nobody_here', password: 'whatever pass' })).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(loginUser(deps, { login: 'nobody_here', password: 'whatever pass' })).rejects.toBeInstanceOf(LoginLockedError);
  });
});

describe('common passwords', () => {
  it('refuses the most common passwords, in any letter case, naming the field', () => {
    for (const password of ['password', 'Password1', 'qwertyuiop', '12345678', 'iloveyou']) {
      expect(() => parsePassword(password), password).toThrow(InvalidFieldError);
    }
    expect(() => parsePassword('password1', 'newPassword')).toThrow(/newPassword/);
    expect(parsePassword('correct horse battery')).toBe('correct horse battery');
  });
});
