import { describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { recordAddressBounce } from '../../src/app/record-address-bounce.js';
import { registerUser } from '../../src/app/register.js';
import { loginUser } from '../../src/app/login.js';
import { updateProfile } from '../../src/app/update-profile.js';
import { searchUsers } from '../../src/app/search-users.js';
import { EmailTakenError, InvalidCredentialsError, InvalidFieldError, UsernameTakenError } from '../../src/domain/errors.js';
import { meView, publicView } from '../../src/domain/user.js';
import { ScryptPasswordHasher } from '../../src/adapters/scrypt-password-hasher.js';
import { aRegistration, memoryDeps, testVerifier } from '../support/memory-deps.js';

describe('register', () => {
  it('creates the account with defaults, a hashed password, a token and one user.registered event', async () => {
    const { deps, store } = memoryDeps();
    const { user, accessToken, sessionId } = await registerUser(deps, aRegistration({ username: 'Ana_B', email: 'Ana@Example.com' }));

    expect(user).toMatchObject({ username: 'Ana_B', displayName: 'Ana_B', locale: 'en', timezone: 'UTC', phone: null, followersCount: 0 });
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(testVerifier.verify(accessToken)).toEqual({ userId: user.id, username: 'Ana_B', scopes: [], sessionId, expiresAt: expect.any(Number) });
    expect(store.events).toHaveLength(1);
    expect(store.events[0]).toMatchObject({
      type: 'user.registered',
      producer: 'user-service',
      data: { userId: user.id, username: 'Ana_B', displayName: 'Ana_B', email: 'Ana@Example.com', phone: null, locale: 'en', timezone: 'UTC' },
    });
  });

  it('normalises the optional fields it is given', async () => {
    const { deps } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration({ displayName: ' Ana ', phone: ' +442079460958', locale: 'pt-br', timezone: 'europe/lisbon' }));
    expect(user).toMatchObject({ displayName: 'Ana', phone: '+442079460958', locale: 'pt-BR', timezone: 'Europe/Lisbon' });
  });

  it('refuses a username or email that differs from a taken one only by case', async () => {
    const { deps, store } = memoryDeps();
    await registerUser(deps, aRegistration({ username: 'Bruno', email: 'bruno@example.com' }));
    await expect(registerUser(deps, aRegistration({ username: 'bRUNO' }))).rejects.toBeInstanceOf(UsernameTakenError);
    await expect(registerUser(deps, aRegistration({ email: 'BRUNO@example.com' }))).rejects.toBeInstanceOf(EmailTakenError);
    expect(store.events).toHaveLength(1);
  });

  it('names the field that breaks a rule and stores nothing', async () => {
    const { deps, store } = memoryDeps();
    await expect(registerUser(deps, aRegistration({ timezone: 'Atlantis/Capital' }))).rejects.toMatchObject({ details: { field: 'timezone' } });
    await expect(registerUser(deps, aRegistration({ password: 'short' }))).rejects.toBeInstanceOf(InvalidFieldError);
    expect(store.users.size).toBe(0);
    expect(store.events).toHaveLength(0);
  });

  it('never puts the password hash in the public or private view', async () => {
    const { deps } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration());
    expect(JSON.stringify(publicView(user))).not.toContain('scrypt');
    expect(JSON.stringify(meView(user))).not.toContain('scrypt');
    expect(publicView(user)).not.toHaveProperty('email');
  });
});

describe('login', () => {
  it('accepts the username in any case, or the email, with the right password', async () => {
    const { deps } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration({ username: 'Carla', email: 'carla@example.com', password: 'pa55word!' }));
    for (const login of ['Carla', 'carla', 'CARLA@example.com']) {
      const result = await loginUser(deps, { login, password: 'pa55word!' });
      expect(result.user.id).toBe(user.id);
      expect(testVerifier.verify(result.accessToken).userId).toBe(user.id);
    }
  });

  it('gives the same error for an unknown login and a wrong password', async () => {
    const { deps } = memoryDeps();
    await registerUser(deps, aRegistration({ username: 'Dora', password: 'pa55word!' }));
    const wrongPassword = await loginUser(deps, { login: 'Dora', password: 'pa55word?' }).catch((e: unknown) => e);
    const unknownUser = await loginUser(deps, { login: 'Nobody', password: 'pa55word!' }).catch((e: unknown) => e);
    expect(wrongPassword).toBeInstanceOf(InvalidCredentialsError);
    expect(unknownUser).toBeInstanceOf(InvalidCredentialsError);
    expect((wrongPassword as Error).message).toBe((unknownUser as Error).message);
  });

  it('checks a password even for an unknown login, so timing does not reveal accounts', async () => {
    const { deps } = memoryDeps();
    let verified = 0;
    const verify = deps.hasher.verify.bind(deps.hasher);
    deps.hasher.verify = async (...args) => (verified++, verify(...args));
    await loginUser(deps, { login: 'ghost', password: 'whatever1' }).catch(() => undefined);
    expect(verified).toBe(1);
  });

  it('re-hashes a password stored with old parameters on a successful login', async () => {
    const { deps, store } = memoryDeps();
    const weak = new ScryptPasswordHasher({ N: 2 ** 8, r: 8, p: 1 });
    const { user } = await registerUser({ ...deps, hasher: weak }, aRegistration({ username: 'Eve', password: 'pa55word!' }));
    await loginUser(deps, { login: 'eve', password: 'pa55word!' });
    const stored = store.users.get(user.id)!.passwordHash;
    expect(stored.startsWith('scrypt$1024$')).toBe(true);
    expect(await deps.hasher.verify('pa55word!', stored)).toBe(true);
  });
});

