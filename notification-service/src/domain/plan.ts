import type { DomainEvent, UserRef } from '@herald/contracts';
import { groupKeyFor } from './grouping.js';
import type { Actor, NotificationDraft, ObjectRef, Priority } from './notification.js';
import { render } from './render.js';

/**
 * What one domain event means for this service: changes to its own projections of users and the
 * follow graph, and who is a candidate for which notification. Pure: mutes, preferences, receipts
 * and presence are applied later, per recipient chunk.
 *
 * Rules:
 * - post.created: the author's followers get `post`; mentioned users get `mention` instead.
 * - comment.created: the post's author gets `comment`; mentioned users get `mention`. A post author
 *   who is also mentioned gets the `comment` only: it is their post, so the comment is the more
 *   specific news and the mention adds nothing.
 * - post.liked: the post's author gets `like`, grouped by `like:post:<postId>`.
 * - user.followed: the followee gets `follow`, grouped by `follow:user:<followeeId>`.
 * - message.sent: the recipient gets `message`.
 * - user.registered / user.updated / user.followed / user.unfollowed update the projections.
 * - user.blocked / user.unblocked (the full block, owned by user-service) set or lift the blocker's
 *   `block` entry in the mutes, so the blocked person's actions stop notifying them, as a block set
 *   through the mutes routes does (docs/api.md "Mutes").
 * - user.address_bounced is this service's own report about an address; it plans nothing here.
 * - session.revoked ends live sockets: the sessions named, or all of the user's but one.
 * - user.deleted erases everything held about the person (a tombstone stays in the users
 *   projection, so no later-arriving event brings them back) and ends all of their live sockets.
 * - Nobody is notified of their own action.
 *
 * Targets of one plan are pairwise disjoint and never contain the actor: each recipient gets at most
 * one notification per event. This is built in (explicit recipient lists are deduplicated and the
 * followers audience carries an `exclude` list) rather than left to processing order, because the
 * chunks of a large followers audience are delivered by any instance in any order.
 */

/** A registered user as this service keeps them: who to address, in which zone and language. */
export interface UserProfile {
  id: string;
  username: string;
  displayName: string;
  email: string;
  phone: string | null;
  locale: string;
  timezone: string;
}

/** The profile fields user.updated may carry, each only when it changed (`phone: null`: removed). */
export type UserProfileChanges = Partial<Omit<UserProfile, 'id'>>;

export const PROFILE_FIELDS = ['username', 'displayName', 'email', 'phone', 'locale', 'timezone'] as const satisfies readonly (keyof UserProfileChanges)[];

// `asOf` is the event's occurredAt: redelivered or reordered events arrive late, so stores apply a
// change only when it is newer than what they hold (an old follow must not undo a newer unfollow).
// A user's profile is ordered per field: user.updated changes some fields, and an older update of
// one field must still apply after a newer update of another.
export type ProjectionChange =
  | { kind: 'user.upserted'; user: UserProfile; asOf: string }
  | { kind: 'user.updated'; userId: string; changes: UserProfileChanges; asOf: string }
  | { kind: 'follow.added'; followerId: string; followeeId: string; asOf: string }
  | { kind: 'follow.removed'; followerId: string; followeeId: string; asOf: string }
  | { kind: 'block.added'; blockerId: string; blockedId: string; asOf: string }
  | { kind: 'block.removed'; blockerId: string; blockedId: string; asOf: string };

export type Audience =
  | { kind: 'users'; userIds: string[] }
  | { kind: 'followers'; ofUserId: string; exclude: string[] };

export interface Target {
  audience: Audience;
  draft: NotificationDraft;
}

/** Live sockets to close with 4401: those of `sessionIds`, or every one of the user's but `keepSessionId`'s. */
export interface SessionRevocation {
  userId: string;
  sessionIds?: string[];
  keepSessionId?: string;
}

/** An account that was deleted, at `deletedAt` (the event's occurredAt): see UserErasure. */
export interface Erasure {
  userId: string;
  deletedAt: string;
}

export interface EventPlan {
  projections: ProjectionChange[];
  targets: Target[];
  /** session.revoked and user.deleted. */
  revocations?: SessionRevocation[];
  /** Only for user.deleted. */
  erasures?: Erasure[];
}

/** Only `critical` changes delivery; the rest orders work for the fallback workers. */
export const PRIORITY_BY_TYPE: Record<'follow' | 'post' | 'comment' | 'like' | 'mention' | 'message', Priority> = {
  like: 'low',
  post: 'low',
  follow: 'normal',
  comment: 'normal',
  mention: 'normal',
  message: 'high',
};

