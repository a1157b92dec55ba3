import { describe, expect, it } from 'vitest';
import { groupHeadOf, groupKeyFor, groupSuccessor, mergeIntoGroup, MAX_GROUP_ACTORS, type GroupHead } from '../../../src/domain/grouping.js';
import { toNotification } from '../../../src/domain/notification.js';
import { planEvent } from '../../../src/domain/plan.js';
import { ana, bo, cy, di, ed, postId, postLiked } from './mother.js';

const HOUR = 3_600_000;
const t0 = new Date('2024-05-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const head = (over: Partial<GroupHead> = {}): GroupHead => ({ count: 1, actors: [ana], createdAt: t0, readAt: null, ...over });

describe('groupKeyFor', () => {
  it('keys likes by post and follows by followee; other types are not grouped', () => {
    expect(groupKeyFor({ type: 'like', object: { kind: 'post', id: postId } })).toBe(`like:post:${postId}`);
    expect(groupKeyFor({ type: 'follow', object: { kind: 'user', id: bo.id } })).toBe(`follow:user:${bo.id}`);
    expect(groupKeyFor({ type: 'comment', object: { kind: 'comment', id: postId } })).toBeUndefined();
    expect(groupKeyFor({ type: 'like' })).toBeUndefined();
  });
});

describe('mergeIntoGroup', () => {
  it('merges a new person within the window: counted, and first among the actors', () => {
    expect(mergeIntoGroup(head(), bo, at(10 * 60_000), HOUR)).toEqual({ merge: true, count: 2, actors: [bo, ana], repeat: false });
  });

  it('merges at exactly the window’s edge and not a millisecond after', () => {
    expect(mergeIntoGroup(head(), bo, at(HOUR), HOUR).merge).toBe(true);
    expect(mergeIntoGroup(head(), bo, at(HOUR + 1), HOUR)).toEqual({ merge: false, reason: 'window_passed' });
  });

  it('never merges into an item already read', () => {
    expect(mergeIntoGroup(head({ readAt: at(1000) }), bo, at(2000), HOUR)).toEqual({ merge: false, reason: 'read' });
    expect(mergeIntoGroup(head({ readAt: at(1000).toISOString() }), bo, at(2000), HOUR).merge).toBe(false);
  });

  it('keeps the latest three distinct people but counts everyone', () => {
    let group: GroupHead = head();
    for (const [i, actor] of [bo, cy, di, ed].entries()) {
      const result = mergeIntoGroup(group, actor, at(i * 1000), HOUR);
      if (!result.merge) throw new Error('expected a merge');
      group = { ...group, count: result.count, actors: result.actors };
    }
    expect(group.count).toBe(5);
    expect(group.actors).toEqual([ed, di, cy]);
    expect(group.actors).toHaveLength(MAX_GROUP_ACTORS);
  });

  it('treats someone already among the actors as a repeat: moved first, not counted again', () => {
    const result = mergeIntoGroup(head({ count: 3, actors: [cy, bo, ana] }), ana, at(1000), HOUR);
    expect(result).toEqual({ merge: true, count: 3, actors: [ana, cy, bo], repeat: true });
  });

  it('treats a group head stamped slightly in the future (clock skew) as inside the window', () => {
    expect(mergeIntoGroup(head({ createdAt: at(5000) }), bo, t0, HOUR).merge).toBe(true);
  });

  it('accepts ISO strings as stored timestamps', () => {
    expect(mergeIntoGroup(head({ createdAt: t0.toISOString() }), bo, at(HOUR + 1), HOUR).merge).toBe(false);
  });
});

describe('group items end to end', () => {
  const draft = planEvent(postLiked()).targets[0]!.draft;

  it('starts a group of one from a draft', () => {
    const first = toNotification(draft, { id: 'n1', createdAt: t0 });
    expect(first).toMatchObject({ groupKey: `like:post:${postId}`, count: 1, data: { actors: [ana] } });
    expect(groupHeadOf(first)).toEqual({ count: 1, actors: [ana], createdAt: t0.toISOString(), readAt: null });
  });

  it('builds the successor: new id, merged count and actors, group title, and the id it replaces', () => {
    const first = toNotification(draft, { id: 'n1', createdAt: t0 });
    const cyDraft = planEvent(postLiked({ liker: cy })).targets[0]!.draft;
    const merged = mergeIntoGroup(groupHeadOf(first), cy, at(1000), HOUR);
    if (!merged.merge) throw new Error('expected a merge');
    const next = groupSuccessor(first, cyDraft, merged, { id: 'n2', createdAt: at(1000) });
    expect(next).toMatchObject({
      id: 'n2', type: 'like', actor: cy, title: 'Cy and Ana liked your post',
      body: 'Hello world', count: 2, groupKey: `like:post:${postId}`, createdAt: at(1000).toISOString(), readAt: null,
      data: { postId, excerpt: 'Hello world', actors: [cy, ana], replaces: 'n1' },
    });
  });

  it('reads a stored item whose actors are missing or malformed as a group of its own actor', () => {
    const first = toNotification(draft, { id: 'n1', createdAt: t0 });
    expect(groupHeadOf({ ...first, data: { actors: 'nonsense' } }).actors).toEqual([ana]);
    expect(groupHeadOf({ ...first, count: 7, data: { actors: [{ id: 1 }, bo] } })).toMatchObject({ count: 7, actors: [bo] });
  });
});
