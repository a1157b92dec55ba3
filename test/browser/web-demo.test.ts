/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';
import { byTestId, framesOf, launchUser, type BrowserUser } from './support/browser.js';

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const PASSWORD = 'correct horse battery';
const LIVE_WAIT = { timeout: 15_000, interval: 100 };

// Two people in two browser profiles against the whole product (embedded mode): sign up in the UI,
// follow through people search, post, and watch the follower's bell and inbox change with no reload.
describe('web demo in a real browser', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let ana: BrowserUser;
  let bo: BrowserUser;
  const names = { ana: uniqueName('ana'), bo: uniqueName('bo') };
  let postNotificationId = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    // The gateway listens on IPv4 loopback only; say so rather than let the browser try ::1 first.
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    [ana, bo] = await Promise.all([launchUser('ana'), launchUser('bo')]);
  }, 120_000);

  afterAll(async () => {
    try {
      await Promise.all([ana?.close(), bo?.close()]);
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const count = (page: Page, selector: string) => page.locator(selector).count();
  const unread = (page: Page) => page.getAttribute(byTestId('unread-count'), 'data-count');
  const session = (page: Page) =>
    page.evaluate(() => ({ token: localStorage.getItem('herald.accessToken') ?? '', user: JSON.parse(localStorage.getItem('herald.user') ?? 'null') }));

  async function signUp(user: BrowserUser, username: string, displayName: string) {
    const { page } = user;
    await page.goto(`${url}/#/register`);
    await page.fill(byTestId('register-username'), username);
    await page.fill(byTestId('register-email'), `${username}@example.test`);
    await page.fill(byTestId('register-password'), PASSWORD);
    await page.fill(byTestId('register-display-name'), displayName);
    await page.click(byTestId('register-submit'));
    await expect.poll(() => page.textContent(byTestId('current-user')), LIVE_WAIT).toBe(`@${username}`);
    await page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 15_000 });
    expect(await page.textContent(`${byTestId('connection-status')} .conn-text`)).toBe('Live');
  }

  async function screenshot(page: Page, name: string) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `web-demo-${name}.png`);
    // Finished animations: a toast caught mid fade-in looks washed out.
    await page.screenshot({ path: file, animations: 'disabled' });
    console.log(`screenshot: ${file}`);
  }

  it('delivers a followed person’s post to the bell, inbox and a toast without a reload', async () => {
    await Promise.all([signUp(ana, names.ana, 'Ana Lima'), signUp(bo, names.bo, 'Bo Berg')]);
    // A same-document (hash) navigation keeps this; a reload would lose it.
    await bo.page.evaluate(() => ((window as any).__noReload = 'still-here'));

    // Bo finds Ana by username prefix and follows her.
    await bo.page.click(byTestId('nav-people'));
    await bo.page.fill(byTestId('people-search'), names.ana.slice(0, 8));
    const row = bo.page.locator(`${byTestId('person-result')}[data-username="${names.ana}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator(byTestId('follow-button')).click();
    await row.locator(`${byTestId('follow-button')}[data-following="true"]`).waitFor({ timeout: 10_000 });
    // Ana is told about her new follower, live as well.
    await expect.poll(() => unread(ana.page), LIVE_WAIT).toBe('1');

    // Bo watches his (empty) inbox while Ana posts.
    await bo.page.click(byTestId('bell'));
    await bo.page.waitForSelector(byTestId('inbox-empty'), { state: 'visible', timeout: 10_000 });
    expect(await unread(bo.page)).toBe('0');

    await ana.page.click(byTestId('nav-home'));
    await ana.page.fill(byTestId('post-text'), 'First light over the harbour');
    await ana.page.click(byTestId('post-submit'));
    await ana.page.locator(byTestId('post-item')).first().waitFor({ timeout: 10_000 });

    await expect.poll(() => unread(bo.page), LIVE_WAIT).toBe('1');
    const item = bo.page.locator(`${byTestId('notification-item')}[data-type="post"]`);
    await item.waitFor({ timeout: 10_000 });
    postNotificationId = (await item.getAttribute('data-id')) ?? '';
    expect(postNotificationId).not.toBe('');
    expect(await item.getAttribute('data-read')).toBe('false');
    expect(await item.locator(byTestId('notification-text')).textContent()).toContain('Ana Lima');
    const toast = bo.page.locator(`${byTestId('toast')}[data-notification-id="${postNotificationId}"]`);
    await toast.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await toast.textContent()).toContain('Ana Lima');
    expect(await bo.page.evaluate(() => (window as any).__noReload)).toBe('still-here');
    await screenshot(bo.page, 'live-post');

    // Reading it clears the bell, here and on the server.
    await item.locator(byTestId('mark-read')).click();
    await expect.poll(() => unread(bo.page), LIVE_WAIT).toBe('0');
    expect(await item.getAttribute('data-read')).toBe('true');
    await toast.waitFor({ state: 'detached', timeout: 5_000 });
    const { token } = await session(bo.page);
    const serverCount = await apiClient(url).call('GET', '/api/v1/notifications/unread-count', undefined, token);
    expect(serverCount.body).toEqual({ count: 0 });
    expect(await bo.page.evaluate(() => (window as any).__noReload)).toBe('still-here');
  }, 90_000);

  it('reconnects with resume after the network drops and shows what it missed exactly once', async () => {
    expect(postNotificationId).not.toBe('');
    const { page } = bo;
    const status = byTestId('connection-status');
    await page.waitForSelector(`${status}[data-state="live"]`, { timeout: 10_000 });
    const { token, user } = await session(page);
    // Every state the header shows from here on, in order.
    await page.evaluate((selector) => {
      const el = document.querySelector(selector) as HTMLElement;
      const states: string[] = ((window as any).__states = []);
      new MutationObserver(() => states.push(el.dataset.state ?? '')).observe(el, { attributes: true, attributeFilter: ['data-state'] });
    }, status);
    const socketsBefore = await page.evaluate(() => (window as any).__ws.sockets.length as number);

    // Cy exists before the drop; his follow happens while Bo is offline.
    const api = apiClient(url);
    const cy = await api.register(uniqueName('cy'), { displayName: 'Cy Okafor' });

    await bo.context.setOffline(true);
    // Offline emulation stops new connections; close the open socket the way a dropped network would.
    await page.evaluate(() => {
      const ws = (window as any).__ws.sockets.at(-1) as WebSocket;
      if (ws.readyState <= WebSocket.OPEN) ws.close(4001, 'network dropped (test)');
    });
    await page.waitForSelector(`${status}[data-state="reconnecting"]`, { timeout: 10_000 });
    expect(await page.textContent(`${status} .conn-text`)).toBe('Reconnecting…');

    expect((await api.call('POST', `/api/v1/users/${user.id}/follow`, undefined, cy.accessToken)).status).toBe(204);
    const missed = await waitFor(
      async () => {
        const res = await api.call('GET', '/api/v1/notifications', undefined, token);
        return (res.body.items as any[]).find((n) => n.type === 'follow' && n.actor?.id === cy.user.id);
      },
      { what: "Cy's follow in Bo's inbox", timeoutMs: 15_000 },
    );
    expect(await count(page, `${byTestId('notification-item')}[data-id="${missed.id}"]`)).toBe(0);
    await screenshot(page, 'offline');

    await bo.context.setOffline(false);
    await page.waitForSelector(`${status}[data-state="caught_up"]`, { timeout: 15_000 });
    expect(await page.textContent(`${status} .conn-text`)).toBe('Back online, caught up');
    expect(await page.evaluate(() => (window as any).__states)).toEqual(expect.arrayContaining(['reconnecting', 'catching_up', 'caught_up']));

    // The new socket resumed after the newest id the tab had seen: Ana's post.
    const resumes = (await framesOf(page, 'sent', 'resume')).filter((f) => f.socket >= socketsBefore);
    expect(resumes.length).toBeGreaterThan(0);
    expect(resumes[0]!.frame.after).toBe(postNotificationId);

    // What was missed arrives once: one frame, one row, one toast, one unread.
    const row = page.locator(`${byTestId('notification-item')}[data-id="${missed.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-type')).toBe('follow');
    expect(await row.locator(byTestId('notification-text')).textContent()).toContain('Cy Okafor');
    await expect.poll(() => unread(page), LIVE_WAIT).toBe('1');
    const frames = (await framesOf(page, 'received', 'notification')).filter((f) => f.frame.notification.id === missed.id);
    expect(frames).toHaveLength(1);
    expect(await count(page, `${byTestId('notification-item')}[data-id="${missed.id}"]`)).toBe(1);
    expect(await count(page, `${byTestId('toast')}[data-notification-id="${missed.id}"]`)).toBe(1);
    expect(await count(page, byTestId('notification-item'))).toBe(2);
    expect(await page.evaluate(() => (window as any).__noReload)).toBe('still-here');
    await screenshot(page, 'reconnected');

    expect([...ana.errors, ...bo.errors]).toEqual([]);
  }, 90_000);

  it('shows per-channel delivery, saves a phone number and Slack, and links the dev outbox', async () => {
    expect(postNotificationId).not.toBe('');
    const { page } = bo;
    const errorsBefore = bo.errors.length;
    const { token } = await session(page);
    const api = apiClient(url);

    // The inbox row of Ana's post opens its delivery statuses on demand.
    await page.click(byTestId('bell'));
    const item = page.locator(`${byTestId('notification-item')}[data-id="${postNotificationId}"]`);
    await item.waitFor({ timeout: 10_000 });
    const toggle = item.locator(byTestId('delivery-toggle'));
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    const inApp = item.locator(byTestId('delivery-status-in_app'));
    await inApp.waitFor({ timeout: 10_000 });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await inApp.getAttribute('data-status')).toMatch(/^[a-z_]+$/);
    expect(await inApp.textContent()).toContain('In-app');
    await screenshot(page, 'delivery');
    await toggle.click();
    expect(await item.locator(byTestId('delivery-panel')).isHidden()).toBe(true);

    // The phone number: the server's refusal next to the field, then a good number saved.
    await page.click(byTestId('nav-settings'));
    const phone = page.locator(byTestId('settings-phone'));
    await phone.waitFor({ timeout: 10_000 });
    await phone.fill('12345');
    await page.click(byTestId('settings-phone-submit'));
    const phoneError = page.locator(byTestId('settings-phone-error'));
    await phoneError.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await phoneError.textContent()).toMatch(/\+14155550123|international/i);
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    await phone.fill('+14155550123');
    await page.click(byTestId('settings-phone-submit'));
    await expect.poll(() => page.textContent(byTestId('settings-phone-saved')), LIVE_WAIT).toBe('Phone number saved.');
    expect(await phoneError.isHidden()).toBe(true);
    expect((await api.call('GET', '/api/v1/users/me', undefined, token)).body.user.phone).toBe('+14155550123');

    // Slack on, with a webhook URL (a non-Slack URL is refused next to the field first) and a digest hour.
    const slackUrl = page.locator(byTestId('pref-slack-webhook-url'));
    await page.check(byTestId('pref-channel-slack'));
    await slackUrl.fill('https://example.com/not-slack');
    await page.click(byTestId('preferences-submit'));
    const slackError = page.locator('[data-error-for="slackWebhookUrl"]');
    await slackError.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await slackError.textContent()).toContain('hooks.slack.com');
    const webhook = 'https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    await slackUrl.fill(webhook);
    await page.selectOption(byTestId('pref-digest-hour'), '18');
    await page.click(byTestId('preferences-submit'));
    await expect.poll(() => page.textContent(byTestId('preferences-saved')), LIVE_WAIT).toBe('Preferences saved.');
    const prefs = (await api.call('GET', '/api/v1/users/me/preferences', undefined, token)).body;
    const saved = prefs.preferences ?? prefs;
    expect(saved).toMatchObject({ channels: { slack: true }, slackWebhookUrl: webhook, digestHour: 18 });
    // Reloaded, the form shows what was saved.
    await page.reload();
    await page.locator(byTestId('pref-slack-webhook-url')).waitFor({ timeout: 10_000 });
    expect(await page.isChecked(byTestId('pref-channel-slack'))).toBe(true);
    expect(await page.inputValue(byTestId('pref-slack-webhook-url'))).toBe(webhook);
    expect(await page.inputValue(byTestId('pref-digest-hour'))).toBe('18');
    expect(await page.inputValue(byTestId('settings-phone'))).toBe('+14155550123');
    await screenshot(page, 'settings');

    // The dev outbox (embedded mode) opens in a tab of its own, through the gateway, without a token.
    const link = page.locator(byTestId('dev-outbox-link'));
    expect(await link.getAttribute('href')).toBe('/dev/outbox');
    const [outbox] = await Promise.all([bo.context.waitForEvent('page', { timeout: 10_000 }), link.click()]);
    try {
      await outbox.waitForLoadState('domcontentloaded');
      expect(new URL(outbox.url()).pathname).toBe('/dev/outbox');
      expect(await outbox.textContent('h1', { timeout: 10_000 })).toBe('Dev outbox');
    } finally {
      await outbox.close();
    }

    // The refused saves above are logged by the browser as failed requests (400); nothing else may be.
    expect(bo.errors.slice(errorsBefore).filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 60_000);
});
