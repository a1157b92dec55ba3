/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { byTestId, launchUser, type BrowserUser } from './support/browser.js';

const PASSWORD = 'correct horse battery';
const LIVE_WAIT = { timeout: 15_000, interval: 100 };
/** What the header says in each language (web-demo/public/lib/messages-*.js). */
const NAV = {
  en: { 'nav-feed': 'Home', 'nav-inbox': 'Inbox', 'nav-people': 'People', 'nav-profile': 'Profile', 'nav-settings': 'Settings', logout: 'Log out' },
  es: { 'nav-feed': 'Inicio', 'nav-inbox': 'Bandeja', 'nav-people': 'Personas', 'nav-profile': 'Perfil', 'nav-settings': 'Ajustes', logout: 'Cerrar sesión' },
};
const LIVE = { en: 'Live', es: 'En directo' };
const IN_APP_STATUS_ES: Record<string, string> = { delivered: 'Entregada', sent: 'Enviada', read: 'Leída', skipped: 'Omitida', pending: 'Pendiente', queued: 'En cola' };

// The web demo speaks the signed-in person's language: English until they choose Spanish on their
// profile, then Spanish everywhere at once (this tab and their other tabs, no reload), and the
// notifications that arrive afterwards come from the server in Spanish too.
describe('web demo language follows the profile locale', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let lu: BrowserUser;
  let other: Page;
  const username = uniqueName('lu');

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-language-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    lu = await launchUser('lu');
  }, 120_000);

  afterAll(async () => {
    try {
      await lu?.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const lang = (page: Page) => page.evaluate(() => document.documentElement.lang);
  const headerText = (page: Page) =>
    page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim()])), Object.keys(NAV.en));
  const h1 = (page: Page) => page.textContent(`${byTestId('view')} h1`);
  const noReload = (page: Page) => page.evaluate(() => (window as any).__noReload);

  async function expectLanguage(page: Page, language: 'en' | 'es') {
    await expect.poll(() => lang(page), LIVE_WAIT).toBe(language);
    await expect.poll(() => headerText(page), LIVE_WAIT).toEqual(NAV[language]);
    await expect.poll(() => page.textContent(`${byTestId('connection-status')} .conn-text`), LIVE_WAIT).toBe(LIVE[language]);
  }

  async function setLocaleOnProfile(page: Page, locale: string) {
    await page.click(byTestId('nav-profile'));
    await page.click(byTestId('profile-edit'));
    await page.fill(byTestId('profile-locale'), locale);
    await page.click(byTestId('profile-submit'));
  }

  /** Messages from `sender` until one arrives in the inbox and its title matches `words`. */
  async function messageUntil(page: Page, sender: { accessToken: string }, toUserId: string, words: RegExp) {
    const api = apiClient(url);
    // user.updated reaches notification-service through the event bus: a message sent in the same
    // instant may still be rendered in the old language; the next one is not.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const text = `note ${attempt} ${Math.random().toString(36).slice(2, 8)}`;
      const res = await api.call('POST', '/api/v1/messages', { toUserId, text }, sender.accessToken);
      expect(res.status).toBe(201);
      const item = page.locator(`${byTestId('notification-item')}[data-type="message"]`, { hasText: text });
      await item.waitFor({ timeout: 15_000 });
      const title = (await item.locator(byTestId('notification-text')).textContent()) ?? '';
      if (words.test(title)) {
        if (attempt > 0) console.log(`${words}: ${attempt} earlier message(s) were still in the old language`);
        return item;
      }
      await page.waitForTimeout(300);
    }
    throw new Error(`no message titled ${words} arrived`);
  }

  it('starts in English, switches to Spanish and back in every tab without a reload', async () => {
    const { page } = lu;
    await page.goto(`${url}/#/register`);
    expect(await lang(page)).toBe('en');
    expect(await page.textContent(byTestId('register-submit'))).toBe('Create account');
    await page.fill(byTestId('register-username'), username);
    await page.fill(byTestId('register-email'), `${username}@example.test`);
    await page.fill(byTestId('register-password'), PASSWORD);
    await page.fill(byTestId('register-display-name'), 'Lu Reyes');
    await page.click(byTestId('register-submit'));
    await expect.poll(() => page.textContent(byTestId('current-user')), LIVE_WAIT).toBe(`@${username}`);
    await expectLanguage(page, 'en');
    await expect.poll(() => h1(page), LIVE_WAIT).toBe('Home');
    const me = await page.evaluate(() => JSON.parse(localStorage.getItem('herald.user') ?? 'null'));
    expect(me.locale).toBe('en-US'); // the browser's language, sent at sign-up

    // A second tab of the same person, on the inbox.
    other = await lu.context.newPage();
    await other.goto(`${url}/#/inbox`);
    await expectLanguage(other, 'en');
    await expect.poll(() => h1(other), LIVE_WAIT).toBe('Inbox');
    for (const p of [page, other]) await p.evaluate(() => ((window as any).__noReload = 'still-here'));

    // Before the change, the server writes in English.
    const cy = await apiClient(url).register(uniqueName('cy'), { displayName: 'Cy Okafor' });
    await messageUntil(other, cy, me.id, /^Cy Okafor sent you a message$/);

    await setLocaleOnProfile(page, 'es');
    await expectLanguage(page, 'es');
    expect(await page.evaluate(() => document.title)).toMatch(/^(\(\d+\) )?Perfil · Herald$/);
    await page.locator(byTestId('toast'), { hasText: 'Guardado.' }).waitFor({ timeout: 10_000 });
    await page.click(byTestId('nav-inbox'));
    await expect.poll(() => h1(page), LIVE_WAIT).toBe('Bandeja');
    expect(await page.textContent(byTestId('mark-all-read'))).toBe('Marcar todo como leído');

    // The other tab follows through the stored profile.
    await expectLanguage(other, 'es');
    await expect.poll(() => h1(other), LIVE_WAIT).toBe('Bandeja');
    expect(await noReload(page)).toBe('still-here');
    expect(await noReload(other)).toBe('still-here');

    // What arrives now is in Spanish, from the server; the row's own words are the demo's.
    const item = await messageUntil(page, cy, me.id, /^Cy Okafor te envió un mensaje$/);
    expect(await item.locator(byTestId('mark-read')).textContent()).toBe('Marcar como leída');
    await item.locator(byTestId('delivery-toggle')).click();
    const inApp = item.locator(byTestId('delivery-status-in_app'));
    await inApp.waitFor({ timeout: 10_000 });
    const status = (await inApp.getAttribute('data-status')) ?? '';
    if (IN_APP_STATUS_ES[status]) expect(await inApp.locator(byTestId('delivery-status-label')).textContent()).toBe(IN_APP_STATUS_ES[status]);
    expect(await inApp.textContent()).toContain('En la app');
    await other.locator(`${byTestId('notification-item')}[data-id="${await item.getAttribute('data-id')}"]`).waitFor({ timeout: 10_000 });

    // And back to English.
    await setLocaleOnProfile(page, 'en');
    await expectLanguage(page, 'en');
    await expectLanguage(other, 'en');
    await page.click(byTestId('nav-inbox'));
    await expect.poll(() => h1(page), LIVE_WAIT).toBe('Inbox');
    await expect.poll(() => h1(other), LIVE_WAIT).toBe('Inbox');
    await messageUntil(page, cy, me.id, /^Cy Okafor sent you a message$/);
    expect(await noReload(page)).toBe('still-here');
    expect(await noReload(other)).toBe('still-here');
    expect(lu.errors).toEqual([]);
  }, 120_000);
});
