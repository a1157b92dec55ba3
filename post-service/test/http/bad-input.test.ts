import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenKeys, TokenSigner } from '@herald/platform';
import { expectBadInput, type BadInputCase } from '@herald/platform/testing';
import { encodeCursor } from '@herald/platform/cursor';
import { aUser } from '../support/fixtures.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * Malformed requests, each with the exact status, error code and the field it names. Bad input
 * must never reach the database as a 500, and the service must keep answering afterwards.
 */
const me = aUser({ username: 'bad_input_me' });
const other = aUser({ username: 'bad_input_other' });
const UNKNOWN = '01890a5d-ac96-774b-bcce-b302099a8057';
let postId = '';

type Case = BadInputCase<'none' | 'garbage' | 'foreign'> & { url: () => string };

const post = (payload: unknown, rest: Partial<Case> & Pick<Case, 'name' | 'status' | 'code'>): Case => ({ method: 'POST', url: () => '/api/v1/posts', payload, ...rest });
const comment = (payload: unknown, rest: Partial<Case> & Pick<Case, 'name' | 'status' | 'code'>): Case => ({ method: 'POST', url: () => `/api/v1/posts/${postId}/comments`, payload, ...rest });
const message = (payload: unknown, rest: Partial<Case> & Pick<Case, 'name' | 'status' | 'code'>): Case => ({ method: 'POST', url: () => '/api/v1/messages', payload, ...rest });

