import { beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { UserNotFoundError } from '../../src/domain/errors.js';
import type { NewSession, RotationPlan } from '../../src/domain/ports.js';
import type { StoredRefreshToken } from '../../src/domain/sessions.js';
import type { User } from '../../src/domain/user.js';
import { aTokenHash, at, people, revokedEvent, written, type MakeRepositories, type Repositories } from './repositories.js';

const HOUR = 3_600_000;

/** What every SessionRepository must do; run against the memory fake and PostgreSQL through Prisma. */
export function sessionRepositoryContract(name: string, make: MakeRepositories): void {
  describe(`SessionRepository contract: ${name}`, () => {
    let r: Repositories;
    beforeAll(async () => {
      r = await make();
    });

    const start = async (user: Pick<User, 'id'>, over: Partial<NewSession> = {}) => {
      const session: NewSession = { id: uuidv7(), userId: user.id, createdAt: at(), expiresAt: at(HOUR), userAgent: 'contract', tokenHash: aTokenHash(), ...over };
      await r.sessions.start(session);
      return session;
    };
    /** What rotate hands to `decide` for this token, writing nothing. */
    const peek = async (tokenHash: string) => {
      let seen: StoredRefreshToken | null | undefined;
      await r.sessions.rotate(tokenHash, (found) => ((seen = found), { outcome: { kind: 'refused', why: 'unknown' } }));
      return seen;
    };
    const rotated = (found: StoredRefreshToken | null): RotationPlan['outcome'] =>
      found ? { kind: 'rotated', sessionId: found.sessionId, userId: found.userId, username: found.username } : { kind: 'refused', why: 'unknown' };
    /** Exchanges `tokenHash` for `next` at `when`, as refreshSession plans it. */
    const exchange = (tokenHash: string, next: string, when: Date, expiresAt = new Date(when.getTime() + HOUR)) =>
      r.sessions.rotate(tokenHash, (found) => ({ outcome: rotated(found), next: { tokenHash: next, at: when, expiresAt } }));
    /** Ends the session of `tokenHash` as a reuse, at `when`, with its event. */
    const endByReuse = (tokenHash: string, when: Date, event: ReturnType<typeof revokedEvent>) =>
      r.sessions.rotate(tokenHash, (found) => ({ outcome: found ? { kind: 'reused', sessionId: found.sessionId, userId: found.userId } : { kind: 'refused', why: 'unknown' }, end: { at: when, event } }));
    const ended = async (user: Pick<User, 'id'>, which: { sessionIds?: string[]; keepSessionId?: string }, reason: 'logout' | 'logout_all' = 'logout') =>
      r.sessions.end(user.id, which, reason, at(2 * HOUR), () => null);
    const live = async (session: NewSession) => (await peek(session.tokenHash))?.revokedAt === null;

    it('starts a session with its first token: found with its owner, unused, live, and its expiry', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      expect(await peek(session.tokenHash)).toEqual({ sessionId: session.id, userId: ana!.id, username: ana!.username, usedAt: null, revokedAt: null, expiresAt: at(HOUR) });
      expect(await r.sessions.sessionOfToken(session.tokenHash)).toEqual({ sessionId: session.id, userId: ana!.id });
    });

    it('refuses a session of an unknown account, storing nothing', async () => {
      const tokenHash = aTokenHash();
      await expect(start({ id: uuidv7() }, { tokenHash })).rejects.toThrow();
      expect(await r.sessions.sessionOfToken(tokenHash)).toBeNull();
    });

    it('finds nothing for a token it never issued', async () => {
      expect(await peek(aTokenHash())).toBeNull();
      expect(await r.sessions.sessionOfToken(aTokenHash())).toBeNull();
    });

    it('returns the plan it was given, and writes nothing for a plan with neither a successor nor an end', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      const plan: RotationPlan = { outcome: { kind: 'refused', why: 'expired' } };
      expect(await r.sessions.rotate(session.tokenHash, () => plan)).toBe(plan);
      expect(await peek(session.tokenHash)).toMatchObject({ usedAt: null, revokedAt: null, expiresAt: at(HOUR) });
    });

    it('rotates: the token is marked used, its successor is found unused in the same session, and the session lives on from then', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      const next = aTokenHash();
      await exchange(session.tokenHash, next, at(10), at(10 + HOUR));
      expect(await peek(session.tokenHash)).toMatchObject({ sessionId: session.id, usedAt: at(10), expiresAt: at(10 + HOUR) });
      expect(await peek(next)).toEqual({ sessionId: session.id, userId: ana!.id, username: ana!.username, usedAt: null, revokedAt: null, expiresAt: at(10 + HOUR) });
      expect(await r.sessions.sessionOfToken(session.tokenHash)).toEqual({ sessionId: session.id, userId: ana!.id });
    });

    it('keeps the first use of a token exchanged twice (the reuse grace counts from it)', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      await exchange(session.tokenHash, aTokenHash(), at(10));
      await exchange(session.tokenHash, aTokenHash(), at(20));
      expect((await peek(session.tokenHash))!.usedAt).toEqual(at(10));
    });

    it('ends the session on a reuse with its event; a second end keeps the first time and still writes its event', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      const next = aTokenHash();
      await exchange(session.tokenHash, next, at(10));
      const first = revokedEvent(ana!.id, 'refresh_token_reuse', [session.id]);
      await endByReuse(session.tokenHash, at(20), first);
      expect(await peek(next)).toMatchObject({ revokedAt: at(20) });
      const second = revokedEvent(ana!.id, 'refresh_token_reuse', [session.id]);
      await endByReuse(next, at(30), second);
      expect(await peek(session.tokenHash)).toMatchObject({ revokedAt: at(20) });
      expect(await written(r, first, second)).toEqual([first.id, second.id]);
      // An ended session is ended for every other way too.
      expect(await ended(ana!, {})).toEqual([]);
    });

    it('decides two rotations of one token one after the other: the second sees the token used', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!);
      const seen: Array<Date | null> = [];
      await Promise.all(
        [at(10), at(11)].map((when) =>
          r.sessions.rotate(session.tokenHash, (found) => {
            seen.push(found!.usedAt);
            return found!.usedAt ? { outcome: rotated(found) } : { outcome: rotated(found), next: { tokenHash: aTokenHash(), at: when, expiresAt: at(HOUR) } };
          }),
        ),
      );
      expect(seen).toHaveLength(2);
      expect(seen[0]).toBeNull();
      expect(seen[1]).not.toBeNull();
    });

    it('ends the listed live sessions of the user only, once, handing the ended ones to the event', async () => {
      const [ana, bob] = await people(r, 2);
      const [laptop, phone, tablet] = [await start(ana!), await start(ana!), await start(ana!)];
      const bobs = await start(bob!);
      const handed: string[][] = [];
      const event = revokedEvent(ana!.id, 'logout', [laptop.id]);
      const now = await r.sessions.end(ana!.id, { sessionIds: [laptop.id, phone.id, bobs.id] }, 'logout', at(HOUR / 2), (ids) => (handed.push([...ids].sort()), event));
      expect(now.sort()).toEqual([laptop.id, phone.id].sort());
      expect(handed).toEqual([[laptop.id, phone.id].sort()]);
      expect(await written(r, event)).toEqual([event.id]);
      expect(await peek(laptop.tokenHash)).toMatchObject({ revokedAt: at(HOUR / 2) });
      expect([await live(phone), await live(tablet), await live(bobs)]).toEqual([false, true, true]);
      // Already ended: nothing ends, and no event unless the caller always wants one.
      const none = revokedEvent(ana!.id, 'logout', [laptop.id]);
      expect(await r.sessions.end(ana!.id, { sessionIds: [laptop.id] }, 'logout', at(HOUR), (ids) => (ids.length > 0 ? none : null))).toEqual([]);
      const always = revokedEvent(ana!.id, 'logout_all');
      expect(await r.sessions.end(ana!.id, { sessionIds: [laptop.id] }, 'logout_all', at(HOUR), () => always)).toEqual([]);
      expect(await written(r, none, always)).toEqual([always.id]);
      expect((await peek(laptop.tokenHash))!.revokedAt).toEqual(at(HOUR / 2));
    });

    it('ends every live session but the one to keep, or every one', async () => {
      const [ana, bob] = await people(r, 2);
      const [a1, a2, a3] = [await start(ana!), await start(ana!), await start(ana!)];
      const bobs = await start(bob!);
      expect((await ended(ana!, { keepSessionId: a2.id })).sort()).toEqual([a1.id, a3.id].sort());
      expect(await live(a2)).toBe(true);
      expect(await ended(ana!, {}, 'logout_all')).toEqual([a2.id]);
      expect(await live(bobs)).toBe(true);
    });

    it('changes the password and ends every other live session with the event, in one go; an unknown account is refused', async () => {
      const [ana, bob] = await people(r, 2);
      const [kept, other] = [await start(ana!), await start(ana!)];
      const bobs = await start(bob!);
      const event = revokedEvent(ana!.id, 'password_changed');
      await r.sessions.changePassword(ana!.id, 'scrypt$changed', kept.id, at(HOUR / 2), event);
      expect(await r.users.findById(ana!.id)).toEqual({ ...ana, passwordHash: 'scrypt$changed' });
      expect(await live(kept)).toBe(true);
      expect(await peek(other.tokenHash)).toMatchObject({ revokedAt: at(HOUR / 2) });
      expect(await live(bobs)).toBe(true);
      expect(await written(r, event)).toEqual([event.id]);

      const all = revokedEvent(ana!.id, 'password_changed');
      await r.sessions.changePassword(ana!.id, 'scrypt$again', undefined, at(HOUR), all);
      expect(await live(kept)).toBe(false);

      const ghost = uuidv7();
      const refused = revokedEvent(ghost, 'password_changed');
      await expect(r.sessions.changePassword(ghost, 'scrypt$x', undefined, at(HOUR), refused)).rejects.toBeInstanceOf(UserNotFoundError);
      expect(await written(r, refused)).toEqual([]);
    });

    it('takes ids in any letter case as the same uuids', async () => {
      const [ana] = await people(r, 1);
      const upper = { id: ana!.id.toUpperCase() };
      const [a1, a2] = [await start(upper, { id: uuidv7().toUpperCase() }), await start(ana!)];
      expect(await r.sessions.sessionOfToken(a1.tokenHash)).toEqual({ sessionId: a1.id.toLowerCase(), userId: ana!.id });
      expect(await peek(a1.tokenHash)).toMatchObject({ sessionId: a1.id.toLowerCase(), userId: ana!.id, username: ana!.username });
      expect(await r.sessions.end(ana!.id.toUpperCase(), { sessionIds: [a1.id] }, 'logout', at(HOUR), () => null)).toEqual([a1.id.toLowerCase()]);
      expect(await ended(upper, { keepSessionId: a1.id })).toEqual([a2.id]);
    });

    it('keeps what it was given and hands out copies: changing either afterwards changes nothing stored', async () => {
      const [ana] = await people(r, 1);
      const session = await start(ana!, { expiresAt: at(HOUR) });
      session.expiresAt.setTime(0);
      const found = await peek(session.tokenHash);
      expect(found!.expiresAt).toEqual(at(HOUR));
      found!.expiresAt.setTime(0);
      const next = aTokenHash();
      const plan: RotationPlan = { outcome: rotated(found!), next: { tokenHash: next, at: at(10), expiresAt: at(2 * HOUR) } };
      await r.sessions.rotate(session.tokenHash, () => plan);
      plan.next!.at.setTime(0);
      plan.next!.expiresAt.setTime(0);
      expect(await peek(session.tokenHash)).toMatchObject({ usedAt: at(10), expiresAt: at(2 * HOUR) });
      const when = at(3 * HOUR);
      await r.sessions.end(ana!.id, {}, 'logout_all', when, () => null);
      when.setTime(0);
      expect(await peek(next)).toMatchObject({ revokedAt: at(3 * HOUR) });
    });
  });
}
