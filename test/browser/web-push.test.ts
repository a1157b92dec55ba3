/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { CDPSession, Page, Worker } from 'playwright-core';
import { fakeBrowser, freePort, startPushService, type LocalPushService } from '@herald/platform/testing';
import { startHerald, type Herald } from '../../embedded/herald.js';
import { apiClient, uniqueName } from '../support/client.js';
import { waitFor } from '../support/wait.js';
import { byTestId, launchUser, type BrowserUser } from './support/browser.js';

const PASSWORD = 'correct horse battery';
const BASE = '/api/v1/notifications/push-subscriptions';

/**
 * Runs before the page's scripts. Headless Chromium has no push service (no Google Cloud Messaging
 * behind it): pushManager.subscribe rejects. So subscribe is wrapped: the real call is still made
 * and its outcome logged in window.__push.log, then a subscription is returned whose endpoint is
 * the test's push service on 127.0.0.1 and whose keys are a P-256 pair and auth secret the test
 * made in Node, as a browser makes them (the test keeps the private half to decrypt). The app's own
 * code (lib/web-push.js) is unchanged: it gets the VAPID key from the server, subscribes with it and
 * registers the subscription. Notification.requestPermission is counted, to prove when it is asked.
 */
const PUSH_STUB = ({ endpoint, p256dh, auth }: { endpoint: string; p256dh: string; auth: string }) => {
  const STORE = 'herald.test.pushSubscription';
  const state = ((window as any).__push = { log: [] as unknown[], permissionRequests: 0 });
  const toBase64url = (buffer: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
  const subscription = (applicationServerKey: string) => ({
    endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: fromBase64url(applicationServerKey) },
    getKey: (name: string) => fromBase64url(name === 'auth' ? auth : p256dh),
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => {
      localStorage.removeItem(STORE);
      state.log.push('unsubscribe');
      return true;
    },
  });
  if (typeof PushManager === 'undefined') return;
  const realSubscribe = PushManager.prototype.subscribe;
  PushManager.prototype.subscribe = async function (this: PushManager, options?: PushSubscriptionOptionsInit) {
    // The real call, bounded: it may also never settle.
    const real = await Promise.race([
      realSubscribe.call(this, options).then(() => 'subscribed', (err: Error) => `${err.name}: ${err.message}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 3 s'), 3000)),
    ]);
    state.log.push({ real });
    const key = toBase64url(options!.applicationServerKey as ArrayBuffer);
    state.log.push({ subscribe: { applicationServerKey: key, userVisibleOnly: options!.userVisibleOnly } });
    localStorage.setItem(STORE, key);
    return subscription(key) as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async function () {
    const key = localStorage.getItem(STORE);
    return (key ? subscription(key) : null) as unknown as PushSubscription;
  };
  const realRequest = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (async (...args: Parameters<typeof Notification.requestPermission>) => {
    state.permissionRequests += 1;
    return realRequest(...args);
  }) as typeof Notification.requestPermission;
};

// Web Push from the settings toggle to a system notification, in Chromium against embedded Herald,
// with the test's push service standing in for the browser vendor's (docs/channels.md "Web Push").
describe('Web Push in a real browser', () => {
  let herald: Herald;
  let dataDir: string;
  let url: string;
  let push: LocalPushService;
  let pat: BrowserUser;
  const browser = fakeBrowser();

  beforeAll(async () => {
    push = await startPushService();
    push.register('chromium', browser);
    dataDir = mkdtempSync(path.join(tmpdir(), 'herald-browser-push-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    herald = await startHerald({
      dataDir,
      port,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }),
      // The push service is on loopback http (PUSH_ALLOW_HTTP); links in messages point here.
      env: { FALLBACK_DELAY_MS: '300', CHANNEL_SWEEP_MS: '50', PUSH_ALLOW_HTTP: 'true', PUBLIC_URL: url },
    });
    pat = await launchUser('pat');
    await pat.context.grantPermissions(['notifications'], { origin: url });
    await pat.context.addInitScript(PUSH_STUB, { endpoint: push.endpoint('chromium'), ...browser.keys });
  }, 120_000);

  afterAll(async () => {
    try {
      await pat?.close();
      await herald?.close();
      await push?.close();
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  const pushState = () => pat.page.evaluate(() => (window as any).__push as { log: any[]; permissionRequests: number });
  const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('herald.accessToken') ?? '');
  const token = () => tokenOf(pat.page);

  /** The registration id CDP knows the app's service worker by, for ServiceWorker.deliverPushMessage. */
  async function registrationId(cdp: CDPSession): Promise<string> {
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    return waitFor(() => registrations.find((r) => r.scopeURL === `${url}/` && !r.isDeleted)?.registrationId, { what: 'the service worker registration' });
  }

  /**
   * The app's service worker as it runs now: the browser stops an idle worker and starts a new one
   * for the next event (a closed tab, a push), and Playwright shows each as its own Worker.
   */
  const worker = async (): Promise<Worker> =>
    waitFor(() => pat.context.serviceWorkers().filter((w) => w.url() === `${url}/sw.js`).at(-1), { what: 'a running service worker' });
  const inWorker = async <T>(fn: () => Promise<T>): Promise<T> => (await worker()).evaluate(fn);
  const notifications = () =>
    inWorker(async () => (await (self as any).registration.getNotifications()).map((n: Notification) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })));

  it('subscribes from the settings toggle, and a push for a closed tab shows a system notification whose click opens the item', async () => {
    const { page, context } = pat;
    const username = uniqueName('pat');
    await page.goto(`${url}/#/register`);
    await page.fill(byTestId('register-username'), username);
    await page.fill(byTestId('register-email'), `${username}@example.test`);
    await page.fill(byTestId('register-password'), PASSWORD);
    await page.fill(byTestId('register-display-name'), 'Pat Quinn');
    await page.click(byTestId('register-submit'));
    await page.waitForSelector(`${byTestId('connection-status')}[data-state="live"]`, { timeout: 15_000 });

    // Settings: the toggle is off, no permission was asked on any page load, no worker registered.
    await page.goto(`${url}/#/settings`);
    const card = byTestId('push-card');
    await page.waitForSelector(`${card}[data-state="off"]`);
    expect((await pushState()).permissionRequests).toBe(0);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/')) === undefined)).toBe(true);
    expect(await page.isChecked(byTestId('pref-channel-push'))).toBe(false);

    await page.click(byTestId('push-toggle'));
    await page.waitForSelector(`${card}[data-state="on"]`);
    expect(await page.textContent(byTestId('push-status'))).toBe('Push is on for this device.');
    const state = await pushState();
    expect(state.permissionRequests).toBe(1);
    // What headless Chromium itself says when asked for a real subscription (no push service behind it).
    console.log(`pushManager.subscribe in headless Chromium: ${JSON.stringify(state.log.find((l) => l.real)?.real)}`);
    // The app subscribed with the server's VAPID key (the one embedded mode keeps in its data dir).
    const vapid = JSON.parse(readFileSync(path.join(dataDir, 'keys', 'vapid.json'), 'utf8')) as { publicKey: string };
    const api = apiClient(url);
    expect((await api.call('GET', `${BASE}/vapid-public-key`, undefined, await token())).body).toEqual({ publicKey: vapid.publicKey });
    expect(state.log).toContainEqual({ subscribe: { applicationServerKey: vapid.publicKey, userVisibleOnly: true } });
    // The subscription reached the server, and the push channel was switched on with it.
    const listed = await api.call('GET', BASE, undefined, await token());
    expect(listed.body.items).toEqual([{ id: expect.any(String), endpoint: push.endpoint('chromium'), createdAt: expect.any(String) }]);
    expect((await api.call('GET', '/api/v1/users/me/preferences', undefined, await token())).body.channels.push).toBe(true);
    expect(await page.isChecked(byTestId('pref-channel-push'))).toBe(true);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).toBe(`${url}/sw.js`);

    // Pat closes the tab: away. A fan follows Pat; after FALLBACK_DELAY_MS Herald pushes it.
    const { user } = await page.evaluate(() => ({ user: JSON.parse(localStorage.getItem('herald.user') ?? 'null') }));
    const blank = await context.newPage();
    await page.close();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the socket's close reaches presence
    const fan = await api.register(uniqueName('fan'), { displayName: 'Fan Ray' });
    expect((await api.call('POST', `/api/v1/users/${user.id}/follow`, undefined, fan.accessToken)).status).toBe(204);

    // The push service got it encrypted to this browser's keys, with Herald's VAPID JWT for its origin.
    const received = await push.next('chromium', (r) => r.status === 201, 20_000);
    const receivedAt = Date.now();
    expect(received.error).toBeUndefined();
    expect(received.vapid).toMatchObject({ publicKey: vapid.publicKey, claims: { aud: push.origin } });
    const payload = received.payload as { id: string; title: string; body: string; url: string; type: string; tag?: string };
    expect(payload).toMatchObject({ type: 'follow', title: expect.stringContaining('Fan Ray'), url: expect.stringMatching(new RegExp(`^${url}/t/c/`)) });

    // What the push service would hand the browser, given to the app's worker with no app tab open.
    const cdp = await context.newCDPSession(blank);
    const registration = await registrationId(cdp);
    // A push service keeps a message until the browser acknowledges it and hands it over again
    // otherwise; on a loaded machine a worker that is starting can miss a hand-over, so it is
    // repeated every 8 s until the notification shows, as the push service would (its tag makes a
    // repeat replace it).
    const deliverUntilShown = async (data: { id: string; tag?: string }, what: string) => {
      const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: `${url}/`, registrationId: registration, data: JSON.stringify(data) });
      await deliver();
      let handedAt = Date.now();
      return waitFor(
        async () => {
          const found = (await notifications()).find((n: any) => n.data?.id === data.id);
          if (!found && Date.now() - handedAt > 8_000) {
            handedAt = Date.now();
            await deliver();
          }
          return found;
        },
        { what, timeoutMs: 40_000 },
      );
    };
    const shown = await deliverUntilShown(payload, 'the system notification');
    expect(shown).toEqual({ title: payload.title, body: payload.body, tag: payload.tag ?? payload.id, data: { id: payload.id, type: 'follow', url: payload.url } });

    // A click (dispatched in the worker: headless has no notification to click) brings the app's
    // tab to the item, through the tracked link.
    const app = await context.newPage();
    app.on('pageerror', (err) => pat.errors.push(`pageerror: ${err.message}`));
    await app.goto(`${url}/#/inbox`);
    await app.waitForFunction(() => navigator.serviceWorker.controller !== null);
    // A click within 2 s of the send is taken for a link scanner's and not counted (channels/tracking.ts).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2_500 - (Date.now() - receivedAt))));
    await waitFor(() =>
      inWorker(async () => {
        const [n] = await (self as any).registration.getNotifications();
        self.dispatchEvent(new (self as any).NotificationEvent('notificationclick', { notification: n }));
        return true;
      }), { what: 'the click dispatched in the worker' });
    await app.waitForURL(new RegExp(`^${url}/\\?notification=${payload.id}`), { timeout: 10_000 });
    expect((await waitFor(async () => ({ list: await notifications() }), { what: 'the worker’s notifications' })).list).toEqual([]);
    // The push delivery was sent, then clicked (the tracked link), as the status route shows Pat.
    await waitFor(async () => {
      const status = await api.call('GET', `/api/v1/notifications/status?id=${payload.id}`, undefined, await tokenOf(app));
      return status.body?.channels?.find((c: { channel: string; status: string }) => c.channel === 'push' && c.status === 'clicked');
    }, { what: 'the push delivery clicked' });

    // With the app in front, a push shows nothing: the tab's bell and toast already say it.
    await app.bringToFront();
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${url}/`, registrationId: registration, data: JSON.stringify({ ...payload, id: 'again', tag: 'again' }) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Then the tab leaves the app and one more push comes: it shows, and it is the only one shown
    // (events reach the worker in order, so the one before was handled, and skipped).
    await app.goto('about:blank');
    await deliverUntilShown({ ...payload, id: 'third', tag: 'third' }, 'the third notification');
    expect((await notifications()).map((n: any) => n.data.id)).toEqual(['third']);
    pat.page = app;
  }, 180_000);

  it('switching the toggle off removes the subscription from the server and the browser', async () => {
    const page = pat.page;
    await page.goto(`${url}/#/settings`);
    const card = byTestId('push-card');
    await page.waitForSelector(`${card}[data-state="on"]`);
    expect(await page.isChecked(byTestId('push-toggle'))).toBe(true);
    await page.click(byTestId('push-toggle'));
    await page.waitForSelector(`${card}[data-state="off"]`);
    expect((await apiClient(url).call('GET', BASE, undefined, await token())).body).toEqual({ items: [] });
    expect((await pushState()).log).toContain('unsubscribe');
    // Back on: asked again, registered again.
    await page.click(byTestId('push-toggle'));
    await page.waitForSelector(`${card}[data-state="on"]`);
    expect((await apiClient(url).call('GET', BASE, undefined, await token())).body.items).toHaveLength(1);
    expect(pat.errors).toEqual([]);
  }, 60_000);
});
