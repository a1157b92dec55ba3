/**
 * The live protocol's frames and constants (docs/protocol.md) as plain TypeScript, so the SDK ships
 * with no runtime dependency: no TypeBox, nothing of Node. They are the types of the schemas in
 * @herald/contracts/protocol, written out; contract-check.ts fails the build when the two disagree,
 * and test/protocol.test.ts compares the constants.
 */

export const LIVE_PATH = '/ws';
/** Offered beside `bearer.<accessToken>`; the server answers it, so the token is echoed nowhere. */
export const BEARER_SUBPROTOCOL = 'bearer';
export const BEARER_PREFIX = 'bearer.';
/** Ids one `read` frame may hold. */
export const MAX_READ_IDS = 200;
/** How far before the item below a hole in `seq` a gap repair resumes (docs/api.md "Seeing a gap"). */
export const GAP_LOOKBACK_MS = 30_000;

export type NotificationType = 'follow' | 'post' | 'comment' | 'like' | 'mention' | 'message' | 'alert' | 'reminder' | 'system';
export type NotificationCategory = 'informational' | 'alert' | 'reminder';
export type NotificationPriority = 'low' | 'normal' | 'high' | 'critical';

export interface NotificationActor {
  id: string;
  username: string;
  displayName: string;
}

/** `kind` is `post`, `comment`, `message` or `user` today. */
export interface NotificationObject {
  kind: string;
  id: string;
}

/** One inbox item, as the HTTP inbox lists it and the `notification` frame carries it. */
export interface Notification {
  /** A UUIDv7: ids sort by creation time. */
  id: string;
  type: NotificationType;
  category: NotificationCategory;
  priority: NotificationPriority;
  actor?: NotificationActor;
  object?: NotificationObject;
  title: string;
  body: string;
  /** Type-specific; `replaces` names the item a grown group supersedes. */
  data: { [key: string]: unknown };
  createdAt: string;
  readAt: string | null;
  groupKey?: string;
  count?: number;
  /** Its place in the recipient's stream: 1, 2, 3, ... in commit order. */
  seq?: number;
}

// client → server
export interface ResumeFrame {
  type: 'resume';
  after: string;
}
export interface ReadFrame {
  type: 'read';
  ids: string[];
}
export interface PingFrame {
  type: 'ping';
}
export type ClientFrame = ResumeFrame | ReadFrame | PingFrame;

// server → client
export interface HelloFrame {
  type: 'hello';
  sessionId: string;
  unreadCount: number;
  seq: number;
}
export interface NotificationFrame {
  type: 'notification';
  notification: Notification;
}
export interface UnreadCountFrame {
  type: 'unread_count';
  count: number;
}
export interface PongFrame {
  type: 'pong';
}
export type ErrorFrameCode =
  | 'invalid_json'
  | 'invalid_frame'
  | 'unknown_type'
  | 'invalid_request'
  | 'invalid_resume'
  | 'resume_in_progress'
  | 'resume_failed'
  | 'read_failed';
export interface ErrorFrame {
  type: 'error';
  code: ErrorFrameCode;
  message: string;
}
export type ServerFrame = HelloFrame | NotificationFrame | UnreadCountFrame | PongFrame | ErrorFrame;

/** How a live socket can end, as a client sees it (docs/protocol.md "Close codes"). */
export const CLOSE_CODES = {
  ABNORMAL: 1006,
  INVALID_UTF8: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESTARTING: 1012,
  SLOW_CONSUMER: 1013,
  RESUME_AGAIN: 4001,
  UNAUTHORIZED: 4401,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeName];

/** What a client does about each close: reconnect and resume, refresh the token first, or fix itself. */
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
