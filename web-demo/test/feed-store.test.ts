import { describe, expect, it } from 'vitest';
import { FeedStore, announcedPostId } from '../public/feed-store.js';

const post = (id: string) => ({ id, text: `post ${id}`, author: { id: 'u1', username: 'ana', displayName: 'Ana' } });
const ids = (store: FeedStore) => store.items().map((p: { id: string }) => p.id);

describe('FeedStore', () => {
  it('holds the first page newest first and appends older pages, each id once', () => {
    const store = new FeedStore();
    store.reset({ items: [post('05'), post('04'), post('03')], nextCursor: 'c1' });
    store.addPage({ items: [post('03'), post('02'), post('01')], nextCursor: null });
    expect(ids(store)).toEqual(['05', '04', '03', '02', '01']);
    expect(store.nextCursor).toBeNull();
  });

  it('counts each announced post once, and never one it already shows', () => {
    const store = new FeedStore();
    store.reset({ items: [post('05')], nextCursor: null });
    expect(store.announce('06')).toBe(true);
    expect(store.announce('06')).toBe(false);
    expect(store.announce('05')).toBe(false);
    expect(store.announce(null)).toBe(false);
    expect(store.announce('07')).toBe(true);
    expect(store.pending.size).toBe(2);
  });

  it('merges the newest page above what it holds and drops what it now shows from the count', () => {
    const store = new FeedStore();
    store.reset({ items: [post('05'), post('04')], nextCursor: 'c1' });
    store.announce('07');
    store.announce('06');
    const fresh = store.mergeNewest({ items: [post('07'), post('06'), post('05')], nextCursor: 'c2' });
    expect(fresh).toEqual(['07', '06']);
    expect(ids(store)).toEqual(['07', '06', '05', '04']);
    // the older pages' cursor stays: Load more goes on from the bottom of the list
    expect(store.nextCursor).toBe('c1');
    expect(store.pending.size).toBe(0);
  });

  it('starts over from the newest page when it does not reach what it holds (no hole in the list)', () => {
    const store = new FeedStore();
    store.reset({ items: [post('02'), post('01')], nextCursor: null });
    const fresh = store.mergeNewest({ items: [post('09'), post('08')], nextCursor: 'c9' });
    expect(fresh).toEqual(['09', '08']);
    expect(ids(store)).toEqual(['09', '08']);
    expect(store.nextCursor).toBe('c9');
  });

  it('puts a post written here at the top; an announcement that arrived before the first page is not counted once shown', () => {
    const store = new FeedStore();
    store.announce('03');
    store.reset({ items: [post('03'), post('02')], nextCursor: null });
    expect(store.pending.size).toBe(0);
    store.prepend(post('04'));
    expect(ids(store)).toEqual(['04', '03', '02']);
  });
});

describe('announcedPostId', () => {
  const follows = (user: { id: string }) => user.id === 'followed';
  it('takes a post notification’s post, and a mention in a post by someone followed', () => {
    expect(announcedPostId({ type: 'post', object: { kind: 'post', id: 'p1' }, actor: { id: 'anyone' } }, follows)).toBe('p1');
    expect(announcedPostId({ type: 'mention', object: { kind: 'post', id: 'p2' }, actor: { id: 'followed' } }, follows)).toBe('p2');
  });

  it('ignores mentions by strangers, mentions in comments, and everything else', () => {
    expect(announcedPostId({ type: 'mention', object: { kind: 'post', id: 'p2' }, actor: { id: 'stranger' } }, follows)).toBeNull();
    expect(announcedPostId({ type: 'mention', object: { kind: 'comment', id: 'c1' }, actor: { id: 'followed' } }, follows)).toBeNull();
    expect(announcedPostId({ type: 'like', object: { kind: 'post', id: 'p3' } }, follows)).toBeNull();
    expect(announcedPostId({ type: 'post' }, follows)).toBeNull();
    expect(announcedPostId(null, follows)).toBeNull();
  });
});
