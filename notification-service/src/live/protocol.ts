import { Compile } from 'typebox/compile';
import {
  CLOSE_CODES,
  PingFrame,
  ResumeFrame,
  UUID_PATTERN,
  readFrameSchema,
  type ClientFrame,
  type ErrorFrame,
  type ErrorFrameCode,
  type HelloFrame,
  type PongFrame,
  type ServerFrame,
} from '@herald/contracts/protocol';
import type { LiveFrame } from '../domain/ports.js';

/**
 * The WebSocket protocol of docs/protocol.md on the server: client frames are validated with the
 * schemas of @herald/contracts/protocol (compiled once, here), and server frames are typed with
 * them. Frames are encoded once into a Buffer and the same Buffer is written to every session that
 * gets them.
 */

/** Close codes a client should act on (docs/protocol.md lists them with what the client does). */
export const CLOSE = CLOSE_CODES;

export type { ClientFrame };

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorFrameCode; message: string };

const UUID = new RegExp(UUID_PATTERN);

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

// Compiled at load: checking a frame is a generated function call, no schema walk per frame.
const resumeFrame = Compile(ResumeFrame);
const pingFrame = Compile(PingFrame);
/** One compiled `read` validator per id limit in use (LiveOptions.maxReadIds; 200 unless a test says otherwise). */
const readFrames = new Map<number, ReturnType<typeof compileRead>>();
const compileRead = (maxIds: number) => Compile(readFrameSchema(maxIds));

function readFrameValidator(maxIds: number): ReturnType<typeof compileRead> {
  let validator = readFrames.get(maxIds);
  if (!validator) readFrames.set(maxIds, (validator = compileRead(maxIds)));
  return validator;
}

const bad = (code: ErrorFrameCode, message: string): ParseResult => ({ ok: false, code, message });

/**
 * A client frame, validated by its schema. A refusal names the rule it broke in the error frame's
 * message; unknown fields are ignored. Ids come out lower-cased, and a read's ids de-duplicated.
 */
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
  // A switch, not a lookup by `type`: "__proto__" or "constructor" must not find anything.
  switch (frame.type) {
    case 'ping':
      if (!pingFrame.Check(frame)) return bad('invalid_frame', 'a frame is a JSON object with a "type"');
      return { ok: true, frame: { type: 'ping' } };
    case 'resume':
      if (!resumeFrame.Check(frame)) return bad('invalid_resume', 'resume.after must be a notification id (uuid)');
      return { ok: true, frame: { type: 'resume', after: frame.after.toLowerCase() } };
    case 'read': {
      const readFrame = readFrameValidator(maxReadIds);
      if (!readFrame.Check(frame)) {
        const ids = frame.ids;
        if (!Array.isArray(ids) || ids.length === 0) return bad('invalid_request', 'read.ids must be a non-empty array of notification ids');
        if (ids.length > maxReadIds) return bad('invalid_request', `read.ids holds at most ${maxReadIds} ids`);
        return bad('invalid_request', 'read.ids must hold notification ids (uuids)');
      }
      return { ok: true, frame: { type: 'read', ids: [...new Set(frame.ids.map((id) => id.toLowerCase()))] } };
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

/** A live frame (notification or unread_count), encoded once for every session it goes to. */
export function encodeLive(frame: LiveFrame): Outgoing {
  return {
    data: Buffer.from(JSON.stringify(frame satisfies ServerFrame)),
    notificationId: frame.type === 'notification' ? frame.notification.id : undefined,
  };
}

/** `seq`: the newest number of the user's stream when the socket opened (0 before any). */
export const encodeHello = (sessionId: string, unreadCount: number, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ type: 'hello', sessionId, unreadCount, seq } satisfies HelloFrame));

export const encodeError = (code: ErrorFrameCode, message: string): Buffer =>
  Buffer.from(JSON.stringify({ type: 'error', code, message } satisfies ErrorFrame));

export const PONG: Buffer = Buffer.from(JSON.stringify({ type: 'pong' } satisfies PongFrame));
