import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';

// The zero-setup promise: with no provider configured, `npm start` captures what it would send and
// shows it at /dev/outbox, through the gateway, with the statuses docs/protocol.md names.
describe('embedded mode: out-of-band channels without any provider', () => {
  let herald: Herald;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-embedded-channels-'));
    herald = await startHerald({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }),
      env: { FALLBACK_DELAY_MS: '500', CHANNEL_SWEEP_MS: '100', PUBLIC_URL: 'http://herald.example' },
    });
  }, 120_000);

  afterAll(async () => {
    try {
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a follow for someone away turns into a captured email shown at /dev/outbox, and its status says sent', async () => {
    const api = apiClient(herald.url);
    const ana = await api.register(uniqueName('ana'));
    const bo = await api.register(uniqueName('bo'));
    expect((await api.call('POST', `/api/v1/users/${ana.user.id}/follow`, undefined, bo.accessToken)).status).toBe(204);

    const outbox = async () => (await (await fetch(`${herald.url}/dev/outbox.json`)).json()) as { items: { channel: string; to: string; subject: string; text: string }[] };
    const email = await waitFor(async () => (await outbox()).items.find((m) => m.channel === 'email' && m.to === ana.user.email), { what: 'the captured email', timeoutMs: 20_000 });
    expect(email.subject).toContain(bo.user.displayName ?? bo.user.username);
    expect(email.text).toMatch(/http:\/\/herald\.example\/t\/c\//);

    const page = await fetch(`${herald.url}/dev/outbox`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Dev outbox');
    expect(html).toContain(ana.user.email);

    const inbox = await api.call('GET', '/api/v1/notifications', undefined, ana.accessToken);
    const id = inbox.body.items[0].id as string;
    const status = await waitFor(async () => {
      const res = await api.call('GET', `/api/v1/notifications/status?id=${id}`, undefined, ana.accessToken);
      const ch = res.body.channels?.find((c: { channel: string }) => c.channel === 'email');
      return ch?.status === 'sent' ? ch : undefined;
    }, { what: 'email status sent' });
    expect(status).toMatchObject({ channel: 'email', status: 'sent', provider: 'capture', attempts: 1 });

    // The tracked link in the email works through the gateway: 302 to the notification.
    const link = /http:\/\/herald\.example(\/t\/c\/\S+)/.exec(email.text)![1]!;
    const click = await fetch(`${herald.url}${link}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe(`http://herald.example/?notification=${id}`);
  });

  it('operators list dead letters with the printed key (admin scope); a user token cannot', async () => {
    const res = await fetch(`${herald.url}/api/v1/admin/dead-letters`, { headers: { 'x-api-key': herald.sendApiKey! } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [] });
    const api = apiClient(herald.url);
    const cy = await api.register(uniqueName('cy'));
    const denied = await api.call('GET', '/api/v1/admin/dead-letters', undefined, cy.accessToken);
    expect(denied.status).toBe(401);
  });
});
