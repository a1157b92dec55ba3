import { describe, expect, it } from 'vitest';
import { checkText, excerptOf, codePointLength } from '../../src/domain/text.js';
import { decodeCursor, encodeCursor } from '@herald/platform/cursor';
import { pageOf } from '../../src/domain/page.js';

describe('checkText', () => {
  it('trims surrounding whitespace', () => {
    expect(checkText('  hi there \n', 10)).toEqual({ ok: true, text: 'hi there' });
  });

  it.each(['', '   ', '\n\t '])('refuses blank text %j', (raw) => {
    expect(checkText(raw, 10)).toEqual({ ok: false, problem: 'must not be blank' });
  });

  it('counts code points, so 5 emoji fit a limit of 5', () => {
    expect(checkText('😀😀😀😀😀', 5).ok).toBe(true);
    expect(checkText('😀😀😀😀😀😀', 5)).toEqual({ ok: false, problem: 'must be at most 5 characters' });
  });

  it('refuses lone surrogates but keeps real astral characters', () => {
    expect(checkText('a\ud800b', 10)).toEqual({ ok: false, problem: 'must be valid Unicode (no lone surrogates)' });
    expect(checkText('b\udfff', 10).ok).toBe(false);
    expect(checkText('🎉 ok', 10).ok).toBe(true);
  });

  it('refuses NUL, which PostgreSQL cannot store', () => {
    expect(checkText('a\u0000b', 10).ok).toBe(false);
  });
});

describe('excerptOf', () => {
  it('keeps short text whole', () => {
    expect(excerptOf('short')).toBe('short');
  });

  it('cuts at 140 code points without splitting a surrogate pair', () => {
    const excerpt = excerptOf('😀'.repeat(200));
    expect(codePointLength(excerpt)).toBe(140);
    expect(excerpt).toBe('😀'.repeat(140));
  });
});

describe('cursors', () => {
  const id = '01890a5d-ac96-774b-bcce-b302099a8057';

  it('round-trip an id through opaque text', () => {
    const cursor = encodeCursor(id);
    expect(cursor).not.toContain(id);
    expect(decodeCursor(cursor)).toBe(id);
  });

  it.each(['garbage', id, 'dj', encodeCursor('not-a-uuid'), Buffer.from(`v2:${id}`).toString('base64url'), 'a'.repeat(500), '%%%'])(
    'reject %j',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeUndefined();
    },
  );

  it('pageOf gives a next cursor only when an extra row proves there is more', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(pageOf(rows, 3)).toEqual({ items: rows, nextCursor: null });
    const page = pageOf(rows, 2);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(page.nextCursor).toBe(encodeCursor('b'));
  });
});
