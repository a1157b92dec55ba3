import Type, { type Static } from 'typebox';

/**
 * The public protocol of Herald's live socket, `GET /ws` (docs/protocol.md): every frame a client
 * may send, every frame the server sends, the close codes and what a client does about each, and
 * the Notification the frames carry (the same shape the HTTP inbox answers with).
 *
 * Schemas only, built with TypeBox's type builder: nothing here compiles a validator or touches
 * Node, so `@herald/contracts/protocol` can be imported without the event codec. The server compiles
 * the client-frame schemas once (notification-service/src/live/protocol.ts).
 *
 * Every frame is one JSON text message, an object with a `type`. Fields a receiver does not know
 * are ignored (both ways), so either side can add one without breaking the other; a new frame type
 * is ignored by clients and refused by the server with an `unknown_type` error frame.
 */

/** The path of the live socket, on the gateway. */
export const LIVE_PATH = '/ws';
/**
 * The token rides in the subprotocol `bearer.<accessToken>`, offered beside `bearer` (which the
 * server then answers, so the token is echoed nowhere): `['bearer', 'bearer.' + token]`.
 */
export const BEARER_SUBPROTOCOL = 'bearer';
export const BEARER_PREFIX = 'bearer.';

/**
 * Herald ids are UUIDs (version 7 for everything Herald creates); either case is accepted. A strict
 * pattern rather than `format: uuid`, which also admits `urn:uuid:` forms PostgreSQL refuses.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Id = Type.String({ pattern: UUID_PATTERN, description: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });

// --- the Notification ------------------------------------------------------------------------

export const NOTIFICATION_TYPES = ['follow', 'post', 'comment', 'like', 'mention', 'message', 'alert', 'reminder', 'system'] as const;
export const NOTIFICATION_CATEGORIES = ['informational', 'alert', 'reminder'] as const;
export const NOTIFICATION_PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
/** What `Notification.object` can point at. */
export const OBJECT_KINDS = ['post', 'comment', 'message', 'user'] as const;

export const NotificationType = Type.Enum(NOTIFICATION_TYPES);
export type NotificationType = Static<typeof NotificationType>;
export const NotificationCategory = Type.Enum(NOTIFICATION_CATEGORIES);
export type NotificationCategory = Static<typeof NotificationCategory>;
export const NotificationPriority = Type.Enum(NOTIFICATION_PRIORITIES);
export type NotificationPriority = Static<typeof NotificationPriority>;

export const NotificationActor = Type.Object({ id: Id, username: Type.String(), displayName: Type.String() });
export type NotificationActor = Static<typeof NotificationActor>;
/** `kind` is one of OBJECT_KINDS today; a client treats an unknown kind as "nothing to link to". */
export const NotificationObject = Type.Object({ kind: Type.String(), id: Id });
export type NotificationObject = Static<typeof NotificationObject>;

/**
 * One inbox item, as `GET /api/v1/notifications` lists it and the `notification` frame carries it.
 * A grouped item (likes or follows of one thing) has `groupKey` and `count`; when it grows it comes
 * again with a new id, naming the id it replaces in `data.replaces` (docs/adr/0010).
 */
export const Notification = Type.Object({
  id: Id,
  type: NotificationType,
  category: NotificationCategory,
  priority: NotificationPriority,
  actor: Type.Optional(NotificationActor),
  object: Type.Optional(NotificationObject),
  title: Type.String(),
  body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
  readAt: Type.Union([Timestamp, Type.Null()]),
  groupKey: Type.Optional(Type.String()),
  count: Type.Optional(Type.Integer()),
  seq: Type.Optional(Type.Integer({ minimum: 1, description: "Place in the recipient's stream (1, 2, 3, ... in commit order); a jump means a notification has not arrived yet" })),
});
export type Notification = Static<typeof Notification>;

/**
 * The lifecycle of one delivery (a notification on one channel), in the order it advances, as
 * `GET /api/v1/notifications/status` reports it; failed, bounced, skipped and cancelled are final.
 */
export const DELIVERY_STATUSES = [
  'pending', 'scheduled', 'queued', 'sent', 'delivered', 'opened', 'clicked', 'read', 'failed', 'bounced', 'skipped', 'cancelled',
] as const;
export const DeliveryStatus = Type.Enum(DELIVERY_STATUSES);
export type DeliveryStatus = Static<typeof DeliveryStatus>;

// --- client → server -------------------------------------------------------------------------

/** Ids one `read` frame may hold. */
export const MAX_READ_IDS = 200;

/** Every notification newer than `after`, oldest first, then live ones: no gap, no duplicate. */
export const ResumeFrame = Type.Object({ type: Type.Literal('resume'), after: Id });
export type ResumeFrame = Static<typeof ResumeFrame>;

/** The `read` frame with a given id limit (the server's is MAX_READ_IDS). */
export function readFrameSchema(maxIds: number = MAX_READ_IDS) {
  return Type.Object({ type: Type.Literal('read'), ids: Type.Array(Id, { minItems: 1, maxItems: maxIds }) });
}
/** Marks these notifications read; answered with `unread_count` (every session hears it when something changed). */
export const ReadFrame = readFrameSchema();
export type ReadFrame = Static<typeof ReadFrame>;

