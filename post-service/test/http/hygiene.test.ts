import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aUser } from '../support/fixtures.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/**
 * Security review findings, post-service: control characters in text, unknown body fields
 * (silently dropped before) and deeply nested bodies are each a 400 in the standard shape naming
 * the field, and nothing is stored.
 */
const me = aUser({ username: 'hygiene_me' });
const other = aUser({ username: 'hygiene_other' });
const TEXT = /must not contain control characters or unpaired surrogates/;
let postId = '';

interface Case {
  name: string;
  url: () => string;
  method?: 'GET' | 'POST';
  payload?: unknown;
  raw?: string;
  field: string;
  location?: string;
  message: RegExp;
}
const post = (payload: unknown, name: string, field: string, message = TEXT): Case => ({ name, method: 'POST', url: () => '/api/v1/posts', payload, field, message });

const cases: Case[] = [
  post({ text: 'bell\u0007' }, 'post with BEL', 'text'),
  post({ text: 'esc \u001b[31m red' }, 'post with a terminal escape', 'text'),
  post({ text: 'del\u007f' }, 'post with DEL', 'text'),
  post({ text: 'a\u000bb' }, 'post with a vertical tab', 'text'),
  post({ text: 'hello', visibility: 'private' }, 'post with an unknown field', 'visibility', /^visibility: unknown field$/),
  post({ text: 'hello', authorId: '01890a5d-ac96-774b-bcce-b302099a8057' }, 'post naming its own author', 'authorId', /^authorId: unknown field$/),
  { name: 'post nested 20,000 deep', method: 'POST', url: () => '/api/v1/posts', raw: `{"text":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, field: 'text', message: /nested too deeply/ },
  { name: 'comment with a control character', method: 'POST', url: () => `/api/v1/posts/${postId}/comments`, payload: { text: 'ok\u0002' }, field: 'text', message: TEXT },
  { name: 'comment with an unknown field', method: 'POST', url: () => `/api/v1/posts/${postId}/comments`, payload: { text: 'ok', parentId: postId }, field: 'parentId', message: /^parentId: unknown field$/ },
  { name: 'message with an unknown field', method: 'POST', url: () => '/api/v1/messages', payload: { toUserId: other.id, text: 'hi', cc: [me.id] }, field: 'cc', message: /^cc: unknown field$/ },
  { name: 'message with a lone surrogate', method: 'POST', url: () => '/api/v1/messages', raw: `{"toUserId":"${other.id}","text":"\\ud83d alone"}`, field: 'text', message: TEXT },
  { name: 'cursor with a control character', url: () => `/api/v1/users/${me.id}/posts?cursor=%1F`, field: 'cursor', location: 'querystring', message: TEXT },
];

describe('input hygiene (post-service)', () => {
  let h: Harness;
  let token = '';

  beforeAll(async () => {
    h = await startHarness('post_hygiene');
    await h.register(me);
    await h.register(other);
    token = h.tokenFor(me);
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(token), payload: { text: 'target' } });
    postId = res.json().post.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(cases)('$name → 400 naming $field', async (c) => {
    const res = await h.service.app.inject({
      method: c.method ?? 'GET',
      url: c.url(),
      headers: { ...bearer(token), ...(c.raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(c.raw !== undefined ? { payload: c.raw } : c.payload !== undefined ? { payload: c.payload as object } : {}),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_request', message: expect.stringMatching(c.message), details: { field: c.field, location: c.location ?? 'body' } } });
  });

  it('stored none of it, and multi-line text with tabs and emoji still posts', async () => {
    const counts = await h.pool.query(`SELECT (SELECT count(*)::int FROM posts.posts) AS posts, (SELECT count(*)::int FROM posts.comments) AS comments, (SELECT count(*)::int FROM posts.messages) AS messages`);
    expect(counts.rows[0]).toEqual({ posts: 1, comments: 0, messages: 0 });
    const text = 'line one\n\tindented 😀\r\nline three';
    const res = await h.service.app.inject({ method: 'POST', url: '/api/v1/posts', headers: bearer(token), payload: { text } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().post.text).toBe(text);
  });
});
