import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { IncomingMessage } from '@herald/platform';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';

// `npm start`'s code path in process: PGlite, the in-memory bus, every service behind the gateway.
describe('embedded mode, through HTTP', () => {
  let herald: Herald;
  let dataDir: string;
  const events: IncomingMessage[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-embedded-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    await herald.bus.subscribe({ queue: 'test.tap', bindings: ['#'] }, async (m) => void events.push(m));
  }, 120_000);

  afterAll(async () => {
    try {
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const seen = (type: string, match: (data: any) => boolean) =>
    waitFor(() => events.find((e) => e.routingKey === type && match((e.body as any).data)), { what: type });

  it('serves the web demo and the API docs at the gateway', async () => {
    const page = await fetch(herald.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const docs = await fetch(`${herald.url}/docs/json`);
    expect(docs.status).toBe(200);
    expect(Object.keys((await docs.json()).paths)).toEqual(expect.arrayContaining(['/api/v1/auth/register', '/api/v1/posts']));
  });

  it('registers, follows, posts and comments, emitting each event once', async () => {
    const api = apiClient(herald.url);
    const ana = await api.register(uniqueName('ana'));
    const bo = await api.register(uniqueName('bo'));
    await seen('user.registered', (d) => d.userId === bo.user.id);

    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);
    await seen('user.followed', (d) => d.followeeId === ana.user.id && d.follower.id === bo.user.id);
    const followers = await api.call('GET', `/api/v1/users/${ana.user.id}/followers`, undefined, ana.accessToken);
    expect(followers.body.items.map((u: any) => u.id)).toEqual([bo.user.id]);

    const post = await api.call('POST', '/api/v1/posts', { text: `hi @${bo.user.username}` }, ana.accessToken);
    expect(post.status).toBe(201);
    const created = await seen('post.created', (d) => d.postId === post.body.post.id);
    expect((created.body as any).data.mentionedUserIds).toEqual([bo.user.id]);

    const comment = await api.call('POST', `/api/v1/posts/${post.body.post.id}/comments`, { text: 'welcome!' }, bo.accessToken);
    expect(comment.status).toBe(201);
    await seen('comment.created', (d) => d.commentId === comment.body.comment.id && d.postAuthorId === ana.user.id);

    const ids = events.map((e) => e.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('blocks through the gateway: the follows go, follows, messages and mentions stop, the blocker hears nothing of them; the DM policy holds', async () => {
    const api = apiClient(herald.url);
    const [ana, bo, cy] = [await api.register(uniqueName('ana')), await api.register(uniqueName('bo')), await api.register(uniqueName('cy'))];
    await seen('user.registered', (d) => d.userId === cy.user.id);
    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);
    const anasPost = (await api.call('POST', '/api/v1/posts', { text: 'hello' }, ana.accessToken)).body.post;

    expect((await api.call('PUT', `/api/v1/users/${bo.user.id}/block`, undefined, ana.accessToken)).status).toBe(204);
    await seen('user.unfollowed', (d) => d.followerId === bo.user.id && d.followeeId === ana.user.id);
    await seen('user.blocked', (d) => d.blockerId === ana.user.id && d.blockedId === bo.user.id);
    expect((await api.call('GET', '/api/v1/users/me/blocks', undefined, ana.accessToken)).body).toEqual({ items: [{ userId: bo.user.id, createdAt: expect.any(String) }], nextCursor: null });
    expect((await api.call('GET', `/api/v1/users/${ana.user.id}/followers`, undefined, ana.accessToken)).body.items).toEqual([]);
    const refollow = await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken);
    expect([refollow.status, refollow.body.error.code]).toEqual([403, 'blocked']);

    // post-service and notification-service apply the block from the event (milliseconds here)
    const dm = await waitFor(async () => {
      const res = await api.call('POST', '/api/v1/messages', { toUserId: ana.user.id, text: 'let me explain' }, bo.accessToken);
      return res.status === 403 ? res : undefined;
    }, { what: 'post-service to refuse the message' });
    expect(dm.body.error.code).toBe('blocked');
    await waitFor(async () => (await api.call('GET', '/api/v1/notifications/mutes', undefined, ana.accessToken)).body.items.some((m: any) => m.userId === bo.user.id && m.kind === 'block'), { what: 'the block in the mutes' });
    const before = (await api.call('GET', '/api/v1/notifications/unread-count', undefined, ana.accessToken)).body.count;
    const mention = await api.call('POST', '/api/v1/posts', { text: `hey @${ana.user.username} and @${cy.user.username}` }, bo.accessToken);
    expect(mention.body.post.mentions).toEqual([{ userId: cy.user.id, username: cy.user.username }]);
    await seen('post.created', (d) => d.postId === mention.body.post.id && d.mentionedUserIds.length === 1);
    expect((await api.call('POST', `/api/v1/posts/${anasPost.id}/likes`, undefined, bo.accessToken)).status).toBe(204);
    await seen('post.liked', (d) => d.postId === anasPost.id);
    // cy's mention arriving proves the post was handled; ana got nothing from bo meanwhile
    await waitFor(async () => (await api.call('GET', '/api/v1/notifications/unread-count', undefined, cy.accessToken)).body.count === 1, { what: 'cy’s mention' });
    await new Promise((r) => setTimeout(r, 200));
    expect((await api.call('GET', '/api/v1/notifications/unread-count', undefined, ana.accessToken)).body.count).toBe(before);

    // the direct-message policy: cy takes messages only from people cy follows
    const patched = await api.call('PATCH', '/api/v1/users/me', { directMessages: 'following' }, cy.accessToken);
    expect(patched.body.user.directMessages).toBe('following');
    const restricted = await waitFor(async () => {
      const res = await api.call('POST', '/api/v1/messages', { toUserId: cy.user.id, text: 'hi cy' }, bo.accessToken);
      return res.status === 403 ? res : undefined;
    }, { what: 'the policy to reach post-service' });
    expect(restricted.body.error.code).toBe('messages_restricted');
    expect((await api.call('POST', `/api/v1/users/${bo.user.id}/follow`, undefined, cy.accessToken)).status).toBe(204);
    await waitFor(async () => (await api.call('POST', '/api/v1/messages', { toUserId: cy.user.id, text: 'hi cy' }, bo.accessToken)).status === 201, { what: 'the follow to reach post-service' });
  });

  it('keeps state across a restart of the same data directory', async () => {
    const api = apiClient(herald.url);
    const cy = await api.register(uniqueName('cy'));
    await herald.close();
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    const login = await apiClient(herald.url).call('POST', '/api/v1/auth/login', { login: cy.user.username, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect(login.body.user.id).toBe(cy.user.id);
  });
});

describe('embedded mode: the send API for other backends', () => {
  let herald: Herald;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-send-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
  }, 120_000);

  afterAll(async () => {
    try {
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('accepts the API key through the gateway, is idempotent, and reports delivery status', async () => {
    const api = apiClient(herald.url);
    const dee = await api.register(uniqueName('dee'));
    const send = (key: string, idempotencyKey: string) =>
      fetch(`${herald.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ recipients: [dee.user.id], type: 'alert', title: 'Card expiring', body: 'Update it', priority: 'critical', idempotencyKey }),
      });
    const first = await send(herald.sendApiKey!, 'billing-42');
    expect(first.status).toBe(202);
    const { ids } = await first.json();
    expect(ids).toHaveLength(1);
    const again = await send(herald.sendApiKey!, 'billing-42');
    expect(await again.json()).toEqual({ ids });
    expect((await send('hk_wrong', 'x')).status).toBe(401);

    const inbox = await api.call('GET', '/api/v1/notifications', undefined, dee.accessToken);
    expect(inbox.body.items.map((n: any) => [n.id, n.type, n.priority, n.title])).toEqual([[ids[0], 'alert', 'critical', 'Card expiring']]);
    const status = await fetch(`${herald.url}/api/v1/notifications/status?id=${ids[0]}`, { headers: { 'x-api-key': herald.sendApiKey! } });
    expect(status.status).toBe(200);
    expect((await status.json()).channels.map((c: any) => c.channel)).toContain('in_app');
    // An API key opens the send API only, never someone's inbox.
    expect((await fetch(`${herald.url}/api/v1/notifications`, { headers: { 'x-api-key': herald.sendApiKey! } })).status).toBe(401);
  });
});
