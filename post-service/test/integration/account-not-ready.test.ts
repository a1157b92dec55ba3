import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { aUser } from '../support/fixtures.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

// A caller the projection has not seen yet is recorded from their token, unless another account
// still holds their username there (a rename whose user.updated is in flight): then the write is
// refused with a 503 to retry, never a 500 from the foreign key, and nothing is written.
describe('a caller whose username the projection still gives to someone else', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('post_account_not_ready');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('gets 503 account_not_ready with Retry-After, and nothing is stored; once the name is free, the write goes through', async () => {
    const holder = aUser({ username: 'sam_renamed_soon' });
    await h.register(holder);
    const newcomer = { id: uuidv7(), username: 'SAM_RENAMED_SOON' };
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(newcomer)), payload: { text: 'hello' } });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'account_not_ready' });
    expect(res.headers['retry-after']).toBe('2');
    const { rows } = await h.pool.query('SELECT (SELECT count(*)::int FROM posts.posts) AS posts, (SELECT count(*)::int FROM posts.users WHERE id = $1) AS users', [newcomer.id]);
    expect(rows[0]).toEqual({ posts: 0, users: 0 });

    // The rename lands: the name is free, and the same token writes.
    await h.pool.query(`UPDATE posts.users SET username = 'sam_elsewhere', username_lower = 'sam_elsewhere' WHERE id = $1`, [holder.id]);
    const again = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(newcomer)), payload: { text: 'hello' } });
    expect(again.statusCode, again.body).toBe(201);
  });
});
