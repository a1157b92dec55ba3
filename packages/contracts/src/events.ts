import Type, { type Static } from 'typebox';
import { envelopeOf, Uuid } from './envelope.js';

const Username = Type.String({ minLength: 1, maxLength: 32 });
const Excerpt = Type.String({ maxLength: 280 });
const DisplayName = Type.String({ maxLength: 100 });
const Email = Type.String({ maxLength: 254 });
const Phone = Type.Union([Type.String({ maxLength: 32 }), Type.Null()]);
const Locale = Type.String({ maxLength: 35 });
const Timezone = Type.String({ maxLength: 64 });
const UserRef = Type.Object({ id: Uuid, username: Username, displayName: DisplayName });

/**
 * Whom a person accepts direct messages from: `everyone`, or only people they follow (`following`).
 * Kept by user-service, enforced by post-service (docs/adr/0012).
 */
export const DirectMessagePolicy = Type.Union([Type.Literal('everyone'), Type.Literal('following')]);

export const UserRegistered = envelopeOf(
  'user.registered',
  Type.Object({
    userId: Uuid,
    username: Username,
    displayName: DisplayName,
    email: Email,
    phone: Phone,
    locale: Locale,
    timezone: Timezone,
  }),
);

/**
 * A change to an account's profile: `changes` holds only the fields that changed, with their new
 * values (`phone: null` removed the number). Consumers apply each field only when the event is newer
 * (envelope `occurredAt`) than what they hold for that field, so a late or redelivered event never
 * undoes a newer one. Further fields may appear in later versions; consumers ignore what they do not know.
 */
export const UserUpdated = envelopeOf(
  'user.updated',
  Type.Object({
    userId: Uuid,
    changes: Type.Object(
      {
        username: Type.Optional(Username),
        displayName: Type.Optional(DisplayName),
        email: Type.Optional(Email),
        phone: Type.Optional(Phone),
        locale: Type.Optional(Locale),
        timezone: Type.Optional(Timezone),
        directMessages: Type.Optional(DirectMessagePolicy),
      },
      { minProperties: 1 },
    ),
  }),
);

/** The channels whose addresses can bounce: an email address, a phone number (SMS), a Slack webhook URL. */
export const BounceChannel = Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('slack')]);

/**
 * A message to one of a user's addresses bounced for good (emitted by notification-service). The
 * owner of the address records it only while `address` is still the user's current one.
 */
export const UserAddressBounced = envelopeOf(
  'user.address_bounced',
  Type.Object({
    userId: Uuid,
    channel: BounceChannel,
    address: Type.String({ minLength: 1, maxLength: 2048 }),
  }),
);

/** Why sessions ended: the person logged out, logged out everywhere, changed their password, or a
 * rotated refresh token was presented again (a sign it was stolen, so its whole session ends). */
export const SessionRevokedReason = Type.Union([
  Type.Literal('logout'),
  Type.Literal('logout_all'),
  Type.Literal('password_changed'),
  Type.Literal('refresh_token_reuse'),
]);

/**
 * Sessions of an account ended (emitted by user-service). Live sockets opened with an access token
 * of one of those sessions are closed with 4401 at once. `sessionIds` names them; without it, every
 * session of the user ends except `keepSessionId` (the one that changed the password), including
 * sockets whose token names no session.
 */
export const SessionRevoked = envelopeOf(
  'session.revoked',
  Type.Object({
    userId: Uuid,
    sessionIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 1000 })),
    keepSessionId: Type.Optional(Uuid),
    reason: SessionRevokedReason,
  }),
);

/**
 * An account was deleted (emitted by user-service, in the transaction that removed it). Final: the
 * id is never used again, so consumers keep a tombstone and ignore every later-arriving event about
 * it, whatever its occurredAt (docs/security.md "Data lifecycle"). Each consumer erases what it holds
 * about the person, idempotently; notification-service also closes their live sockets (4401).
 */
export const UserDeleted = envelopeOf('user.deleted', Type.Object({ userId: Uuid }));

export const UserFollowed = envelopeOf(
  'user.followed',
  Type.Object({ follower: UserRef, followeeId: Uuid }),
);

export const UserUnfollowed = envelopeOf(
  'user.unfollowed',
  Type.Object({ followerId: Uuid, followeeId: Uuid }),
);

/**
 * `blockerId` blocked `blockedId` (emitted by user-service, in the transaction that stored the block
 * and removed the follow edges between them, each with its own user.unfollowed). While it holds,
 * neither can follow the other, message the other, or mention the other, and the blocked person's
 * actions notify the blocker of nothing. The blocker's block and unblock events carry increasing
 * `occurredAt`s (user-service orders them under a lock), so consumers keep the state of the newest
 * one per pair and ignore an older one that arrives late or again.
 */
export const UserBlocked = envelopeOf('user.blocked', Type.Object({ blockerId: Uuid, blockedId: Uuid }));

/** The block of `blockedId` by `blockerId` was lifted; the same ordering rule as user.blocked. */
export const UserUnblocked = envelopeOf('user.unblocked', Type.Object({ blockerId: Uuid, blockedId: Uuid }));

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
  'user.updated': UserUpdated,
  'user.address_bounced': UserAddressBounced,
  'session.revoked': SessionRevoked,
  'user.deleted': UserDeleted,
  'user.followed': UserFollowed,
  'user.unfollowed': UserUnfollowed,
  'user.blocked': UserBlocked,
  'user.unblocked': UserUnblocked,
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
export type UserChanges = EventData<'user.updated'>['changes'];
export type BounceChannel = Static<typeof BounceChannel>;
export type DirectMessagePolicy = Static<typeof DirectMessagePolicy>;
export type SessionRevokedReason = Static<typeof SessionRevokedReason>;

export const EVENT_TYPES = Object.keys(EventSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EventSchemas, type);
}
