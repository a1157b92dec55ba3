import Type, { type Static } from 'typebox';
import { envelopeOf, Uuid } from './envelope.js';

const Username = Type.String({ minLength: 1, maxLength: 32 });
const Excerpt = Type.String({ maxLength: 280 });
const UserRef = Type.Object({ id: Uuid, username: Username, displayName: Type.String({ maxLength: 100 }) });

export const UserRegistered = envelopeOf(
  'user.registered',
  Type.Object({
    userId: Uuid,
    username: Username,
    displayName: Type.String({ maxLength: 100 }),
    email: Type.String({ maxLength: 254 }),
    phone: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    locale: Type.String({ maxLength: 35 }),
    timezone: Type.String({ maxLength: 64 }),
  }),
);

export const UserFollowed = envelopeOf(
  'user.followed',
  Type.Object({ follower: UserRef, followeeId: Uuid }),
);

export const UserUnfollowed = envelopeOf(
  'user.unfollowed',
  Type.Object({ followerId: Uuid, followeeId: Uuid }),
);

export const PostCreated = envelopeOf(
  'post.created',
  Type.Object({
    postId: Uuid,
    author: UserRef,
    excerpt: Excerpt,
    mentionedUserIds: Type.Array(Uuid, { maxItems: 50 }),
  }),
);

export const CommentCreated = envelopeOf(
  'comment.created',
  Type.Object({
    commentId: Uuid,
    postId: Uuid,
    postAuthorId: Uuid,
    author: UserRef,
    excerpt: Excerpt,
    mentionedUserIds: Type.Array(Uuid, { maxItems: 50 }),
  }),
);

export const PostLiked = envelopeOf(
  'post.liked',
  Type.Object({ postId: Uuid, postAuthorId: Uuid, liker: UserRef, excerpt: Excerpt }),
);

export const MessageSent = envelopeOf(
  'message.sent',
  Type.Object({ messageId: Uuid, sender: UserRef, recipientId: Uuid, excerpt: Excerpt }),
);

/** Every domain event type, keyed by its routing key. One source for producers and consumers. */
export const EventSchemas = {
  'user.registered': UserRegistered,
  'user.followed': UserFollowed,
  'user.unfollowed': UserUnfollowed,
  'post.created': PostCreated,
  'comment.created': CommentCreated,
  'post.liked': PostLiked,
  'message.sent': MessageSent,
} as const;

export type EventType = keyof typeof EventSchemas;
export type EventOf<T extends EventType> = Static<(typeof EventSchemas)[T]>;
export type EventData<T extends EventType> = EventOf<T>['data'];
export type DomainEvent = { [T in EventType]: EventOf<T> }[EventType];
export type UserRef = Static<typeof UserRef>;

export const EVENT_TYPES = Object.keys(EventSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EventSchemas, type);
}
