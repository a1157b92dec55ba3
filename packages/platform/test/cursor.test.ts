import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/cursor.js';
import { UUID_PATTERN, isUuid, toUuid } from '../src/uuid.js';

const id = '01890a5d-ac96-774b-bcce-b302099a8057';
const legacy = (prefix: string, value = id) => Buffer.from(prefix + value, 'utf8').toString('base64url');

describe('the paging cursor', () => {
  it('round-trips an id through opaque text', () => {
    const cursor = encodeCursor(id);
    expect(cursor).not.toContain(id);
    expect(decodeCursor(cursor)).toBe(id);
  });

  // Clients keep cursors across deploys: every prefix ever issued still reads.
  it.each(['v1:', 'e1:'])('still reads cursors issued with %s', (prefix) => {
    expect(decodeCursor(legacy(prefix))).toBe(id);
  });

  it.each([
    ['garbage', 'garbage'],
    ['a bare id', id],
    ['too short', 'dj'],
    ['empty', ''],
    ['not a uuid inside', encodeCursor('not-a-uuid')],
    ['an unknown version', legacy('v2:')],
    ['a prefix and nothing', legacy('e1:', '')],
    ['too long', 'a'.repeat(500)],
    ['not base64url', '%%%'],
  ])('refuses %s', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});

describe('the uuid format', () => {
  it('knows the canonical lower-case form and folds the case of others', () => {
    expect(isUuid(id)).toBe(true);
    expect(isUuid(id.toUpperCase())).toBe(false);
    expect(toUuid(id.toUpperCase())).toBe(id);
    expect(new RegExp(UUID_PATTERN).test(id.toUpperCase())).toBe(true);
  });

  it.each([`urn:uuid:${id}`, `${id} `, id.slice(1), 42, undefined])('refuses %j', (value) => {
    expect(toUuid(value)).toBeUndefined();
    expect(isUuid(value)).toBe(false);
  });
});
