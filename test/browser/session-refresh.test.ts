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

// Access tokens of 60 s (the shortest allowed): the web demo renews them by itself, one tab at a
// time (two tabs share one refresh token, and a reused one would end the session), and keeps the
// live feed without a reload; a 4401 close is answered with a refresh and a resume.
describe('web demo: silent token refresh', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let ana: BrowserUser;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-refresh-'));
    herald = await startHerald({ dataDir, port: 0, host: '127.0.0.1', logger: pino({ level: process.env.TEST_HERALD_LOG ?? 'warn' }), env: { ACCESS_TOKEN_TTL_SECONDS: '60' } });
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    ana = await launchUser('ana-refresh');
  }, 120_000);

  afterAll(async () => {
    try {
      await ana?.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const tokens = (page: Page) =>
    page.evaluate(() => ({ access: localStorage.getItem('herald.accessToken'), refresh: localStorage.getItem('herald.refreshToken') }));
  const isLive = (page: Page) => page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 20_000 });

  it('renews the tokens before they expire, in two tabs at once, and the live feed keeps going', async () => {
    const api = apiClient(herald.url);
    const name = uniqueName('ana');
    const sender = await api.register(uniqueName('bo'));
    const { page } = ana;
    await page.goto(`${url}/#/register`);
    await page.fill(byTestId('register-username'), name);
    await page.fill(byTestId('register-email'), `${name}@example.test`);
    await page.fill(byTestId('register-password'), PASSWORD);
    await page.fill(byTestId('register-display-name'), 'Ana');
    await page.click(byTestId('register-submit'));
    await isLive(page);
    const second = await ana.context.newPage();
    await second.goto(`${url}/#/inbox`);
    await isLive(second);
    const first = await tokens(page);
    expect(first.refresh).toMatch(/^hrt_/);
    const me = (await (await fetch(`${herald.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${first.access}` } })).json()).user;

    // A 60 s token is renewed 5 s after it was issued: wait for two rounds, both tabs awake.
    await expect.poll(async () => (await tokens(page)).refresh, { timeout: 20_000, interval: 250 }).not.toBe(first.refresh);
    const afterOne = await tokens(page);
    await expect.poll(async () => (await tokens(second)).refresh, { timeout: 20_000, interval: 250 }).not.toBe(afterOne.refresh);

    // Neither tab spent a used refresh token: the session is alive, both tabs are signed in and live.
    const latest = await tokens(second);
    const check = await fetch(`${herald.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${latest.access}` } });
    expect(check.status, await check.clone().text()).toBe(200);
    for (const tab of [page, second]) {
      expect(await tab.textContent(byTestId('current-user'))).toBe(`@${name}`);
      await isLive(tab);
    }

    // The live feed: a direct message reaches both tabs without a reload.
    const sent = await api.call('POST', '/api/v1/messages', { toUserId: me.id, text: 'still there?' }, sender.accessToken);
    expect(sent.status).toBe(201);
    for (const tab of [page, second]) {
      await expect
        .poll(() => tab.evaluate(() => (window as any).__ws.received.filter((r: any) => r.frame.type === 'notification').length), { timeout: 15_000 })
        .toBeGreaterThan(0);
    }
    expect(ana.errors).toEqual([]);
  }, 120_000);
});
