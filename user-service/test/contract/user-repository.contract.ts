import { beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '@herald/contracts';
import { uuidv7 } from '@herald/platform';
import { EmailTakenError, UserNotFoundError, UsernameTakenError } from '../../src/domain/errors.js';
import type { ProfilePatch, ProfileWrite } from '../../src/domain/ports.js';
import type { User } from '../../src/domain/user.js';
import { aNewUser, aTokenHash, at, block, deletedEvent, eventsAbout, follow, people, registered, written, type MakeRepositories, type Repositories } from './repositories.js';

/** A profile write as update-profile plans it: `set`, its time, and its user.updated. */
function aWrite(current: User, set: ProfilePatch, updatedAt: Date, clear: { email?: boolean; phone?: boolean } = {}): ProfileWrite {
  const event = createEvent('user.updated', { userId: current.id, changes: set }, { producer: 'user-service', id: uuidv7(), occurredAt: updatedAt });
  return { set, clearEmailBounce: clear.email ?? false, clearPhoneBounce: clear.phone ?? false, updatedAt, event };
}

/** What every UserRepository must do; run against the memory fake and PostgreSQL through Prisma. */
export function userRepositoryContract(name: string, make: MakeRepositories): void {
  describe(`UserRepository contract: ${name}`, () => {
    let r: Repositories;
    beforeAll(async () => {
      r = await make();
    });

    it('creates an account with no followers, no bounces and the default direct-message policy, and writes its event once', async () => {
      const input = aNewUser({ displayName: 'Ana Lima', phone: '+351912345678', locale: 'pt-PT', timezone: 'Europe/Lisbon', createdAt: at(5) });
      const event = registered(input);
      const created = await r.users.create(input, event);
      expect(created).toEqual({
        ...input,
        // The last profile change is the creation.
        updatedAt: at(5),
        followersCount: 0,
        followingCount: 0,
        emailBouncedAt: null,
        phoneBouncedAt: null,
        directMessages: 'everyone',
      });
      expect(await r.users.findById(input.id)).toEqual(created);
      expect(await written(r, event)).toEqual([event.id]);
      expect((await r.outbox()).find((e) => e.id === event.id)).toEqual(event);
    });

    it('finds an account by id, by username in any case and by email in any case; nobody by anything else', async () => {
      const [ana] = await people(r, 1, { username: `Find_${uuidv7().slice(-8)}` });
      expect(await r.users.findByUsername(ana!.username.toUpperCase())).toEqual(ana);
      expect(await r.users.findByUsername(ana!.username.toLowerCase())).toEqual(ana);
      expect(await r.users.findByEmail(ana!.email.toUpperCase())).toEqual(ana);
      expect(await r.users.findById(uuidv7())).toBeNull();
      expect(await r.users.findByUsername(`${ana!.username}x`)).toBeNull();
      expect(await r.users.findByEmail(`x${ana!.email}`)).toBeNull();
    });

    it('takes an id in any letter case as the same uuid', async () => {
      const [ana] = await people(r, 1);
      expect(await r.users.findById(ana!.id.toUpperCase())).toEqual(ana);
    });

    it('keeps what it was given and hands out copies: changing either afterwards changes nothing stored', async () => {
      const input = aNewUser();
      const created = await r.users.create(input, registered(input));
      input.createdAt.setTime(0);
      created.createdAt.setTime(0);
      created.displayName = 'changed';
      const found = await r.users.findById(input.id);
      expect(found).toMatchObject({ createdAt: at(), updatedAt: at(), displayName: input.username });
      found!.updatedAt.setTime(0);
      expect((await r.users.findById(input.id))!.updatedAt).toEqual(at());
    });

    it('refuses a username or an email taken in any case, writing nothing', async () => {
      const [ana] = await people(r, 1);
      const sameName = aNewUser({ username: ana!.username.toUpperCase(), email: `other.${ana!.email}` });
      const sameEmail = aNewUser({ email: ana!.email.toUpperCase() });
      await expect(r.users.create(sameName, registered(sameName))).rejects.toBeInstanceOf(UsernameTakenError);
      await expect(r.users.create(sameEmail, registered(sameEmail))).rejects.toBeInstanceOf(EmailTakenError);
      expect(await r.users.findById(sameName.id)).toBeNull();
      expect(await r.users.findById(sameEmail.id)).toBeNull();
      expect(await eventsAbout(r, sameName.id, sameEmail.id)).toEqual([]);
    });

    it('names the username when both the username and the email are taken, by two different people', async () => {
      const [ana, bob] = await people(r, 2);
      const both = aNewUser({ username: bob!.username, email: ana!.email });
      await expect(r.users.create(both, registered(both))).rejects.toBeInstanceOf(UsernameTakenError);
    });

    it('lets exactly one of two simultaneous sign-ups with the same username (any case) win, with one event', async () => {
      const name = `Racer_${uuidv7().slice(-8)}`;
      const a = aNewUser({ username: name, email: `a.${name}@example.com` });
      const b = aNewUser({ username: name.toUpperCase(), email: `b.${name}@example.com` });
      const [ea, eb] = [registered(a), registered(b)];
      const results = await Promise.allSettled([r.users.create(a, ea), r.users.create(b, eb)]);
      expect(results.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: expect.any(UsernameTakenError) });
      expect(await written(r, ea, eb)).toHaveLength(1);
    });

    it('updates a profile: decides on the current row, writes only what it is told with its time and event, and returns the result', async () => {
      const [ana] = await people(r, 1);
      let seen: User | undefined;
      const write = (current: User) => {
        seen = current;
        return aWrite(current, { displayName: 'Ana Lima', phone: '+351912345678', directMessages: 'following' }, at(1_000));
      };
      const updated = await r.users.updateProfile(ana!.id, write);
      expect(seen).toEqual(ana);
      expect(updated).toEqual({ ...ana, displayName: 'Ana Lima', phone: '+351912345678', directMessages: 'following', updatedAt: at(1_000) });
      expect(await r.users.findById(ana!.id)).toEqual(updated);
      expect((await eventsAbout(r, ana!.id)).map((e) => e.type)).toEqual(['user.registered', 'user.updated']);
    });

    it('writes nothing when the decision is null, and returns the account as it is', async () => {
      const [ana] = await people(r, 1);
      expect(await r.users.updateProfile(ana!.id, () => null)).toEqual(ana);
      expect(await r.users.findById(ana!.id)).toEqual(ana);
      expect((await eventsAbout(r, ana!.id)).map((e) => e.type)).toEqual(['user.registered']);
    });

    it('leaves a field the write gives as undefined as it is', async () => {
      const [ana] = await people(r, 1, { phone: '+14155550123' });
      const updated = await r.users.updateProfile(ana!.id, (current) => aWrite(current, { displayName: undefined, phone: undefined, locale: 'de' }, at(1_000)));
      expect(updated).toEqual({ ...ana, locale: 'de', updatedAt: at(1_000) });
    });

    it('refuses an unknown account without asking for a decision', async () => {
      let asked = false;
      await expect(r.users.updateProfile(uuidv7(), () => ((asked = true), null))).rejects.toBeInstanceOf(UserNotFoundError);
      expect(asked).toBe(false);
    });

    it('refuses an email another account has (any case), writing nothing; one that differs only in case from its own is fine', async () => {
      const [ana, bob] = await people(r, 2);
      await expect(r.users.updateProfile(ana!.id, (current) => aWrite(current, { email: bob!.email.toUpperCase(), displayName: 'Taken' }, at(1_000)))).rejects.toBeInstanceOf(EmailTakenError);
      expect(await r.users.findById(ana!.id)).toEqual(ana);
      expect((await eventsAbout(r, ana!.id)).map((e) => e.type)).toEqual(['user.registered']);

      const recased = await r.users.updateProfile(ana!.id, (current) => aWrite(current, { email: ana!.email.toUpperCase() }, at(2_000)));
      expect(recased.email).toBe(ana!.email.toUpperCase());
      expect(await r.users.findByEmail(ana!.email)).toEqual(recased);
    });

    it('finds the account by its new email and no longer by the old one', async () => {
      const [ana] = await people(r, 1);
      const email = `new.${ana!.email}`;
      await r.users.updateProfile(ana!.id, (current) => aWrite(current, { email }, at(1_000)));
      expect((await r.users.findByEmail(email))?.id).toBe(ana!.id);
      expect(await r.users.findByEmail(ana!.email)).toBeNull();
      // ... and the old address is free for someone else.
      const bob = aNewUser({ email: ana!.email });
      await expect(r.users.create(bob, registered(bob))).resolves.toMatchObject({ id: bob.id });
    });

    it('decides concurrent updates of one account one after the other, each on the state the previous one wrote', async () => {
      const [ana] = await people(r, 1);
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          r.users.updateProfile(ana!.id, (current) => {
            seen.push(current.displayName);
            return aWrite(current, { displayName: `${current.displayName}+` }, at(1_000 + i));
          }),
        ),
      );
      expect((await r.users.findById(ana!.id))!.displayName).toBe(`${ana!.displayName}++++++`);
      expect([...seen].sort((a, b) => a.length - b.length)).toEqual(Array.from({ length: 6 }, (_, i) => ana!.displayName + '+'.repeat(i)));
    });

    it('flags a bounced email (compared in any case) or phone only while it is current, only once, leaving the last profile change as it is', async () => {
      const [ana] = await people(r, 1, { phone: '+14155550123' });
      expect(await r.users.markAddressBounced(ana!.id, 'email', `other.${ana!.email}`, at(10))).toBe(false);
      expect(await r.users.markAddressBounced(ana!.id, 'phone', '+14155550100', at(10))).toBe(false);
      expect(await r.users.markAddressBounced(ana!.id, 'email', ana!.email.toUpperCase(), at(10))).toBe(true);
      expect(await r.users.markAddressBounced(ana!.id, 'email', ana!.email, at(20))).toBe(false);
      expect(await r.users.markAddressBounced(ana!.id, 'phone', '+14155550123', at(30))).toBe(true);
      expect(await r.users.findById(ana!.id)).toEqual({ ...ana, emailBouncedAt: at(10), phoneBouncedAt: at(30) });
      expect(await r.users.markAddressBounced(uuidv7(), 'email', ana!.email, at(40))).toBe(false);
      expect((await eventsAbout(r, ana!.id)).map((e) => e.type)).toEqual(['user.registered']);
    });

    it('clears the bounce flags a profile write says to clear, and only those', async () => {
      const [ana] = await people(r, 1, { phone: '+14155550123' });
      await r.users.markAddressBounced(ana!.id, 'email', ana!.email, at(10));
      await r.users.markAddressBounced(ana!.id, 'phone', '+14155550123', at(10));
      const email = `new.${ana!.email}`;
      const updated = await r.users.updateProfile(ana!.id, (current) => aWrite(current, { email }, at(1_000), { email: true }));
      expect(updated).toMatchObject({ email, emailBouncedAt: null, phoneBouncedAt: at(10) });
      expect(await r.users.markAddressBounced(ana!.id, 'email', ana!.email, at(20))).toBe(false);
      expect(await r.users.markAddressBounced(ana!.id, 'email', email, at(20))).toBe(true);
      const cleared = await r.users.updateProfile(ana!.id, (current) => aWrite(current, { phone: null }, at(2_000), { phone: true }));
      expect(cleared).toMatchObject({ phone: null, emailBouncedAt: at(20), phoneBouncedAt: null });
    });

    it('replaces the password hash, leaving the last profile change as it is; an unknown account is no error', async () => {
      const [ana] = await people(r, 1);
      await r.users.updatePasswordHash(ana!.id, 'scrypt$new');
      expect(await r.users.findById(ana!.id)).toEqual({ ...ana, passwordHash: 'scrypt$new' });
      await expect(r.users.updatePasswordHash(uuidv7(), 'scrypt$new')).resolves.toBeUndefined();
    });

    it('deletes an account with its edges, sessions, blocks and login failures, lowers the others\' counters, and writes user.deleted once', async () => {
      const [ana, bo, cy, dee] = await people(r, 4);
      await follow(r, bo!, ana!);
      await follow(r, ana!, cy!);
      await follow(r, bo!, cy!);
      await block(r, ana!.id, dee!.id);
      await block(r, dee!.id, ana!.id);
      const tokenHash = aTokenHash();
      await r.sessions.start({ id: uuidv7(), userId: ana!.id, createdAt: at(), expiresAt: at(3_600_000), userAgent: null, tokenHash });
      const keys = [`${ana!.username}-key`, `${ana!.email}-key`];
      for (const key of [...keys, `${bo!.username}-key`]) await r.loginFailures.recordFailure(key, at(), () => 60_000);

      const event = deletedEvent(ana!.id);
      expect(await r.users.deleteAccount(ana!.id, event, { loginKeys: keys })).toBe(true);

      expect(await r.users.findById(ana!.id)).toBeNull();
      expect(await r.users.findById(bo!.id)).toMatchObject({ followersCount: 0, followingCount: 1 });
      expect(await r.users.findById(cy!.id)).toMatchObject({ followersCount: 1, followingCount: 0 });
      expect((await r.follows.page(cy!.id, 'followers', { limit: 10 })).map((e) => e.user.id)).toEqual([bo!.id]);
      expect(await r.follows.page(bo!.id, 'following', { limit: 10 })).toHaveLength(1);
      expect(await r.sessions.sessionOfToken(tokenHash)).toBeNull();
      expect(await r.blocks.page(dee!.id, { limit: 10 })).toEqual([]);
      expect(await r.blocks.page(ana!.id, { limit: 10 })).toEqual([]);
      for (const key of keys) expect(await r.loginFailures.lockedUntil(key)).toBeNull();
      expect(await r.loginFailures.lockedUntil(`${bo!.username}-key`)).toEqual(at(60_000));
      expect(await written(r, event)).toEqual([event.id]);

      // Gone for good: a second deletion writes nothing, and the username and email are free.
      const again = deletedEvent(ana!.id);
      expect(await r.users.deleteAccount(ana!.id, again, { loginKeys: [] })).toBe(false);
      expect(await written(r, again)).toEqual([]);
      const reborn = aNewUser({ username: ana!.username, email: ana!.email });
      await expect(r.users.create(reborn, registered(reborn))).resolves.toMatchObject({ username: ana!.username });
    });

    it('two deletions of one account at once: one true, one false, one event', async () => {
      const [ana] = await people(r, 1);
      const [e1, e2] = [deletedEvent(ana!.id), deletedEvent(ana!.id)];
      const results = await Promise.all([r.users.deleteAccount(ana!.id, e1, { loginKeys: [] }), r.users.deleteAccount(ana!.id, e2, { loginKeys: [] })]);
      expect(results.sort()).toEqual([false, true]);
      expect(await written(r, e1, e2)).toHaveLength(1);
    });

    it('deletes an account named in capitals', async () => {
      const [ana, bo] = await people(r, 2);
      await follow(r, bo!, ana!);
      expect(await r.users.deleteAccount(ana!.id.toUpperCase(), deletedEvent(ana!.id), { loginKeys: [] })).toBe(true);
      expect(await r.users.findById(ana!.id)).toBeNull();
      expect(await r.users.findById(bo!.id)).toMatchObject({ followingCount: 0 });
    });

    it('searches usernames by lowercased prefix, in username order, up to the limit, with _ and % taken literally', async () => {
      const base = `s${uuidv7().slice(-8)}`;
      for (const username of [`${base}_b`, `${base}Xb`, `${base}_A`, `${base}a`]) await people(r, 1, { username });
      const found = async (prefix: string, limit = 10) => (await r.users.searchByUsernamePrefix(prefix, limit)).map((u) => u.username);
      expect(await found(base)).toEqual([`${base}_A`, `${base}_b`, `${base}a`, `${base}Xb`]);
      expect(await found(`${base}_`)).toEqual([`${base}_A`, `${base}_b`]);
      expect(await found(`${base}x`)).toEqual([`${base}Xb`]);
      expect(await found(base, 2)).toEqual([`${base}_A`, `${base}_b`]);
      expect(await found(`${base}%`)).toEqual([]);
      expect(await found(`${base}zz`)).toEqual([]);
    });
  });
}
