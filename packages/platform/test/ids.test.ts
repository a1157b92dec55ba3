import { describe, expect, it } from 'vitest';
import { nameUuid, uuidv7 } from '../src/ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('version 7, RFC variant, the time in its first 48 bits, and strictly increasing within one millisecond', () => {
    const at = Date.now() + 60_000; // ahead of any id made before in this process
    // More than one pool of random bytes (4 KiB = 409 ids) and more than the 12-bit counter.
    const ids = Array.from({ length: 5000 }, () => uuidv7(at));
    for (const id of ids) expect(id).toMatch(V7);
    expect(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(ids.length); // the random tails differ too
  });

  it('nameUuid is stable per name and version 8', () => {
    expect(nameUuid('a')).toBe(nameUuid('a'));
    expect(nameUuid('a')).not.toBe(nameUuid('b'));
    expect(nameUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
