// @ts-check
/// <reference lib="webworker" />
// Herald's service worker: Web Push on this device (docs/channels.md "Web Push"). Registered by the
// settings page when "Push notifications on this device" is switched on (lib/web-push.js), never
// before. The push service hands it what notification-service sent, already decrypted by the
// browser: {id, title, body, url, type, tag}. It shows a system notification, and a click opens
// (or brings back) the app where the notification leads.
//
// Checked by its own project (web-demo/tsconfig.sw.json, lib WebWorker), not with the pages (lib DOM).

// `self` is typed as any worker's scope; this script only ever runs as the service worker.
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener('install', () => sw.skipWaiting());
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

/**
 * The message of a push event; a payload that is not JSON is shown as its text.
 * @param {PushEvent} event
 * @returns {Record<string, unknown>}
 */
function messageOf(event) {
  if (!event.data) return {};
  try {
    const value = event.data.json();
    return value && typeof value === 'object' ? value : {};
  } catch {
    return { body: event.data.text() };
  }
}

/** Where a click leads: an http(s) URL (the tracked link to the item), else the app's start page. @param {unknown} url */
function targetOf(url) {
  try {
    const target = new URL(typeof url === 'string' && url ? url : '/', sw.location.origin);
    return target.protocol === 'https:' || target.protocol === 'http:' ? target.href : new URL('/', sw.location.origin).href;
  } catch {
    return new URL('/', sw.location.origin).href;
  }
}

/** @param {unknown} value  @param {number} max */
const text = (value, max) => (typeof value === 'string' ? value.slice(0, max) : '');

sw.addEventListener('push', (event) => {
  const message = messageOf(event);
  event.waitUntil((async () => {
    // The app is open and in front: its bell and toast already say it (the browser asks for a
    // notification only when no page of the site is in a focused, visible tab).
    const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
    if (windows.some((client) => client.visibilityState === 'visible' && client.focused)) return;
    const tag = text(message.tag, 200) || text(message.id, 100);
    await sw.registration.showNotification(text(message.title, 200) || 'Herald', {
      body: text(message.body, 1000),
      // One notification per group on screen: a newer one of the same group replaces it.
      ...(tag ? { tag, renotify: true } : {}),
      data: { id: text(message.id, 100), type: text(message.type, 32), url: targetOf(message.url) },
    });
  })());
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = targetOf(event.notification.data?.url);
  event.waitUntil((async () => {
    const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const app = windows.find((client) => new URL(client.url).origin === sw.location.origin);
    if (app && new URL(url).origin === sw.location.origin) {
      try {
        // The app's own tab goes where the notification leads, then comes to the front.
        const navigated = (await app.navigate(url)) ?? app;
        await navigated.focus().catch(() => {});
        return;
      } catch {
        // A tab this worker does not control cannot be navigated: open a new one instead.
      }
    }
    await sw.clients.openWindow(url);
  })());
});
