import type { LiveFrame } from '../domain/ports.js';

/**
 * The WebSocket protocol of docs/api.md ("Live delivery: WebSocket"): what a client may send, how it
 * is validated, and how server frames are encoded. Frames are encoded once into a Buffer and the same
 * Buffer is written to every session that gets them.
 */

/** Close codes a client should act on (README.md lists them). */
export const CLOSE = {
  /** The server is restarting: reconnect (to any instance) and resume. */
  RESTARTING: 1012,
  /** Too many bad frames, or the session limit was passed in a race. Do not retry blindly. */
  POLICY: 1008,
  /** An inbound frame was larger than WS_MAX_FRAME_BYTES (sent by ws itself). */
  TOO_BIG: 1009,
  /** The server could not serve the session (inbox unreachable): reconnect later. */
  INTERNAL: 1011,
  /** Slow reader: unsent bytes passed WS_MAX_BUFFERED_BYTES. Reconnect and resume. */
  SLOW_CONSUMER: 1013,
  /** Too many live frames arrived while resuming: reconnect and resume again from your last id. */
  RESUME_AGAIN: 4001,
  /** The access token expired or its session ended: refresh the token, reconnect and resume. */
  UNAUTHORIZED: 4401,
} as const;

export type ClientFrame =
  | { type: 'ping' }
  | { type: 'read'; ids: string[] }
  | { type: 'resume'; after: string };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: string; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

const bad = (code: string, message: string): ParseResult => ({ ok: false, code, message });

export function parseClientFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean, maxReadIds: number): ParseResult {
  if (isBinary) return bad('invalid_frame', 'frames are JSON text');
  let value: unknown;
  try {
    value = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
  } catch {
    return bad('invalid_json', 'the frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('invalid_frame', 'a frame is a JSON object with a "type"');
  const frame = value as Record<string, unknown>;
  switch (frame.type) {
    case 'ping':
      return { ok: true, frame: { type: 'ping' } };
    case 'resume':
      if (!isUuid(frame.after)) return bad('invalid_resume', 'resume.after must be a notification id (uuid)');
      return { ok: true, frame: { type: 'resume', after: frame.after.toLowerCase() } };
    case 'read': {
      const ids = frame.ids;
      if (!Array.isArray(ids) || ids.length === 0) return bad('invalid_request', 'read.ids must be a non-empty array of notification ids');
      if (ids.length > maxReadIds) return bad('invalid_request', `read.ids holds at most ${maxReadIds} ids`);
      if (!ids.every(isUuid)) return bad('invalid_request', 'read.ids must hold notification ids (uuids)');
      return { ok: true, frame: { type: 'read', ids: [...new Set(ids.map((id) => id.toLowerCase()))] } };
    }
    default:
      return bad('unknown_type', typeof frame.type === 'string' ? `unknown frame type "${frame.type.slice(0, 40)}"` : 'a frame needs a string "type"');
  }
}

/** A frame ready to write: its bytes, and the notification id it carries (for de-duplication). */
export interface Outgoing {
  readonly data: Buffer;
  readonly notificationId: string | undefined;
}

export function encodeLive(frame: LiveFrame): Outgoing {
  return {
    data: Buffer.from(JSON.stringify(frame)),
    notificationId: frame.type === 'notification' ? frame.notification.id : undefined,
  };
}

/** `seq`: the newest number of the user's stream when the socket opened (0 before any). */
export const encodeHello = (sessionId: string, unreadCount: number, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ type: 'hello', sessionId, unreadCount, seq }));

export const encodeError = (code: string, message: string): Buffer => Buffer.from(JSON.stringify({ type: 'error', code, message }));

export const PONG: Buffer = Buffer.from('{"type":"pong"}');
