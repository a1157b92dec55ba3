export {
  HeraldClient,
  liveUrl,
  type ConnectFailedEvent,
  type ErrorEvent,
  type GapEvent,
  type HeraldClientEvent,
  type HeraldClientEvents,
  type HeraldClientOptions,
  type HelloEvent,
  type LiveState,
  type NotificationEvent,
  type StatusEvent,
  type Timers,
  type TokenRequest,
  type UnreadEvent,
  type WebSocketConstructorLike,
  type WebSocketLike,
} from './client.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { compareIds, earlierCursor, replacedIdsOf, seqOf } from './ids.js';
export * from './protocol.js';
