// @ts-check
// Whom the signed-in user follows. The contract gives no "do I follow X" field, so the set is built
// from GET /users/:me/following (paged) once per session and kept current by our own follow/unfollow.
import { listOf } from '../api.js';

const MAX_PAGES = 20;

export class FollowState {
  constructor(api, getMyId) {
    this.api = api;
    this.getMyId = getMyId;
    this.ids = new Set();
    this.loading = null;
  }

  /** Resolves once the set is known (or as known as it can be: errors leave it partial). */
  ready() {
    const me = this.getMyId();
    if (!me) return Promise.resolve();
    this.loading ??= this.load(me).catch((err) => console.warn('following list unavailable', err));
    return this.loading;
  }

  async load(me) {
    let cursor;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const { items, nextCursor } = listOf(await this.api.following(me, cursor, 100));
      for (const u of items) {
        const id = u?.id ?? u?.userId ?? u?.followeeId;
        if (id) this.ids.add(id);
      }
      if (!nextCursor) return;
      cursor = nextCursor;
    }
  }

  /** A flag on the user object wins, when the server sends one. */
  isFollowing(user) {
    const flag = user?.isFollowing ?? user?.followedByMe ?? user?.following;
    if (typeof flag === 'boolean') return flag;
    return this.ids.has(user?.id);
  }

  async setFollowing(userId, follow) {
    if (follow) await this.api.follow(userId);
    else await this.api.unfollow(userId);
    if (follow) this.ids.add(userId);
    else this.ids.delete(userId);
  }

  reset() {
    this.ids.clear();
    this.loading = null;
  }
}
