import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../src/bus/index.js';

describe('topicMatches', () => {
  it.each([
    ['post.created', 'post.created', true],
    ['post.created', 'post.deleted', false],
    ['post.*', 'post.created', true],
    ['post.*', 'post', false],
    ['post.*', 'post.comment.added', false],
    ['*.created', 'post.created', true],
    ['*', '', false],
    ['#', '', true],
    ['#', 'a.b.c', true],
    ['post.#', 'post', true],
    ['post.#', 'post.comment.added', true],
    ['post.#', 'posts.x', false],
    ['#.added', 'post.comment.added', true],
    ['#.added', 'added', true],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.z', 'a.b.c', false],
    ['a.*.#', 'a', false],
    ['a.*.#', 'a.b', true],
    ['#.#', 'x', true],
    ['*.*', 'a.b', true],
    ['*.*', 'a.b.c', false],
    ['a..b', 'a..b', true],
    ['post.*', 'post.', true],
  ])('%s matches %j: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('stays fast on patterns full of #', () => {
    const key = Array.from({ length: 200 }, (_, i) => `w${i}`).join('.');
    expect(topicMatches('#.#.#.#.#.#.#.#.#.#.nope', key)).toBe(false);
  });
});
