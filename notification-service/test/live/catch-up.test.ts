import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { CatchUpQueue } from '../../src/live/catch-up-queue.js';
import { catchUpStart, idBefore, lowerBoundId, maxId, minId, oldestNotificationId } from '../../src/live/catch-up.js';
import { countFrame, newUserId, notification, notificationFrame } from './support/builders.js';

// A UUIDv7 of a given millisecond (platform's uuidv7 never goes back in time, so it cannot make old ones).
const idAt = (ms: number, n = 1): string => lowerBoundId(ms).replace(/-0000-0000-0{12}$/, `-7000-8000-${n.toString(16).padStart(12, '0')}`);

describe('catch-up positions', () => {
  it('builds a lower bound below every UUIDv7 of that millisecond and above every earlier one', () => {
    const ms = Date.UTC(2026, 11, 5, 19, 0, 0, 123);
    const hex = ms.toString(16).padStart(12, '0');
    expect(lowerBoundId(ms)).toBe(`${hex.slice(0, 8)}-${hex.slice(8)}-0000-0000-000000000000`);
    expect(lowerBoundId(ms) < idAt(ms, 0)).toBe(true);
    expect(lowerBoundId(ms) > idAt(ms - 1, 0xffff_ffff_ffff)).toBe(true);
    const now = Date.now();
    const real = uuidv7();
    expect(lowerBoundId(now - 1) < real && real < lowerBoundId(now + 60_000)).toBe(true);
  });

  it('steps one below an id, so paging after it includes the id itself', () => {
    expect(idBefore('0190f0a2-0000-7000-8000-000000000001')).toBe('0190f0a2-0000-7000-8000-000000000000');
    expect(idBefore('0190f0a2-0000-7000-8000-000000000000')).toBe('0190f0a2-0000-7000-7fff-ffffffffffff');
    const id = uuidv7();
    expect(idBefore(id) < id).toBe(true);
    expect(idBefore('00000000-0000-0000-0000-000000000000')).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('compares ids with undefined as "none"', () => {
    expect([minId(undefined, 'b'), minId('a', undefined), minId('a', 'b'), minId(undefined, undefined)]).toEqual(['b', 'a', 'a', undefined]);
    expect([maxId(undefined, 'b'), maxId('a', undefined), maxId('a', 'b')]).toEqual(['b', 'a', 'b']);
  });

  it('starts where the gap began, else after the newest id sent, else at the opening', () => {
    const openedAt = Date.now() - 60_000;
    const [gap, cursor] = [idAt(openedAt + 1_000), idAt(openedAt + 2_000)];
    expect(catchUpStart({ gapFrom: gap, cursor, openedAt })).toBe(gap);
    expect(catchUpStart({ gapFrom: undefined, cursor, openedAt })).toBe(cursor);
    expect(catchUpStart({ gapFrom: undefined, cursor: undefined, openedAt })).toBe(lowerBoundId(openedAt));
  });

  it('takes a sender hint when it is earlier, but never before the socket opened', () => {
    const openedAt = Date.now() - 60_000;
    const cursor = idAt(openedAt + 5_000);
    const earlier = idBefore(idAt(openedAt + 1_000));
    expect(catchUpStart({ gapFrom: undefined, cursor, openedAt }, earlier)).toBe(earlier);
    expect(catchUpStart({ gapFrom: undefined, cursor, openedAt }, idBefore(idAt(openedAt + 9_000)))).toBe(cursor);
    expect(catchUpStart({ gapFrom: undefined, cursor, openedAt }, idAt(openedAt - 30_000))).toBe(lowerBoundId(openedAt));
    // A socket sent nothing, whose client resumed after an old id, still pages from that id.
    const resumedAfter = idAt(openedAt - 90_000);
    expect(catchUpStart({ gapFrom: undefined, cursor: resumedAfter, openedAt }, idAt(openedAt - 30_000))).toBe(resumedAfter);
  });

  it('finds the oldest notification among frames, ignoring counts', () => {
    const userId = newUserId();
    const [first, second] = [notification(), notification()];
    expect(oldestNotificationId([notificationFrame(userId, second), countFrame(userId, 1), notificationFrame(userId, first)])).toBe(first.id);
    expect(oldestNotificationId([countFrame(userId, 1)])).toBeUndefined();
  });
});

describe('CatchUpQueue', () => {
  it('runs at most `concurrency` at once, oldest request first, skipping those no longer needed', async () => {
    const started: number[] = [];
    const release = new Map<number, () => void>();
    let running = 0;
    let most = 0;
    const queue = new CatchUpQueue<number>(
      2,
      (n) => {
        started.push(n);
        most = Math.max(most, ++running);
        return new Promise<void>((resolve) => release.set(n, () => (running--, resolve())));
      },
      (n) => n === 3,
    );
    for (let n = 1; n <= 5; n++) queue.push(n);
    expect(started).toEqual([1, 2]);
    expect([queue.active, queue.pending]).toEqual([2, 3]);
    release.get(1)!();
    await new Promise(setImmediate);
    expect(started).toEqual([1, 2, 4]);
    release.get(2)!();
    release.get(4)!();
    await new Promise(setImmediate);
    release.get(5)!();
    await new Promise(setImmediate);
    expect(started).toEqual([1, 2, 4, 5]);
    expect([most, queue.active, queue.pending]).toEqual([2, 0, 0]);
  });

  it('keeps going when a run fails, and drops what waits on clear()', async () => {
    const ran: number[] = [];
    const queue = new CatchUpQueue<number>(1, async (n) => {
      ran.push(n);
      if (n === 1) throw new Error('inbox down');
    });
    queue.push(1);
    queue.push(2);
    await new Promise(setImmediate);
    expect(ran).toEqual([1, 2]);
    const blocked = new CatchUpQueue<number>(1, (n) => (ran.push(n), new Promise<void>(() => {})));
    blocked.push(10);
    blocked.push(11);
    blocked.clear();
    expect(blocked.pending).toBe(0);
  });
});