const cases: Case[] = [
  post({}, { name: 'post without text', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: { a: 1 } }, { name: 'post text as an object', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: ['a', 'b'] }, { name: 'post text as an array', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: '' }, { name: 'post empty text', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: ' \n\t ' }, { name: 'post blank text', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: 'x'.repeat(5001) }, { name: 'post 5001 characters', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: '😀'.repeat(5001) }, { name: 'post 5001 emoji', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: 'a\u0000b' }, { name: 'post with a NUL character', status: 400, code: 'invalid_request', field: 'text' }),
  post(undefined, { name: 'post with a lone surrogate', raw: '{"text":"broken \\ud800 text"}', status: 400, code: 'invalid_request', field: 'text' }),
  post({ text: 'x'.repeat(70_000) }, { name: 'post body over the size limit', status: 413, code: 'payload_too_large' }),
  post(undefined, { name: 'post malformed JSON', raw: '{"text": "unterminated', status: 400, code: 'invalid_json', field: 'body' }),
  post(undefined, { name: 'post JSON array body', raw: '[{"text":"hi"}]', status: 400, code: 'invalid_request', field: 'body' }),
  post(undefined, { name: 'post a bare JSON string', raw: '"hello"', status: 400, code: 'invalid_request', field: 'body' }),
  post({ text: 'hi' }, { name: 'post without a token', auth: 'none', status: 401, code: 'missing_token' }),
  post({ text: 'hi' }, { name: 'post with a garbage token', auth: 'garbage', status: 401, code: 'invalid_token' }),
  post({ text: 'hi' }, { name: 'post with a token signed by another key', auth: 'foreign', status: 401, code: 'invalid_token' }),
  { name: 'get post with a non-uuid id', url: () => '/api/v1/posts/not-a-uuid', status: 400, code: 'invalid_request', field: 'id' },
  { name: 'get post with SQL in the id', url: () => `/api/v1/posts/${encodeURIComponent("1' OR '1'='1")}`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'get post with a urn:uuid id', url: () => `/api/v1/posts/urn:uuid:${UNKNOWN}`, status: 400, code: 'invalid_request', field: 'id' },
  { name: 'get unknown post', url: () => `/api/v1/posts/${UNKNOWN}`, status: 404, code: 'not_found' },
  { name: 'user posts with a negative limit', url: () => `/api/v1/users/${me.id}/posts?limit=-1`, status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'user posts with an absurd limit', url: () => `/api/v1/users/${me.id}/posts?limit=1000000000`, status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'user posts with a non-numeric limit', url: () => `/api/v1/users/${me.id}/posts?limit=ten`, status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'user posts with a garbage cursor', url: () => `/api/v1/users/${me.id}/posts?cursor=abc`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'user posts with a raw uuid as cursor', url: () => `/api/v1/users/${me.id}/posts?cursor=${UNKNOWN}`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'user posts with a forged cursor', url: () => `/api/v1/users/${me.id}/posts?cursor=${Buffer.from("v1:' OR 1=1 --").toString('base64url')}`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'user posts with a huge cursor', url: () => `/api/v1/users/${me.id}/posts?cursor=${'A'.repeat(5000)}`, status: 400, code: 'invalid_request', field: 'cursor' },
  { name: 'user posts of a non-uuid user', url: () => '/api/v1/users/me/posts', status: 400, code: 'invalid_request', field: 'id' },
  comment({ text: 'y'.repeat(2001) }, { name: 'comment of 2001 characters', status: 400, code: 'invalid_request', field: 'text' }),
  comment({ text: null }, { name: 'comment text null', status: 400, code: 'invalid_request', field: 'text' }),
  { name: 'comment on an unknown post', method: 'POST', url: () => `/api/v1/posts/${UNKNOWN}/comments`, payload: { text: 'hi' }, status: 404, code: 'not_found' },
  { name: 'comments of an unknown post', url: () => `/api/v1/posts/${UNKNOWN}/comments`, status: 404, code: 'not_found' },
  { name: 'comments with a zero limit', url: () => `/api/v1/posts/${postId}/comments?limit=0`, status: 400, code: 'invalid_request', field: 'limit' },
  { name: 'like an unknown post', method: 'POST', url: () => `/api/v1/posts/${UNKNOWN}/likes`, status: 404, code: 'not_found' },
  { name: 'unlike with a bad id', method: 'DELETE', url: () => '/api/v1/posts/%00/likes', status: 400, code: 'invalid_request', field: 'id' },
  message({ text: 'hi' }, { name: 'message without toUserId', status: 400, code: 'invalid_request', field: 'toUserId' }),
  message({ toUserId: 'bob', text: 'hi' }, { name: 'message to a username instead of an id', status: 400, code: 'invalid_request', field: 'toUserId' }),
  message({ toUserId: me.id, text: 'hi' }, { name: 'message to yourself', status: 400, code: 'invalid_request', field: 'toUserId' }),
  message({ toUserId: UNKNOWN, text: 'hi' }, { name: 'message to an unknown user', status: 404, code: 'not_found' }),
  message({ toUserId: other.id, text: 'z'.repeat(2001) }, { name: 'message of 2001 characters', status: 400, code: 'invalid_request', field: 'text' }),
  message({ toUserId: other.id, text: '   ' }, { name: 'blank message', status: 400, code: 'invalid_request', field: 'text' }),
  message({ toUserId: other.id, text: { $gt: '' } }, { name: 'message text as a NoSQL operator object', status: 400, code: 'invalid_request', field: 'text' }),
  { name: 'unknown route', url: () => '/api/v1/postz', status: 404, code: 'route_not_found' },
];

describe('bad input', () => {
  let h: Harness;
  let token = '';

  beforeAll(async () => {
    h = await startHarness('post_bad_input');
    await h.register(me);
    await h.register(other);
    token = h.tokenFor(me);
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(token), payload: { text: 'target' } });
    postId = res.json().post.id;
  });

  afterAll(async () => {
    await h?.close();
  });

  it.each(cases)('$name → $status $code', async (c) => {
    const foreign = new TokenSigner(generateTokenKeys().privateKey).sign({ userId: me.id, username: me.username, scopes: [] });
    const auth = c.auth === 'none' ? {} : c.auth === 'garbage' ? bearer('not.a.jwt') : c.auth === 'foreign' ? bearer(foreign) : bearer(token);
    await expectBadInput(h.service.app, c, { authHeaders: auth });
  });

  it('still answers normally afterwards, stores SQL-looking text as plain text, and nothing else was stored', async () => {
    const text = "'); DROP TABLE posts; -- {\"$gt\": \"\"} @'; DELETE FROM users; --";
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(token), payload: { text } });
    expect(res.statusCode).toBe(201);
    const read = await h.service.app.inject({ url: `/api/v1/posts/${res.json().post.id}`, headers: bearer(token) });
    expect(read.json().post.text).toBe(text);
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM posts.posts');
    expect(rows[0].n).toBe(2);
    expect((await h.service.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
