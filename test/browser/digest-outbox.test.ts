/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';
import { byTestId, launchUser, type BrowserUser } from './support/browser.js';

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const LIVE_WAIT = { timeout: 15_000, interval: 100 };
const localHour = (ms: number) => Number(new Intl.DateTimeFormat('en-US', { timeZone: ZONE, hour: 'numeric', hourCycle: 'h23' }).format(ms)) % 24;

// The daily digest as a person meets it in the web demo (embedded mode, captured email): she
// chooses daily digests in Settings, likes and a comment wait for it, the operator's run sends one
// email, and the dev outbox the Settings page links to shows it, grouped as the inbox groups it.
describe('web demo: a daily digest in the dev outbox', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let ana: BrowserUser;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-digest-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }), env: { CHANNEL_SWEEP_MS: '100' } });
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    ana = await launchUser('ana');
  }, 120_000);

  afterAll(async () => {
    try {
      await ana?.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('chooses daily digests in Settings, and the operator’s run puts one grouped digest email in /dev/outbox', async () => {
    const { page, context } = ana;
    const username = uniqueName('ana');
    const email = `${username}@example.test`;
    await page.goto(`${url}/#/register`);
    await page.fill(byTestId('register-username'), username);
    await page.fill(byTestId('register-email'), email);
    await page.fill(byTestId('register-password'), 'correct horse battery');
    await page.fill(byTestId('register-display-name'), 'Ana Lima');
    await page.click(byTestId('register-submit'));
    await page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 15_000 });
    const token = await page.evaluate(() => localStorage.getItem('herald.accessToken') ?? '');

    // Daily digests at an hour twelve hours away in her zone: the periodic sweep leaves her alone,
    // and the run below, the operator's, is as of her next digest hour.
    const digestHour = (localHour(Date.now()) + 12) % 24;
    await page.click(byTestId('nav-settings'));
    await page.locator(byTestId('pref-frequency')).waitFor({ timeout: 10_000 });
    await page.fill(byTestId('pref-timezone'), ZONE);
    await page.selectOption(byTestId('pref-frequency'), 'daily');
    await page.selectOption(byTestId('pref-digest-hour'), String(digestHour));
    await page.click(byTestId('preferences-submit'));
    await expect.poll(() => page.textContent(byTestId('preferences-saved')), LIVE_WAIT).toBe('Preferences saved.');
    const api = apiClient(url);
    const saved = (await api.call('GET', '/api/v1/users/me/preferences', undefined, token)).body;
    expect(saved.preferences ?? saved).toMatchObject({ frequency: 'daily', timezone: ZONE, digestHour });

    // Three likes and a comment on her post, by people who signed up over the API.
    const post = (await api.call('POST', '/api/v1/posts', { text: 'Notes on the Analytical Engine' }, token)).body.post;
    const likers = await Promise.all(['bo', 'cy', 'di'].map((n) => api.register(uniqueName(n))));
    for (const liker of likers) expect((await api.call('POST', `/api/v1/posts/${post.id}/likes`, undefined, liker.accessToken)).status).toBe(204);
    const eve = await api.register(uniqueName('eve'));
    expect((await api.call('POST', `/api/v1/posts/${post.id}/comments`, { text: 'The loops are the clever part.' }, eve.accessToken)).status).toBe(201);
    const inbox = await waitFor(async () => {
      const items = (await api.call('GET', '/api/v1/notifications', undefined, token)).body.items as { id: string; type: string; count?: number; title: string }[];
      const like = items.find((i) => i.type === 'like');
      const comment = items.find((i) => i.type === 'comment');
      return like?.count === 3 && comment ? { like, comment } : undefined;
    }, { what: 'three likes grouped and a comment in her inbox', timeoutMs: 20_000 });

    let at = Math.ceil(Date.now() / HOUR) * HOUR;
    while (localHour(at) !== digestHour) at += HOUR;
    const run = await fetch(`${herald.url}/api/v1/admin/digests/run`, {
      method: 'POST',
      headers: { 'x-api-key': herald.sendApiKey!, 'content-type': 'application/json' },
      body: JSON.stringify({ at: new Date(at).toISOString() }),
    });
    expect(run.status).toBe(202);
    expect(await run.json()).toMatchObject({ digests: 1, rows: 2 });

    // The dev outbox, opened from Settings as a person would: one email to her, the digest.
    await page.reload();
    const link = page.locator(byTestId('dev-outbox-link'));
    await link.waitFor({ timeout: 10_000 });
    const [outbox] = await Promise.all([context.waitForEvent('page', { timeout: 10_000 }), link.click()]);
    try {
      const mine = outbox.locator('article.msg[data-channel="email"]', { hasText: email });
      await waitFor(async () => {
        if ((await mine.count()) > 0) return true;
        await outbox.reload();
        return false;
      }, { what: 'her digest email in /dev/outbox', timeoutMs: 20_000, intervalMs: 250 });
      expect(await mine.count()).toBe(1);
      expect(await mine.locator('h2').textContent()).toMatch(/2 new notifications/);
      // The email itself, rendered in its sandboxed frame: the grouped like and the comment.
      const frame = mine.locator('iframe');
      const html = (await frame.getAttribute('srcdoc')) ?? '';
      const body = outbox.frameLocator('article.msg[data-channel="email"] iframe').first().locator('body');
      await expect.poll(() => body.textContent(), LIVE_WAIT).toMatch(/and 2 others liked your post/);
      expect(await body.textContent()).toContain(inbox.comment.title);
      expect(html).not.toContain('{{');
      mkdirSync(RESULTS_DIR, { recursive: true });
      await outbox.screenshot({ path: path.join(RESULTS_DIR, 'web-demo-digest-outbox.png'), fullPage: true });
    } finally {
      await outbox.close();
    }

    // The inbox items say where they went: email, sent, with their digest.
    const status = (await api.call('GET', `/api/v1/notifications/status?id=${inbox.like.id}`, undefined, token)).body;
    expect(status.channels.find((c: { channel: string }) => c.channel === 'email')).toMatchObject({ status: 'sent', digestId: expect.any(String) });
  }, 120_000);
});
