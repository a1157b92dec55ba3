import { describe, expect, it } from 'vitest';
import { OwedResyncs } from '../../src/live/owed-resyncs.js';
import { BROADCAST } from '../../src/live/transport.js';

const limits = { maxTargets: 3, maxUsers: 5, maxUnheard: 2 };
const view = (owed: OwedResyncs) =>
  owed.take().map((e) => ({ target: e.target, users: e.users && [...e.users].sort(), after: e.after, unheard: e.unheard }));

describe('OwedResyncs', () => {
  it('merges per target: the union of users and the earliest id', () => {
    const owed = new OwedResyncs(limits);
    owed.owe('b', ['u1', 'u2'], 'id-5');
    owed.owe('b', ['u2', 'u3'], 'id-3');
    owed.owe('b', ['u4'], undefined);
    owed.owe('c', ['u1'], undefined);
    expect(owed.users).toBe(5);
    expect(view(owed)).toEqual([
      { target: 'b', users: ['u1', 'u2', 'u3', 'u4'], after: 'id-3', unheard: 0 },
      { target: 'c', users: ['u1'], after: undefined, unheard: 0 },
    ]);
    expect([owed.size, owed.users]).toEqual([0, 0]);
  });

  it('widens an entry to every socket rather than remember more users than allowed', () => {
    const owed = new OwedResyncs(limits);
    owed.owe('b', ['u1', 'u2', 'u3'], undefined);
    owed.owe('c', ['u4', 'u5', 'u6'], undefined);
    expect(owed.users).toBe(3);
    owed.owe('c', ['u7'], undefined);
    expect(view(owed)).toEqual([
      { target: 'b', users: ['u1', 'u2', 'u3'], after: undefined, unheard: 0 },
      { target: 'c', users: undefined, after: undefined, unheard: 0 },
    ]);
  });

  it('asks everyone for everything rather than remember more instances than allowed', () => {
    const owed = new OwedResyncs(limits);
    for (const target of ['a', 'b', 'c', 'd']) owed.owe(target, ['u1'], 'id-9');
    owed.owe(BROADCAST, ['u2'], 'id-1');
    expect(view(owed)).toEqual([
      { target: 'a', users: ['u1'], after: 'id-9', unheard: 0 },
      { target: 'b', users: ['u1'], after: 'id-9', unheard: 0 },
      { target: 'c', users: ['u1'], after: 'id-9', unheard: 0 },
      { target: BROADCAST, users: undefined, after: 'id-1', unheard: 0 },
    ]);
  });

  it('takes one target, and puts back what did not get through, giving up on one nobody hears', () => {
    const owed = new OwedResyncs(limits);
    owed.owe('b', ['u1'], 'id-5');
    owed.owe('c', ['u2'], undefined);
    const [forB] = owed.take('b');
    expect(owed.has('b')).toBe(false);
    // Failed to publish (Redis down): kept however often; merged with what was owed meanwhile.
    owed.owe('b', ['u3'], 'id-7');
    expect(owed.restore(forB!, false)).toBe(true);
    expect(owed.take('b').map((e) => [[...e.users!].sort(), e.after, e.unheard])).toEqual([[['u1', 'u3'], 'id-5', 0]]);
    // Published but unheard: given up after maxUnheard tries.
    const [forC] = owed.take('c');
    expect(owed.restore(forC!, true)).toBe(true);
    const [again] = owed.take('c');
    expect(again!.unheard).toBe(1);
    expect(owed.restore(again!, true)).toBe(false);
    expect(owed.size).toBe(0);
  });
});