export function planEvent(event: DomainEvent): EventPlan {
  const asOf = event.occurredAt;
  switch (event.type) {
    case 'user.registered': {
      const { userId, username, displayName, email, phone, locale, timezone } = event.data;
      const user = { id: userId, username, displayName, email, phone, locale, timezone };
      return { projections: [{ kind: 'user.upserted', user, asOf }], targets: [] };
    }
    case 'user.updated': {
      const changes = profileChanges(event.data.changes);
      if (Object.keys(changes).length === 0) return nothing();
      return { projections: [{ kind: 'user.updated', userId: event.data.userId, changes, asOf }], targets: [] };
    }
    case 'session.revoked': {
      const { userId, sessionIds, keepSessionId } = event.data;
      const revocation: SessionRevocation = { userId, ...(sessionIds ? { sessionIds } : {}), ...(keepSessionId ? { keepSessionId } : {}) };
      return { projections: [], targets: [], revocations: [revocation] };
    }
    case 'user.deleted': {
      const { userId } = event.data;
      // Erased first, then every socket of theirs closes (4401): a socket that stayed open a moment
      // longer would find an empty inbox.
      return { projections: [], targets: [], erasures: [{ userId, deletedAt: asOf }], revocations: [{ userId }] };
    }
    case 'user.address_bounced':
      // Emitted by this service about an address it failed to reach; user-service records it.
      return nothing();
    case 'user.unfollowed': {
      const { followerId, followeeId } = event.data;
      return { projections: [{ kind: 'follow.removed', followerId, followeeId, asOf }], targets: [] };
    }
    case 'user.blocked':
    case 'user.unblocked': {
      const { blockerId, blockedId } = event.data;
      const kind = event.type === 'user.blocked' ? 'block.added' : 'block.removed';
      return { projections: [{ kind, blockerId, blockedId, asOf }], targets: [] };
    }
    case 'user.followed': {
      const { follower, followeeId } = event.data;
      const draft = draftOf('follow', follower, { kind: 'user', id: followeeId }, {});
      return {
        projections: [{ kind: 'follow.added', followerId: follower.id, followeeId, asOf }],
        targets: users([followeeId], [follower.id], draft),
      };
    }
    case 'post.created': {
      const { postId, author, excerpt, mentionedUserIds } = event.data;
      const object: ObjectRef = { kind: 'post', id: postId };
      const mentioned = distinct(mentionedUserIds, [author.id]);
      const mention = draftOf('mention', author, object, { postId, excerpt }, { mentionedIn: 'post' });
      const post = draftOf('post', author, object, { postId, excerpt });
      return {
        projections: [],
        targets: [
          ...users(mentioned, [], mention),
          { audience: { kind: 'followers', ofUserId: author.id, exclude: [author.id, ...mentioned] }, draft: post },
        ],
      };
    }
    case 'comment.created': {
      const { commentId, postId, postAuthorId, author, excerpt, mentionedUserIds } = event.data;
      const object: ObjectRef = { kind: 'comment', id: commentId };
      const data = { postId, commentId, excerpt };
      const comment = draftOf('comment', author, object, data);
      const mention = draftOf('mention', author, object, data, { mentionedIn: 'comment' });
      return {
        projections: [],
        targets: [
          ...users([postAuthorId], [author.id], comment),
          ...users(mentionedUserIds, [author.id, postAuthorId], mention),
        ],
      };
    }
    case 'post.liked': {
      const { postId, postAuthorId, liker, excerpt } = event.data;
      const draft = draftOf('like', liker, { kind: 'post', id: postId }, { postId, excerpt });
      return { projections: [], targets: users([postAuthorId], [liker.id], draft) };
    }
    case 'message.sent': {
      const { messageId, sender, recipientId, excerpt } = event.data;
      const draft = draftOf('message', sender, { kind: 'message', id: messageId }, { messageId, excerpt });
      return { projections: [], targets: users([recipientId], [sender.id], draft) };
    }
    default:
      return unreachable(event);
  }
}

const nothing = (): EventPlan => ({ projections: [], targets: [] });

/** The fields this service keeps, copied one by one: a field a newer producer adds is left out. */
function profileChanges(changes: UserProfileChanges): UserProfileChanges {
  const picked: UserProfileChanges = {};
  for (const field of PROFILE_FIELDS) {
    if (changes[field] !== undefined) Object.assign(picked, { [field]: changes[field] });
  }
  return picked;
}

function draftOf(
  type: keyof typeof PRIORITY_BY_TYPE,
  ref: UserRef,
  object: ObjectRef,
  data: Record<string, unknown> & { excerpt?: string },
  extra: { mentionedIn?: 'post' | 'comment' } = {},
): NotificationDraft {
  const actor: Actor = { id: ref.id, username: ref.username, displayName: ref.displayName };
  const { title, body } = render({ type, actors: [actor], count: 1, excerpt: data.excerpt, ...extra });
  const draft: NotificationDraft = { type, priority: PRIORITY_BY_TYPE[type], actor, object, title, body, data: { ...data, ...extra } };
  const groupKey = groupKeyFor(draft);
  if (groupKey !== undefined) draft.groupKey = groupKey;
  return draft;
}

/** A target for explicit recipients, or none when nobody is left after dedupe and exclusions. */
function users(ids: readonly string[], exclude: readonly string[], draft: NotificationDraft): Target[] {
  const userIds = distinct(ids, exclude);
  return userIds.length > 0 ? [{ audience: { kind: 'users', userIds }, draft }] : [];
}

function distinct(ids: readonly string[], exclude: readonly string[]): string[] {
  const seen = new Set(exclude);
  const out: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

function unreachable(event: never): never {
  throw new Error(`no plan for event type ${(event as { type: string }).type}`);
}
