// Client frames are validated with the schemas of @herald/contracts/protocol (src/live/protocol.ts).
// They replaced hand-written checks; this holds the schema-based parser to exactly what those checks
// answered (the same frames accepted, the same error code and message for every refusal), over
// generated frames and the edge cases that matter.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLIENT_FRAMES, MAX_READ_IDS } from '@herald/contracts/protocol';
import { parseClientFrame } from '../../src/live/protocol.js';

/** The hand-written parser the schemas replaced, kept as the oracle. */
function legacyParse(text: string, maxReadIds: number) {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
  const bad = (code: string, message: string) => ({ ok: false, code, message });
  let value: unknown;
  try {
    value = JSON.parse(text);
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

const parse = (text: string, max: number) => parseClientFrame(Buffer.from(text), false, max);

const id = fc.oneof(fc.uuid(), fc.uuid().map((u) => u.toUpperCase()));
const notId = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.uuid().map((u) => `${u}x`), fc.uuid().map((u) => ` ${u}`), fc.uuid().map((u) => `urn:uuid:${u}`));
const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), id, notId);
const frame = fc.record(
  {
    type: fc.oneof(fc.constantFrom('ping', 'resume', 'read', 'pong', 'hello', '__proto__', 'constructor', 'toString', '', 'READ'), fc.string({ maxLength: 60 }), fc.integer(), fc.constant(null)),
    after: fc.oneof(id, anything),
    ids: fc.oneof(fc.array(id, { minLength: 0, maxLength: 8 }), fc.array(fc.oneof(id, notId), { maxLength: 8 }), anything),
    extra: anything,
  },
  { requiredKeys: [] },
);
const text = fc.oneof({ weight: 8, arbitrary: frame.map((f) => JSON.stringify(f)) }, { weight: 1, arbitrary: fc.string({ maxLength: 50 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) });

describe('client frames checked with the @herald/contracts/protocol schemas', () => {
  it('answer exactly what the hand-written checks answered', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(3, MAX_READ_IDS), (t, max) => {
        expect(parse(t, max)).toEqual(legacyParse(t, max));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['an own __proto__ key', '{"type":"ping","__proto__":{"type":"resume"}}'],
    ['a read at the limit', JSON.stringify({ type: 'read', ids: Array(MAX_READ_IDS).fill('0190a1b2-0000-7000-8000-000000000001') })],
    ['a read one over the limit', JSON.stringify({ type: 'read', ids: Array(MAX_READ_IDS + 1).fill('0190a1b2-0000-7000-8000-000000000001') })],
    ['a read over the limit with a bad id', JSON.stringify({ type: 'read', ids: [...Array(MAX_READ_IDS).fill('0190a1b2-0000-7000-8000-000000000001'), 'x'] })],
    ['a resume with a uuid and a newline', JSON.stringify({ type: 'resume', after: '0190a1b2-0000-7000-8000-000000000001\n' })],
    ['a type 40+ characters long', JSON.stringify({ type: 'x'.repeat(100) })],
    ['extra fields on every frame', JSON.stringify({ type: 'resume', after: '0190A1B2-0000-7000-8000-000000000001', sessionId: 1, ids: 'x' })],
  ])('and on %s', (_name, t) => {
    expect(parse(t, MAX_READ_IDS)).toEqual(legacyParse(t, MAX_READ_IDS));
  });

  it('cover every client frame type of the protocol', () => {
    expect(Object.keys(CLIENT_FRAMES).sort()).toEqual(['ping', 'read', 'resume']);
    for (const type of Object.keys(CLIENT_FRAMES)) expect(parse(JSON.stringify({ type }), 3)).not.toMatchObject({ code: 'unknown_type' });
  });
});
