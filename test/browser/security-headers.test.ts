/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { CDPSession, Page } from 'playwright-core';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';
import { byTestId, launchUser, type BrowserUser } from './support/browser.js';

const PASSWORD = 'correct horse battery';
const LIVE_WAIT = { timeout: 15_000, interval: 100 };

/** Records, in every document of the context, each CSP violation the browser reports to the page. */
const VIOLATION_SPY = `(() => {
  const log = (window.__csp = []);
  document.addEventListener('securitypolicyviolation', (e) => {
    log.push({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, page: location.href });
  });
})();`;

interface Handshake {
  url: string;
  requestProtocols?: string;
  status?: number;
  responseHeaders?: Record<string, string>;
}

/** Every WebSocket handshake the page made, with the headers the browser sent and received. */
async function watchHandshakes(cdp: CDPSession): Promise<Map<string, Handshake>> {
  const handshakes = new Map<string, Handshake>();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', (e) => handshakes.set(e.requestId, { url: e.url }));
  cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => {
    const h = handshakes.get(e.requestId);
    const headers = Object.fromEntries(Object.entries(e.request.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (h) h.requestProtocols = headers['sec-websocket-protocol'];
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    const h = handshakes.get(e.requestId);
    if (h) {
      h.status = e.response.status;
      h.responseHeaders = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    }
  });
  return handshakes;
}

// The gateway's Content-Security-Policy against the real pages it serves, in Chromium: web-demo through
// a whole session (sign-up, live socket, people, posting, inbox, settings, profile), Swagger UI at
// /docs, and the dev outbox with an email preview. Not one violation may be reported. Also: the live
// socket carries its token as a subprotocol, never in the URL, and the 101 never echoes it.
describe('security headers in a real browser', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let user: BrowserUser;
  let cdp: CDPSession;
  let handshakes: Map<string, Handshake>;
  /** Console messages about the Content Security Policy, on any page of the context, any frame. */
  const cspConsole: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-csp-'));
    herald = await startHerald({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }),
      // Fallback emails within a second, so the dev outbox has a message to preview.
      env: { FALLBACK_DELAY_MS: '500', CHANNEL_SWEEP_MS: '100' },
    });
    url = herald.url.replace('//localhost:', '//127.0.0.1:');
    user = await launchUser('csp');
    await user.context.addInitScript(VIOLATION_SPY);
    user.context.on('console', (msg) => {
      if (/content[ -]security[ -]policy/i.test(msg.text())) cspConsole.push(`${msg.type()}: ${msg.text()}`);
    });
    cdp = await user.context.newCDPSession(user.page);
    handshakes = await watchHandshakes(cdp);
  }, 120_000);

  afterAll(async () => {
    try {
      await user?.close();
      await herald?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const violations = (page: Page) => page.evaluate(() => ((window as any).__csp ?? []) as unknown[]);

  it('runs web-demo end to end under its policy without a single violation', async () => {
    const { page } = user;
    const name = uniqueName('csp');
    const response = await page.goto(`${url}/#/register`);
    const csp = response!.headers()['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response!.headers()['x-frame-options']).toBe('DENY');
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    expect(response!.headers()['referrer-policy']).toBe('no-referrer');

    await page.fill(byTestId('register-username'), name);
    await page.fill(byTestId('register-email'), `${name}@example.test`);
    await page.fill(byTestId('register-password'), PASSWORD);
    await page.fill(byTestId('register-display-name'), 'Csp Tester');
    await page.click(byTestId('register-submit'));
    await expect.poll(() => page.textContent(byTestId('current-user')), LIVE_WAIT).toBe(`@${name}`);
    await page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 15_000 });

    // Someone to follow: registered over the API, away (no socket), so their follow notice goes by email.
    const api = apiClient(url);
    const away = await api.register(uniqueName('away'), { displayName: 'Away Person' });
    await page.click(byTestId('nav-people'));
    await page.fill(byTestId('people-search'), away.user.username.slice(0, 8));
    const row = page.locator(`${byTestId('person-result')}[data-username="${away.user.username}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator(byTestId('follow-button')).click();
    await row.locator(`${byTestId('follow-button')}[data-following="true"]`).waitFor({ timeout: 10_000 });

    // A post, then every other view.
    await page.click(byTestId('nav-home'));
    await page.fill(byTestId('post-text'), 'Policies all the way down');
    await page.click(byTestId('post-submit'));
    await page.locator(byTestId('post-item')).first().waitFor({ timeout: 10_000 });
    await page.click(byTestId('bell'));
    await page.locator(`${byTestId('inbox-empty')}, ${byTestId('notification-item')}`).first().waitFor({ timeout: 10_000 });
    await page.click(byTestId('nav-settings'));
    await page.locator(byTestId('settings-phone')).waitFor({ timeout: 10_000 });
    await page.click(byTestId('nav-profile'));
    await page.waitForLoadState('networkidle');
    // A reload brings the socket up again from a fresh document.
    await page.reload();
    await page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 15_000 });

    expect(await violations(page)).toEqual([]);
    expect(cspConsole).toEqual([]);
    expect(user.errors).toEqual([]);
  }, 90_000);

  it('authenticates the live socket with the bearer subprotocols: no token in the URL, none echoed in the 101', async () => {
    const { page } = user;
    const token = await page.evaluate(() => localStorage.getItem('herald.accessToken') ?? '');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const sockets = await page.evaluate(() => ((window as any).__ws.sockets as WebSocket[]).map((s) => ({ url: s.url, protocol: s.protocol })));
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) {
      expect(new URL(socket.url).pathname).toBe('/ws');
      expect(socket.url).not.toContain('token');
    }
    expect(sockets.at(-1)!.protocol).toBe('bearer');

    const seen = [...handshakes.values()].filter((h) => h.status !== undefined);
    expect(seen.length).toBeGreaterThan(0);
    for (const h of seen) {
      expect(h.url).not.toContain(token);
      expect(h.requestProtocols).toMatch(/^bearer, bearer\.[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(h.status).toBe(101);
      expect(h.responseHeaders!['sec-websocket-protocol']).toBe('bearer');
      expect(JSON.stringify(h.responseHeaders)).not.toMatch(/bearer\.[\w-]+\./);
    }
  });

  it('renders Swagger UI at /docs under its policy (the page one plus inline styles) without a violation', async () => {
    const page = await user.context.newPage();
    try {
      const response = await page.goto(`${url}/docs/`);
      expect(response!.status()).toBe(200);
      expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 });
      // The merged document loaded and its operations rendered.
      await expect.poll(() => page.locator('.swagger-ui .opblock').count(), LIVE_WAIT).toBeGreaterThan(5);
      await page.locator('.swagger-ui .opblock-summary').first().click();
      await page.waitForLoadState('networkidle');
      expect(await violations(page)).toEqual([]);
      expect(cspConsole).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('renders the dev outbox and its email preview under the dev-page policy without a violation', async () => {
    await waitFor(
      async () => {
        const res = await fetch(`${url}/dev/outbox.json`);
        return ((await res.json()) as { items: { channel: string }[] }).items.some((m) => m.channel === 'email') || undefined;
      },
      { what: 'a captured email', timeoutMs: 20_000 },
    );
    const page = await user.context.newPage();
    try {
      const response = await page.goto(`${url}/dev/outbox`);
      expect(response!.status()).toBe(200);
      const csp = response!.headers()['content-security-policy'];
      expect(csp).toContain("style-src 'unsafe-inline'");
      expect(csp).not.toContain('script-src');
      expect(await page.textContent('h1')).toBe('Dev outbox');
      // The inline styles applied (the page would be unstyled if the policy refused them).
      expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain('system-ui');
      await page.waitForLoadState('networkidle');
      const previews = page.frames().filter((f) => f !== page.mainFrame());
      expect(previews.length).toBeGreaterThan(0);
      // The email itself rendered inside its sandboxed srcdoc frame (which inherits the page's policy).
      expect((await previews[0]!.textContent('body'))?.trim().length).toBeGreaterThan(0);
      expect(await violations(page)).toEqual([]);
      expect(cspConsole).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
