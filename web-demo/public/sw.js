// Herald's service worker: Web Push on this device (docs/channels.md "Web Push"). Registered by the
// settings page when "Push notifications on this device" is switched on (lib/web-push.js), never
// before. The push service hands it what notification-service sent, already decrypted by the
// browser: {id, title, body, url, type, tag}. It shows a system notification, and a click opens
// (or brings back) the app where the notification leads.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The message of a push event; a payload that is not JSON is shown as its text. */
function messageOf(event) {
  if (!event.data) return {};
  try {
    const value = event.data.json();
    return value && typeof value === 'object' ? value : {};
  } catch {
    return { body: event.data.text() };
  }
}

/** Where a click leads: an http(s) URL (the tracked link to the item), else the app's start page. */
function targetOf(url) {
  try {
    const target = new URL(typeof url === 'string' && url ? url : '/', self.location.origin);
    return target.protocol === 'https:' || target.protocol === 'http:' ? target.href : new URL('/', self.location.origin).href;
  } catch {
    return new URL('/', self.location.origin).href;
  }
}

const text = (value, max) => (typeof value === 'string' ? value.slice(0, max) : '');

self.addEventListener('push', (event) => {
  const message = messageOf(event);
  event.waitUntil((async () => {
    // The app is open and in front: its bell and toast already say it (the browser asks for a
    // notification only when no page of the site is in a focused, visible tab).
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    if (windows.some((client) => client.visibilityState === 'visible' && client.focused)) return;
    const tag = text(message.tag, 200) || text(message.id, 100);
    await self.registration.showNotification(text(message.title, 200) || 'Herald', {
      body: text(message.body, 1000),
      // One notification per group on screen: a newer one of the same group replaces it.
      ...(tag ? { tag, renotify: true } : {}),
      data: { id: text(message.id, 100), type: text(message.type, 32), url: targetOf(message.url) },
    });
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = targetOf(event.notification.data?.url);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const app = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (app && new URL(url).origin === self.location.origin) {
      try {
        // The app's own tab goes where the notification leads, then comes to the front.
        const navigated = (await app.navigate(url)) ?? app;
        await navigated.focus().catch(() => {});
        return;
      } catch {
        // A tab this worker does not control cannot be navigated: open a new one instead.
      }
    }
    await self.clients.openWindow(url);
  })());
});
