// @ts-check
// FeedStore: the home feed as the page holds it (no DOM). Posts newest first by id (UUIDv7 ids sort
// by creation time), each id once; the cursor of the next older page; and the posts announced live
// (a `post` notification) that the list does not show yet, for the "N new posts" banner.
import { compareIds } from './vendor/herald-client.js';

/**
 * The post a notification announces for the home feed, or null: a `post` notification (someone you
 * follow posted) and a `mention` in a post by someone you follow (notification-service sends the
 * mention instead of the `post` then), both with `object: {kind: 'post', id}`.
 * @param {any} n
 * @param {(user: {id: string}) => boolean} follows
 * @returns {string|null}
 */
export function announcedPostId(n, follows) {
  if (n?.object?.kind !== 'post' || typeof n.object.id !== 'string') return null;
  if (n.type === 'post') return n.object.id;
  if (n.type === 'mention' && n.actor?.id && follows({ id: n.actor.id })) return n.object.id;
  return null;
}

export class FeedStore {
  constructor() {
    /** @type {Map<string, any>} */
    this.byId = new Map();
    /** @type {string[]} newest first */
    this.order = [];
    /** @type {string|null} */
    this.nextCursor = null;
    this.loaded = false;
    /** @type {Set<string>} post ids announced live and not in the list */
    this.pending = new Set();
  }

  items() {
    return this.order.map((id) => this.byId.get(id));
  }

  has(id) {
    return this.byId.has(id);
  }

  /** The first page, replacing everything held (announced posts it shows are no longer pending). */
  reset({ items, nextCursor }) {
    this.byId.clear();
    this.order = [];
    this.add(items);
    this.nextCursor = nextCursor ?? null;
    this.loaded = true;
  }

  /** An older page (Load more): appended; ids already held are skipped. */
  addPage({ items, nextCursor }) {
    this.add(items);
    this.nextCursor = nextCursor ?? null;
  }

  /**
   * The newest page, fetched again (the banner's "show"): merged by id. When it does not reach
   * down to anything held and more lies below it, the posts in between are unknown: the list
   * starts over from this page instead of showing a hole.
   * @returns {string[]} the ids that are new to the list
   */
  mergeNewest({ items, nextCursor }) {
    const fresh = items.filter((p) => p?.id && !this.byId.has(p.id)).map((p) => p.id);
    const reaches = items.some((p) => this.byId.has(p?.id)) || !nextCursor || !this.loaded || this.order.length === 0;
    if (reaches) this.add(items);
    else this.reset({ items, nextCursor });
    return fresh;
  }

  /** A post written here: at the top at once. */
  prepend(post) {
    this.add([post]);
  }

  /** A live announcement; true when it adds to the count (not shown yet, not counted yet). */
  announce(postId) {
    if (!postId || this.byId.has(postId) || this.pending.has(postId)) return false;
    this.pending.add(postId);
    return true;
  }

  clearPending() {
    this.pending.clear();
  }

  add(items) {
    let changed = false;
    for (const post of items ?? []) {
      if (!post?.id) continue;
      if (!this.byId.has(post.id)) {
        this.order.push(post.id);
        changed = true;
      }
      this.byId.set(post.id, post);
      this.pending.delete(post.id);
    }
    if (changed) this.order.sort((a, b) => compareIds(b, a));
  }
}
