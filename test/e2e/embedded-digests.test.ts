import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';

interface Captured {
  deliveryId: string;
  channel: string;
  to: string;
  subject: string;
  text: string;
}

const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;

/** The local hour in ZONE at `ms`. */
const localHour = (ms: number) => Number(new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: 'numeric', hourCycle: 'h23' }).format(ms)) % 24;

// Daily digests in embedded mode (PGlite, captured email): a person whose likes and comments wait
// for the daily digest gets ONE email at their digest hour, with the inbox's counts; running the
// digest sweep again sends nothing more.
describe('embedded mode: daily email digest', () => {
  let herald: Herald;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-embedded-digests-'));
    herald = await startHerald({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }),
      env: { CHANNEL_SWEEP_MS: '100', PUBLIC_URL: 'http://herald.example' },
    });
  }, 120_000);

  afterAll(async () => {
    try {
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('three likes and a comment → one digest email at the digest hour with the inbox’s counts; a second run adds nothing', async () => {
    const api = apiClient(herald.url);
    const ana = await api.register(uniqueName('ana'));
    // A digest hour twelve hours away: the periodic sweep has no digest time for her in this test,
    // and the run below is the operator's, as of her next digest hour.
    const now = Date.now();
    const digestHour = (localHour(now) + 12) % 24;
    const prefs = await api.call('PUT', '/api/v1/users/me/preferences', { frequency: 'daily', timezone: ZONE, digestHour }, ana.accessToken);
    expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
    let at = Math.ceil(now / HOUR) * HOUR;
    while (localHour(at) !== digestHour) at += HOUR;

    const post = (await api.call('POST', '/api/v1/posts', { text: 'Notes on the Analytical Engine' }, ana.accessToken)).body.post;
    const likers = await Promise.all(['bo', 'cy', 'di'].map((n) => api.register(uniqueName(n))));
    for (const liker of likers) expect((await api.call('POST', `/api/v1/posts/${post.id}/likes`, undefined, liker.accessToken)).status).toBe(204);
    const commenter = await api.register(uniqueName('eve'));
    expect((await api.call('POST', `/api/v1/posts/${post.id}/comments`, { text: 'The loops are the clever part.' }, commenter.accessToken)).status).toBe(201);

    // The inbox: one grouped like for three people, and the comment.
    const inbox = await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/notifications', undefined, ana.accessToken);
      const items = res.body.items as { id: string; type: string; count?: number; title: string }[];
      const like = items.find((i) => i.type === 'like');
      const comment = items.find((i) => i.type === 'comment');
      return like?.count === 3 && comment && items.length === 2 ? { like, comment } : undefined;
    }, { what: 'three likes grouped and a comment in the inbox', timeoutMs: 20_000 });
    // Held for the digest: no email yet.
    const status = await api.call('GET', `/api/v1/notifications/status?id=${inbox.like.id}`, undefined, ana.accessToken);
    expect(status.body.channels.find((c: { channel: string }) => c.channel === 'email')).toMatchObject({ status: 'pending', digest: 'daily' });

    const outbox = async () => ((await (await fetch(`${herald.url}/dev/outbox.json`)).json()) as { items: Captured[] }).items.filter((m) => m.to === ana.user.email && m.channel === 'email');
    expect(await outbox()).toEqual([]);

    const runAt = async (iso: string) => fetch(`${herald.url}/api/v1/admin/digests/run`, { method: 'POST', headers: { 'x-api-key': herald.sendApiKey!, 'content-type': 'application/json' }, body: JSON.stringify({ at: iso }) });
    const first = await runAt(new Date(at).toISOString());
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ runs: 1, digests: 1, rows: 2 });

    const [digest] = await waitFor(async () => {
      const mails = await outbox();
      return mails.length > 0 ? mails : undefined;
    }, { what: 'the digest email at /dev/outbox', timeoutMs: 20_000 });
    expect(digest!.subject).toMatch(/2 new notifications/);
    expect(digest!.text).toContain(inbox.like.title);
    expect(digest!.text).toMatch(/and 2 others liked your post/);
    expect(digest!.text).toContain(inbox.comment.title);

    // The items' own rows say where they went.
    const sent = await waitFor(async () => {
      const res = await api.call('GET', `/api/v1/notifications/status?id=${inbox.like.id}&id=${inbox.comment.id}`, undefined, ana.accessToken);
      const emails = (res.body.items as { channels: { channel: string; status: string; digestId?: string }[] }[]).map((i) => i.channels.find((c) => c.channel === 'email'));
      return emails.every((e) => e?.status === 'sent') ? emails : undefined;
    }, { what: 'the items sent with their digest' });
    expect(sent[0]!.digestId).toBeDefined();
    expect(sent[1]!.digestId).toBe(sent[0]!.digestId);
    expect(digest!.deliveryId).toBe(`${sent[0]!.digestId}.email`);

    // Again, as of the same instant and an hour later: nothing more.
    for (const iso of [new Date(at).toISOString(), new Date(at + HOUR).toISOString()]) {
      const again = await runAt(iso);
      expect(again.status).toBe(202);
      expect(await again.json()).toMatchObject({ runs: 0, digests: 0 });
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(await outbox()).toHaveLength(1);

    // A bad instant names the field.
    const bad = await runAt('tomorrow at eight');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.details).toMatchObject({ field: 'at' });
  }, 60_000);
});
