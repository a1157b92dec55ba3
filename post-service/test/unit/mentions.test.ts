import { describe, expect, it } from 'vitest';
import { MAX_MENTIONS, parseMentions } from '../../src/domain/mentions.js';

describe('parseMentions', () => {
  it.each([
    ['hello @alice', ['alice']],
    ['@alice at the start', ['alice']],
    ['two: @alice and @bob_99', ['alice', 'bob_99']],
    ['(@alice), @bob! @carol? "@dave" @erin. @frank:', ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']],
    ["@alice's post", ['alice']],
    ['line\n@alice\t@bob', ['alice', 'bob']],
    ['ünïcode before:@alice', ['alice']],
    ['emoji 👋@alice', ['alice']],
  ])('finds mentions in %j', (text, expected) => {
    expect(parseMentions(text)).toEqual(expected);
  });

  it.each([
    ['mail bob@example.com please'],
    ['first.last@example.com'],
    ['a+tag@example.com'],
    ['x-y@example.com'],
    ['ünï@example.com'],
    ['a url https://example.com/@alice'],
    ['remote @alice@mastodon.social'],
    ['too short @ab'],
    ['a lone @ sign'],
    ['@@alice'],
    ['thirty-three chars @abcdefghijklmnopqrstuvwxyz0123456'],
    ['non-ascii name @alicé'],
  ])('finds no mention in %j', (text) => {
    expect(parseMentions(text)).toEqual([]);
  });

  it('accepts exactly 3 and exactly 32 characters', () => {
    const name32 = 'a'.repeat(32);
    expect(parseMentions(`@abc @${name32}`)).toEqual(['abc', name32]);
  });

  it('lowercases and de-duplicates, keeping first-appearance order', () => {
    expect(parseMentions('@Bob @alice @BOB @Alice @bob')).toEqual(['bob', 'alice']);
  });

  it(`stops at ${MAX_MENTIONS} distinct names`, () => {
    const text = Array.from({ length: 80 }, (_, i) => `@user_${i}`).join(' ');
    const names = parseMentions(text);
    expect(names).toHaveLength(MAX_MENTIONS);
    expect(names[0]).toBe('user_0');
    expect(names.at(-1)).toBe(`user_${MAX_MENTIONS - 1}`);
  });

  it('counts repeats of one name once toward the limit', () => {
    const text = `${'@same '.repeat(100)}@other`;
    expect(parseMentions(text)).toEqual(['same', 'other']);
  });
});
