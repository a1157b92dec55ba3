// @ts-check
// Web Push on this device (docs/channels.md "Web Push"): the service worker (/sw.js), the browser's
// permission and push subscription, and the server's copy of it (docs/api.md, "Push subscriptions").
// Nothing here runs on page load: permission is asked only from the settings toggle.
import { t } from './i18n.js';
import { errorCode, errorMessage } from './errors.js';

const BASE = '/notifications/push-subscriptions';
export const SERVICE_WORKER_URL = '/sw.js';

export class PushSetupError extends Error {
  /** @override */
  name = 'PushSetupError';
  /**
   * @param {'unsupported'|'denied'|'dismissed'|'not_configured'|'subscribe_failed'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** 'unsupported' | 'insecure' | the notification permission: 'default', 'granted' or 'denied'. */
export function pushSupport(win = globalThis) {
  if (!win.navigator?.serviceWorker || !('PushManager' in win) || !('Notification' in win)) return 'unsupported';
  if (win.isSecureContext === false) return 'insecure';
  return win.Notification.permission;
}

/** The VAPID public key (base64url) as the bytes pushManager.subscribe wants. */
export function applicationServerKey(base64url) {
  const base64 = String(base64url).replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameBytes(a, b) {
  if (!a || !b) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** This browser's push subscription for the app, if it has one. */
export async function currentSubscription(nav = globalThis.navigator) {
  const registration = await nav.serviceWorker.getRegistration('/');
  return registration ? registration.pushManager.getSubscription() : null;
}

/** The server's entry for this browser's subscription, if both exist. */
export async function registeredEntry(api, subscription) {
  if (!subscription) return null;
  const res = await api.request('GET', BASE);
  return (res?.items ?? []).find((item) => item.endpoint === subscription.endpoint) ?? null;
}

/**
 * Switches push on for this browser: asks permission (this must run from the user's click), registers
 * the service worker, subscribes with the server's VAPID key (again if an old subscription used
 * another key) and registers the subscription. Returns the server's id.
 */
export async function enablePush(api, win = globalThis) {
  if (pushSupport(win) === 'unsupported' || pushSupport(win) === 'insecure') throw new PushSetupError('unsupported', t('push.error.unsupported'));
  const permission = await win.Notification.requestPermission();
  if (permission === 'denied') throw new PushSetupError('denied', t('push.error.denied'));
  if (permission !== 'granted') throw new PushSetupError('dismissed', t('push.error.dismissed'));

  let publicKey;
  try {
    ({ publicKey } = await api.request('GET', `${BASE}/vapid-public-key`));
  } catch (err) {
    if (errorCode(err) === 'push_not_configured') throw new PushSetupError('not_configured', t('push.error.notConfigured'));
    throw err;
  }
  const registration = await win.navigator.serviceWorker.register(SERVICE_WORKER_URL);
  await win.navigator.serviceWorker.ready;
  const key = applicationServerKey(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameBytes(subscription.options?.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (err) {
    throw new PushSetupError('subscribe_failed', t('push.error.subscribeFailed', { error: errorMessage(err) }));
  }
  const { endpoint, keys } = subscription.toJSON();
  const saved = await api.request('POST', BASE, { body: { endpoint, keys } });
  return saved.id;
}

/** Switches push off for this browser: the server forgets the subscription, then the browser drops it. */
export async function disablePush(api, nav = globalThis.navigator) {
  const subscription = await currentSubscription(nav);
  const entry = await registeredEntry(api, subscription);
  if (entry) {
    await api.request('DELETE', `${BASE}/${encodeURIComponent(entry.id)}`).catch((err) => {
      if (err?.status !== 404) throw err;
    });
  }
  if (subscription) await subscription.unsubscribe();
}

/** Makes sure the push channel is on in the person's preferences (a device that subscribed wants push). */
export async function ensurePushChannel(api) {
  const res = await api.preferences();
  const prefs = res?.preferences ?? res;
  if (prefs?.channels?.push) return false;
  await api.savePreferences({ ...prefs, channels: { ...prefs.channels, push: true } });
  return true;
}
