import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';

// GET /api/v1/feed through the gateway of the embedded stack (PGlite, the in-memory bus): the follow
// graph reaches post-service as user-service's events, and the followers hear of a new post live.
describe('the home feed, embedded, through the gateway', () => {
  let herald: Herald;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-feed-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
  }, 120_000);

  afterAll(async () => {
    await herald?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves own and followed posts newest first, paged by cursor; unfollows and blocks take them out', async () => {
    const api = apiClient(herald.url);
    const [ana, bo, cy] = [await api.register(uniqueName('ana')), await api.register(uniqueName('bo')), await api.register(uniqueName('cy'))];
    const as = (who: typeof ana) => (method: string, url: string, body?: unknown) => api.call(method, url, body, who.accessToken);
    const [asAna, asBo, asCy] = [as(ana), as(bo), as(cy)];
    const feedIds = async (call: typeof asBo, query = '?limit=100') => ((await call('GET', `/api/v1/feed${query}`)).body.items as { id: string }[]).map((p) => p.id);

    expect((await asBo('POST', `/api/v1/users/${ana.user.id}/follow`)).status).toBe(204);
    expect((await asCy('POST', `/api/v1/users/${ana.user.id}/follow`)).status).toBe(204);
    const write = async (call: typeof asBo, text: string) => (await call('POST', '/api/v1/posts', { text })).body.post.id as string;
    const anas1 = await write(asAna, 'first light');
    const bos = await write(asBo, 'bo was here');
    await write(asCy, 'cy elsewhere');
    const anas2 = await write(asAna, `second light, thanks @${bo.user.username}`);

    // the follow reaches post-service as user.followed (milliseconds)
    const ids = await waitFor(async () => {
      const got = await feedIds(asBo);
      return got.length === 3 ? got : undefined;
    }, { what: 'bo’s feed' });
    expect(ids).toEqual([anas2, bos, anas1]);

    // each item exactly as GET /posts/:id answers it; the page walk by cursor through the gateway
    const full = (await asBo('GET', '/api/v1/feed')).body;
    expect(full.nextCursor).toBeNull();
    for (const item of full.items) expect(item).toEqual((await asBo('GET', `/api/v1/posts/${item.id}`)).body.post);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await asBo('GET', `/api/v1/feed?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      walked.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(ids);

    const bad = await asBo('GET', '/api/v1/feed?limit=500');
    expect([bad.status, bad.body.error.code, bad.body.error.details.field]).toEqual([400, 'invalid_request', 'limit']);
    expect((await asBo('GET', '/api/v1/feed?cursor=nope')).body.error.details.field).toBe('cursor');
    expect((await api.call('GET', '/api/v1/feed')).status).toBe(401);

    // bo heard of ana's posts as `post` notifications about the post (a mention instead where he is named)
    const inbox = await waitFor(async () => {
      const items = (await asBo('GET', '/api/v1/notifications')).body.items as any[];
      return items.find((n) => n.type === 'post') && items.find((n) => n.type === 'mention') ? items : undefined;
    }, { what: 'bo’s notifications' });
    expect(inbox.find((n) => n.type === 'post')).toMatchObject({ actor: { id: ana.user.id }, object: { kind: 'post', id: anas1 } });
    expect(inbox.find((n) => n.type === 'mention')).toMatchObject({ actor: { id: ana.user.id }, object: { kind: 'post', id: anas2 } });

    // an unfollow takes ana's posts out of bo's feed
    expect((await asBo('DELETE', `/api/v1/users/${ana.user.id}/follow`)).status).toBe(204);
    await waitFor(async () => (await feedIds(asBo)).join() === bos, { what: 'the unfollow in bo’s feed' });

    // ana blocks cy: his follow goes and her posts leave his feed
    await waitFor(async () => (await feedIds(asCy)).includes(anas2), { what: 'cy’s feed' });
    expect((await asAna('PUT', `/api/v1/users/${cy.user.id}/block`)).status).toBe(204);
    await waitFor(async () => !(await feedIds(asCy)).includes(anas2), { what: 'the block in cy’s feed' });
    expect((await feedIds(asCy)).length).toBe(1);
  });

  it('is in the merged OpenAPI document at /docs/json, owned by post-service', async () => {
    const doc = await (await fetch(`${herald.url}/docs/json`)).json();
    expect(doc.paths['/api/v1/feed'].get).toMatchObject({ 'x-herald-service': 'post-service' });
  });
});