/** Answered with `pong`, after any replay running on the socket: the end-of-replay barrier. */
export const PingFrame = Type.Object({ type: Type.Literal('ping') });
export type PingFrame = Static<typeof PingFrame>;

export const ClientFrame = Type.Union([ResumeFrame, ReadFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;

/** The client frames by type. */
export const CLIENT_FRAMES = { resume: ResumeFrame, read: ReadFrame, ping: PingFrame } as const;
export type ClientFrameType = keyof typeof CLIENT_FRAMES;

// --- server → client -------------------------------------------------------------------------

/**
 * First on every socket. `seq` is the newest number of the person's stream at that moment (0 before
 * any), and `unreadCount` their unread count at the same moment.
 */
export const HelloFrame = Type.Object({
  type: Type.Literal('hello'),
  sessionId: Type.String(),
  unreadCount: Type.Integer({ minimum: 0 }),
  seq: Type.Integer({ minimum: 0 }),
});
export type HelloFrame = Static<typeof HelloFrame>;

/** A new notification (to every open session of the person), or one replayed after `resume`. */
export const NotificationFrame = Type.Object({ type: Type.Literal('notification'), notification: Notification });
export type NotificationFrame = Static<typeof NotificationFrame>;

/** The person's unread count: after new notifications and after reads (from any session or HTTP). */
export const UnreadCountFrame = Type.Object({ type: Type.Literal('unread_count'), count: Type.Integer({ minimum: 0 }) });
export type UnreadCountFrame = Static<typeof UnreadCountFrame>;

/** The answer to `ping`. */
export const PongFrame = Type.Object({ type: Type.Literal('pong') });
export type PongFrame = Static<typeof PongFrame>;

/** Why a client frame was refused (the socket stays open; 10 refusals close it with 1008). */
export const ERROR_FRAME_CODES = [
  'invalid_json',
  'invalid_frame',
  'unknown_type',
  'invalid_request',
  'invalid_resume',
  'resume_in_progress',
  'resume_failed',
  'read_failed',
] as const;
export const ErrorFrameCode = Type.Enum(ERROR_FRAME_CODES);
export type ErrorFrameCode = Static<typeof ErrorFrameCode>;

export const ErrorFrame = Type.Object({ type: Type.Literal('error'), code: ErrorFrameCode, message: Type.String() });
export type ErrorFrame = Static<typeof ErrorFrame>;

export const ServerFrame = Type.Union([HelloFrame, NotificationFrame, UnreadCountFrame, PongFrame, ErrorFrame]);
export type ServerFrame = Static<typeof ServerFrame>;

/** The server frames by type. */
export const SERVER_FRAMES = {
  hello: HelloFrame,
  notification: NotificationFrame,
  unread_count: UnreadCountFrame,
  pong: PongFrame,
  error: ErrorFrame,
} as const;
export type ServerFrameType = keyof typeof SERVER_FRAMES;

// --- closing ---------------------------------------------------------------------------------

/** How a live socket can end, as a client sees it. */
export const CLOSE_CODES = {
  /** No close frame: the heartbeat was missed or the network is gone (never sent, only observed). */
  ABNORMAL: 1006,
  /** A text frame that is not valid UTF-8 (RFC 6455). */
  INVALID_UTF8: 1007,
  /** Too many invalid frames, more inbound work than the frame budget allows, or the session limit passed in a race. */
  POLICY: 1008,
  /** A client frame over WS_MAX_FRAME_BYTES (16 KiB). */
  TOO_BIG: 1009,
  /** The inbox was unreachable while the socket opened. */
  INTERNAL: 1011,
  /** The instance is restarting. */
  RESTARTING: 1012,
  /** Reading too slowly: the unsent bytes passed WS_MAX_BUFFERED_BYTES. */
  SLOW_CONSUMER: 1013,
  /** Too many live frames arrived during a resume, or a server catch-up could not read the inbox. */
  RESUME_AGAIN: 4001,
  /** The access token expired (at its `exp`) or its session ended. */
  UNAUTHORIZED: 4401,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeName];

/**
 * What a client does about each close: `reconnect` (then `resume` after the newest id it holds),
 * `refresh_token` (then reconnect and resume; a refresh answered 401 means logging in again), or
 * `fix_client` (the client sent something it must not: reconnecting into the same mistake loops).
 */
export const CLOSE_ADVICE: Readonly<Record<CloseCode, 'reconnect' | 'refresh_token' | 'fix_client'>> = {
  1006: 'reconnect',
  1007: 'fix_client',
  1008: 'fix_client',
  1009: 'fix_client',
  1011: 'reconnect',
  1012: 'reconnect',
  1013: 'reconnect',
  4001: 'reconnect',
  4401: 'refresh_token',
};

/**
 * How far before the item below a hole in `seq` a gap repair resumes (docs/api.md "Seeing a gap"):
 * ids are made just before the transaction that numbers them, so the missing item's id can be a
 * little older than the id of the item below the hole.
 */
export const GAP_LOOKBACK_MS = 30_000;