describe('profile and search', () => {
  it('patches only the fields given and refuses an email another account has', async () => {
    const { deps } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration({ username: 'Fabio', phone: '+14155550100' }));
    await registerUser(deps, aRegistration({ username: 'Gia', email: 'gia@example.com' }));

    const updated = await updateProfile(deps, user.id, { displayName: 'Fábio', phone: null, timezone: 'Asia/Tokyo' });
    expect(updated).toMatchObject({ displayName: 'Fábio', phone: null, timezone: 'Asia/Tokyo', username: 'Fabio', locale: 'en' });
    await expect(updateProfile(deps, user.id, { email: 'GIA@example.com' })).rejects.toBeInstanceOf(EmailTakenError);
    await expect(updateProfile(deps, user.id, {})).rejects.toMatchObject({ details: { field: 'body' } });
  });

  it('emits user.updated with only the fields that changed, and nothing when nothing did', async () => {
    const { deps, store } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration({ username: 'Hugo', email: 'hugo@example.com', phone: '+14155550100', locale: 'en' }));
    await updateProfile(deps, user.id, { displayName: 'Hugo', email: 'hugo@example.com', locale: 'en' });
    expect(store.events.map((e) => e.type)).toEqual(['user.registered']);

    await updateProfile(deps, user.id, { displayName: 'Hugo H.', email: 'hugo@example.com', phone: null, locale: 'en' });
    const updated = store.events.at(-1)!;
    expect(updated).toMatchObject({ type: 'user.updated', producer: 'user-service', data: { userId: user.id, changes: { displayName: 'Hugo H.', phone: null } } });
    expect(Object.keys((updated.data as { changes: object }).changes).sort()).toEqual(['displayName', 'phone']);
    await updateProfile(deps, user.id, { phone: null });
    expect(store.events).toHaveLength(2);
  });

  it('orders each user.updated strictly after the previous change, even with a clock that went back', async () => {
    const { deps, store } = memoryDeps();
    let now = new Date('2026-01-01T10:00:00.000Z');
    deps.clock = { now: () => now };
    const { user } = await registerUser(deps, aRegistration());
    now = new Date('2026-01-01T09:00:00.000Z');
    await updateProfile(deps, user.id, { displayName: 'One' });
    await updateProfile(deps, user.id, { displayName: 'Two' });
    expect(store.events.map((e) => e.occurredAt)).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.001Z', '2026-01-01T10:00:00.002Z']);
  });

  it('flags a bounced address only while it is current, and clears the flag when it changes', async () => {
    const { deps, store } = memoryDeps();
    const { user } = await registerUser(deps, aRegistration({ email: 'ida@example.com', phone: '+14155550100' }));
    const bounced = (channel: 'email' | 'sms' | 'slack', address: string) =>
      recordAddressBounce(deps.users, createEvent('user.address_bounced', { userId: user.id, channel, address }, { producer: 'notification-service' }));
    const me = async () => meView((await deps.users.findById(user.id))!);

    expect(await bounced('email', 'old@example.com')).toBe('already_recorded_or_stale');
    expect(await bounced('slack', 'https://hooks.slack.com/services/x')).toBe('not_ours');
    expect(await me()).toMatchObject({ emailBounced: false, phoneBounced: false });
    expect(await bounced('email', 'IDA@example.com')).toBe('recorded');
    expect(await bounced('email', 'ida@example.com')).toBe('already_recorded_or_stale');
    expect(await bounced('sms', '+14155550100')).toBe('recorded');
    expect(await me()).toMatchObject({ emailBounced: true, phoneBounced: true });
    expect(publicView((await deps.users.findById(user.id))!)).not.toHaveProperty('emailBounced');

    await updateProfile(deps, user.id, { email: 'Ida@example.com' }); // the same mailbox: still bounced
    expect(await me()).toMatchObject({ emailBounced: true });
    await updateProfile(deps, user.id, { email: 'ida@new.example.com', phone: '+14155550123' });
    expect(await me()).toMatchObject({ emailBounced: false, phoneBounced: false });
    expect(await bounced('email', 'ida@example.com')).toBe('already_recorded_or_stale');
    expect(await me()).toMatchObject({ emailBounced: false });
    expect(store.events.filter((e) => e.type === 'user.updated')).toHaveLength(2);
  });

  it('finds users by case-insensitive username prefix, treating _ literally', async () => {
    const { deps } = memoryDeps();
    for (const username of ['Hana', 'hank_1', 'Hanzo', 'hxnk', 'ivan']) await registerUser(deps, aRegistration({ username }));
    const names = async (query: string, limit?: number) => (await searchUsers(deps, { query, limit })).map((u) => u.username);
    expect(await names('HAN')).toEqual(['Hana', 'hank_1', 'Hanzo']);
    expect(await names('@han', 2)).toEqual(['Hana', 'hank_1']);
    expect(await names('hank_')).toEqual(['hank_1']);
    expect(await names('h%')).toEqual([]);
    expect(await names('')).toEqual([]);
  });
});
