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
import { byTestId, launchUser, type BrowserUser } from './support/browser.js';

const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
const PASSWORD = 'correct horse battery';
const LIVE_WAIT = { timeout: 15_000, interval: 100 };

// The home feed in a real browser against embedded Herald: Gus follows Fay; his Home lists her posts
// (and his own), pages with Load more, and, while he reads, her new posts announce themselves over
// the socket as "N new posts — show", which brings them in without a reload.
describe('web demo home feed in a real browser', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let fay: BrowserUser;
  let gus: BrowserUser;
  const names = { fay: uniqueName('fay'), gus: uniqueName('gus') };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-feed-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: 'warn' }) });
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    [fay, gus] = await Promise.all([launchUser('fay'), launchUser('gus')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([fay?.close(), gus?.close()]);
    await herald?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const session = (page: Page) => page.evaluate(() => ({ token: localStorage.getItem('herald.accessToken') ?? '', user: JSON.parse(localStorage.getItem('herald.user') ?? 'null') }));
  const feedTexts = (page: Page) => page.locator(`${byTestId('feed-list')} ${byTestId('post-body')}`).allTextContents();

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
  }

  async function screenshot(page: Page, name: string) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `web-demo-${name}.png`);
    await page.screenshot({ path: file, animations: 'disabled' });
    console.log(`screenshot: ${file}`);
  }

  it('lists the feed, loads more by cursor, and shows "N new posts — show" live when a followed person posts', async () => {
    await Promise.all([signUp(fay, names.fay, 'Fay Moreau'), signUp(gus, names.gus, 'Gus Lind')]);
    const api = apiClient(url);
    const [fayS, gusS] = [await session(fay.page), await session(gus.page)];

    // Gus follows Fay (through his People page); Fay has 21 older posts: more than one page.
    await gus.page.click(byTestId('nav-people'));
    await gus.page.fill(byTestId('people-search'), names.fay.slice(0, 8));
    const row = gus.page.locator(`${byTestId('person-result')}[data-username="${names.fay}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator(byTestId('follow-button')).click();
    await row.locator(`${byTestId('follow-button')}[data-following="true"]`).waitFor({ timeout: 10_000 });
    for (let i = 1; i <= 21; i++) expect((await api.call('POST', '/api/v1/posts', { text: `Fay's note ${i}` }, fayS.token)).status).toBe(201);
    await waitFor(async () => (await api.call('GET', '/api/v1/feed?limit=100', undefined, gusS.token)).body.items?.length === 21, { what: 'the follow in post-service' });

    // Home: the first 20, newest first, each with author, text, time and counts; then Load more.
    await gus.page.click(byTestId('nav-feed'));
    await gus.page.locator(byTestId('post-item')).first().waitFor({ timeout: 10_000 });
    expect(await gus.page.getAttribute(byTestId('nav-feed'), 'aria-current')).toBe('page');
    await expect.poll(() => gus.page.locator(byTestId('post-item')).count(), LIVE_WAIT).toBe(20);
    expect((await feedTexts(gus.page)).slice(0, 2)).toEqual(["Fay's note 21", "Fay's note 20"]);
    const top = gus.page.locator(byTestId('post-item')).first();
    expect(await top.locator('.post-author').textContent()).toBe('Fay Moreau');
    expect(await top.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await top.locator(byTestId('like-count')).textContent()).toBe('0 likes');
    expect(await top.locator(byTestId('comment-count')).textContent()).toBe('0 comments');
    await gus.page.click(byTestId('feed-load-more'));
    await expect.poll(() => gus.page.locator(byTestId('post-item')).count(), LIVE_WAIT).toBe(21);
    expect((await feedTexts(gus.page)).at(-1)).toBe("Fay's note 1");
    expect(await gus.page.locator(byTestId('feed-load-more')).isHidden()).toBe(true);

    // Gus writes from Home: his post is at the top at once.
    await gus.page.fill(byTestId('post-text'), 'Gus says hello');
    await gus.page.click(byTestId('post-submit'));
    await expect.poll(async () => (await feedTexts(gus.page))[0], LIVE_WAIT).toBe('Gus says hello');
    await gus.page.evaluate(() => ((window as any).__noReload = 'still-here'));
    const banner = gus.page.locator(byTestId('feed-new-posts'));
    expect(await banner.isHidden()).toBe(true);

    // Fay posts twice from her Home while Gus reads his: the banner counts them, the list waits.
    await fay.page.click(byTestId('nav-feed'));
    for (const text of ['Fresh bread at the corner', 'And the harbour is frozen']) {
      await fay.page.fill(byTestId('post-text'), text);
      await fay.page.click(byTestId('post-submit'));
      await expect.poll(async () => (await feedTexts(fay.page))[0], LIVE_WAIT).toBe(text);
    }
    await expect.poll(() => banner.getAttribute('data-count'), LIVE_WAIT).toBe('2');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toBe('2 new posts — show');
    expect((await feedTexts(gus.page))[0]).toBe('Gus says hello');
    await screenshot(gus.page, 'feed-new-posts');

    await banner.click();
    await expect.poll(async () => (await feedTexts(gus.page)).slice(0, 3), LIVE_WAIT).toEqual(['And the harbour is frozen', 'Fresh bread at the corner', 'Gus says hello']);
    expect(await banner.isHidden()).toBe(true);
    const texts = await feedTexts(gus.page);
    expect(texts).toHaveLength(24);
    expect(new Set(texts).size).toBe(24);
    expect(await gus.page.locator(byTestId('post-item')).first().locator('.post-author').textContent()).toBe('Fay Moreau');
    expect(await gus.page.evaluate(() => (window as any).__noReload)).toBe('still-here');
    // the first new post is scrolled into view, below the sticky header
    await expect.poll(() => gus.page.locator(byTestId('post-item')).first().evaluate((el) => Math.round(el.getBoundingClientRect().top)), LIVE_WAIT).toBeGreaterThan(60);
    expect(await gus.page.locator(byTestId('post-item')).first().isVisible()).toBe(true);
    await screenshot(gus.page, 'feed');

    expect([...fay.errors, ...gus.errors]).toEqual([]);
  }, 120_000);
});
