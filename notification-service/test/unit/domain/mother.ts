import { createEvent, type EventData, type EventOf, type EventType, type UserRef } from '@herald/contracts';
import { DEFAULT_PREFERENCES, normalizePreferences, type Preferences } from '../../../src/domain/preferences.js';

/** Test-data builders (Object Mothers): valid events and people with only the interesting parts spelled out. */

export const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const ana: UserRef = { id: id(1), username: 'ana', displayName: 'Ana' };
export const bo: UserRef = { id: id(2), username: 'bo', displayName: 'Bo' };
export const cy: UserRef = { id: id(3), username: 'cy', displayName: 'Cy' };
export const di: UserRef = { id: id(4), username: 'di', displayName: 'Di' };
export const ed: UserRef = { id: id(5), username: 'ed', displayName: 'Ed' };
export const postId = id(100);
export const commentId = id(200);
export const messageId = id(300);

// createEvent validates against the event schemas of @herald/contracts, so a builder cannot drift from real payloads.
export function event<T extends EventType>(type: T, data: EventData<T>, occurredAt = new Date('2024-05-01T12:00:00Z')): EventOf<T> {
  return createEvent(type, data, { producer: 'test', occurredAt });
}

export const postCreated = (over: Partial<EventData<'post.created'>> = {}) =>
  event('post.created', { postId, author: ana, excerpt: 'Hello world', mentionedUserIds: [], ...over });

export const commentCreated = (over: Partial<EventData<'comment.created'>> = {}) =>
  event('comment.created', { commentId, postId, postAuthorId: bo.id, author: ana, excerpt: 'Nice one', mentionedUserIds: [], ...over });

export const postLiked = (over: Partial<EventData<'post.liked'>> = {}) =>
  event('post.liked', { postId, postAuthorId: bo.id, liker: ana, excerpt: 'Hello world', ...over });

export const userFollowed = (over: Partial<EventData<'user.followed'>> = {}) =>
  event('user.followed', { follower: ana, followeeId: bo.id, ...over });

export const messageSent = (over: Partial<EventData<'message.sent'>> = {}) =>
  event('message.sent', { messageId, sender: ana, recipientId: bo.id, excerpt: 'Lunch?', ...over });

/** Preferences built through the real normalizer, so tests only use states a user can reach. */
export function prefs(input: Record<string, unknown> = {}, base: Preferences = DEFAULT_PREFERENCES): Preferences {
  const result = normalizePreferences(input, base);
  if (!result.ok) throw new Error(`test preferences invalid: ${result.field} ${result.message}`);
  return result.value;
}
