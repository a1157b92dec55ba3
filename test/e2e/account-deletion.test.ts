import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { IncomingMessage } from '@herald/platform';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';
import { LiveClient } from '../support/ws-client.js';

// DELETE /api/v1/users/me as a client sees it through the gateway (embedded: every service, one
// process): the password gate, the live socket closing with 4401, and every service erasing.
describe('account deletion through the gateway (embedded)', () => {
  let herald: Herald;
  let dataDir: string;
  const events: IncomingMessage[] = [];
  const sockets: LiveClient[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-deletion-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    await herald.bus.subscribe({ queue: 'test.deletion-tap', bindings: ['#'] }, async (m) => void events.push(m));
  }, 120_000);

  afterAll(async () => {
    try {
      for (const socket of sockets) socket.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const seen = (type: string, match: (data: any) => boolean) =>
    waitFor(() => events.find((e) => e.routingKey === type && match((e.body as any).data)), { what: type, timeoutMs: 20_000 });

  it('deletes an account with its password: socket closed, inbox, follows and posts gone, counters fixed, login refused', async () => {
    const api = apiClient(herald.url);
    const ana = await api.register(uniqueName('ana'));
    const bo = await api.register(uniqueName('bo'));
    await seen('user.registered', (d) => d.userId === bo.user.id);
    const profile = async (id: string) => (await api.call('GET', `/api/v1/users/${id}`, undefined, ana.accessToken)).body.user;

    // Both follow each other; Bo posts, Ana likes and comments; messages both ways.
    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);
    expect((await api.call('POST', `/api/v1/users/${bo.user.id}/follow`, undefined, ana.accessToken)).status).toBe(204);
    await seen('user.followed', (d) => d.followeeId === bo.user.id);
    const post = await api.call('POST', '/api/v1/posts', { text: `hello from bo, hi @${ana.user.username}` }, bo.accessToken);
    expect(post.status).toBe(201);
    const postId = post.body.post.id as string;
    expect((await api.call('POST', `/api/v1/posts/${postId}/likes`, undefined, ana.accessToken)).status).toBe(204);
    expect((await api.call('POST', `/api/v1/posts/${postId}/comments`, { text: 'nice' }, ana.accessToken)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/messages', { toUserId: bo.user.id, text: 'tea?' }, ana.accessToken)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/messages', { toUserId: ana.user.id, text: 'sure' }, bo.accessToken)).status).toBe(201);

    const inbox = async (token: string) => (await api.call('GET', '/api/v1/notifications?limit=100', undefined, token)).body.items as { type: string }[];
    await waitFor(async () => (await inbox(bo.accessToken)).length >= 4, { what: "bo's notifications", timeoutMs: 20_000 });
    expect((await inbox(bo.accessToken)).map((n) => n.type).sort()).toEqual(['comment', 'follow', 'like', 'message']);
    await waitFor(async () => (await inbox(ana.accessToken)).length >= 3, { what: "ana's notifications", timeoutMs: 20_000 });
    expect(await profile(ana.user.id)).toMatchObject({ followersCount: 1, followingCount: 1 });

    const onPhone = await LiveClient.connect(herald.url, bo.accessToken);
    sockets.push(onPhone);

    // A token alone is not enough: the password must be given, and right.
    const without = await api.call('DELETE', '/api/v1/users/me', undefined, bo.accessToken);
    expect(without.status).toBe(400);
    const wrong = await api.call('DELETE', '/api/v1/users/me', { password: 'not my password' }, bo.accessToken);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: 'wrong_password', details: { field: 'password' } });
    expect(await Promise.race([onPhone.closed, sleep(200).then(() => 'still open')])).toBe('still open');

    const deleted = await api.call('DELETE', '/api/v1/users/me', { password: 'correct horse battery' }, bo.accessToken);
    expect(deleted.status).toBe(204);
    expect(await Promise.race([onPhone.closed, sleep(10_000).then(() => 'still open')])).toBe(4401);
    await seen('user.deleted', (d) => d.userId === bo.user.id);

    // user-service: gone at once; the other person's counters are fixed in the same transaction.
    expect((await api.call('GET', `/api/v1/users/${bo.user.id}`, undefined, ana.accessToken)).status).toBe(404);
    expect(await profile(ana.user.id)).toMatchObject({ followersCount: 0, followingCount: 0 });
    expect((await api.call('GET', `/api/v1/users/${ana.user.id}/followers`, undefined, ana.accessToken)).body.items).toEqual([]);
    expect((await api.call('GET', `/api/v1/users/${ana.user.id}/following`, undefined, ana.accessToken)).body.items).toEqual([]);
    const login = await api.call('POST', '/api/v1/auth/login', { login: bo.user.username, password: 'correct horse battery' });
    expect(login.status).toBe(401);
    const again = await api.call('DELETE', '/api/v1/users/me', { password: 'correct horse battery' }, bo.accessToken);
    expect([401, 404]).toContain(again.status);

    // post-service and notification-service erase on the event: the posts and the inbox go.
    await waitFor(async () => (await api.call('GET', `/api/v1/posts/${postId}`, undefined, ana.accessToken)).status === 404, { what: 'the post to go', timeoutMs: 20_000 });
    expect((await api.call('GET', `/api/v1/users/${bo.user.id}/posts`, undefined, ana.accessToken)).body.items).toEqual([]);
    await waitFor(async () => (await inbox(bo.accessToken)).length === 0, { what: 'the inbox to go', timeoutMs: 20_000 });
    expect((await api.call('GET', '/api/v1/notifications/unread-count', undefined, bo.accessToken)).body).toEqual({ count: 0 });

    // The still-valid access token writes nothing more.
    const ghost = await api.call('POST', '/api/v1/posts', { text: 'still here?' }, bo.accessToken);
    expect(ghost.status).toBe(401);
    expect(ghost.body.error.code).toBe('account_deleted');
    expect((await api.call('POST', '/api/v1/messages', { toUserId: bo.user.id, text: 'hello?' }, ana.accessToken)).status).toBe(404);
    // Ana's own things stay.
    expect((await inbox(ana.accessToken)).length).toBeGreaterThanOrEqual(3);
    expect((await api.call('GET', '/api/v1/users/me', undefined, ana.accessToken)).status).toBe(200);
  });
});
