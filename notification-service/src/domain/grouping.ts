import { toNotification, type Actor, type Notification, type NotificationDraft, type ObjectRef } from './notification.js';
import { render } from './render.js';

/**
 * Grouping: likes on one post and follows of one user collapse into one inbox item while the
 * earlier item is unread and recent (docs/notification-service.md, "Ids, grouping and resume").
 *
 * - The key is `<type>:<object kind>:<object id>`: `like:post:<postId>`, `follow:user:<followeeId>`;
 *   it is scoped to one recipient's inbox by the store.
 * - The window is measured from the group's newest item. A merge creates a successor row with a
 *   new id and `createdAt = now`, so a steady stream of likes keeps one item alive; a pause longer
 *   than the window starts a new item. A group head dated after `now` (clock skew between
 *   instances) counts as inside the window.
 * - `count` is the number of distinct people; `actors` keeps the latest three, newest first.
 *   Someone already among them (unlike then like again) is a repeat: moved to the front, not
 *   counted twice, and the caller should not announce the item again. Someone who dropped out of
 *   the kept three cannot be recognised and counts again: a deliberate trade for a bounded row.
 */

export const MAX_GROUP_ACTORS = 3;
const GROUPABLE = new Set(['like', 'follow']);

export function groupKeyFor(draft: { type: NotificationDraft['type']; object?: ObjectRef | undefined }): string | undefined {
  if (!GROUPABLE.has(draft.type) || !draft.object) return undefined;
  return `${draft.type}:${draft.object.kind}:${draft.object.id}`;
}

export interface GroupHead {
  count: number;
  actors: readonly Actor[];
  createdAt: Date | string;
  readAt: Date | string | null;
}

/** Reads a stored item as a group head; a malformed `data.actors` degrades to the item's own actor. */
export function groupHeadOf(item: Pick<Notification, 'actor' | 'count' | 'data' | 'createdAt' | 'readAt'>): GroupHead {
  const stored = Array.isArray(item.data.actors) ? item.data.actors.filter(isActor) : [];
  const actors = stored.length > 0 ? stored : item.actor ? [item.actor] : [];
  return { count: Math.max(item.count ?? 1, actors.length), actors, createdAt: item.createdAt, readAt: item.readAt };
}

function isActor(value: unknown): value is Actor {
  const a = value as Partial<Actor> | null;
  return typeof a === 'object' && a !== null && typeof a.id === 'string' && typeof a.username === 'string' && typeof a.displayName === 'string';
}

export type MergeDecision =
  | { merge: true; count: number; actors: Actor[]; repeat: boolean }
  | { merge: false; reason: 'read' | 'window_passed' };

export function mergeIntoGroup(existing: GroupHead, actor: Actor, now: Date, windowMs: number): MergeDecision {
  if (existing.readAt !== null) return { merge: false, reason: 'read' };
  const age = now.getTime() - new Date(existing.createdAt).getTime();
  if (age > windowMs) return { merge: false, reason: 'window_passed' };

  const repeat = existing.actors.some((a) => a.id === actor.id);
  const actors = [actor, ...existing.actors]
    .filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i)
    .slice(0, MAX_GROUP_ACTORS)
    .map((a) => ({ id: a.id, username: a.username, displayName: a.displayName }));
  const known = Math.max(existing.count, existing.actors.length);
  return { merge: true, count: repeat ? known : known + 1, actors, repeat };
}

/**
 * The item that replaces `previous` after a merge: a new id (so "resume after X" sees it), the
 * merged count and actors, a title rewritten for the whole group, and `data.replaces` so a client
 * can drop the old item even when it matches on id rather than groupKey.
 */
export function groupSuccessor(
  previous: Pick<Notification, 'id'>,
  draft: NotificationDraft,
  merged: { count: number; actors: readonly Actor[] },
  at: { id: string; createdAt: Date },
  locale?: string,
): Notification {
  const next = toNotification(draft, at);
  next.count = merged.count;
  next.data = { ...next.data, actors: merged.actors.map((a) => ({ ...a })), replaces: previous.id };
  next.title = render({ type: draft.type, actors: merged.actors, count: merged.count }, locale).title;
  return next;
}
