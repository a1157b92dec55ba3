import { ECDH } from 'node:crypto';
import { isLocalHost } from './webhooks.js';

/**
 * Web Push (docs/channels.md "Web Push"): a browser's subscription (RFC 8030 endpoint and the
 * RFC 8291 keys it encrypts with), the rules a subscription must meet, and what the service worker
 * receives. This file is the pure part; the store is a port, the sender an adapter.
 */

/** What a browser's `PushSubscription.toJSON()` gives, as Herald keeps it. */
export interface PushSubscriptionKeys {
  endpoint: string;
  /** base64url of the browser's P-256 public key, uncompressed (65 bytes). */
  p256dh: string;
  /** base64url of the 16-byte authentication secret. */
  auth: string;
}

export interface PushSubscription extends PushSubscriptionKeys {
  id: string;
  userId: string;
  createdAt: string;
}

/** What the owner sees of their subscriptions (GET): no keys. */
export type PushSubscriptionSummary = Pick<PushSubscription, 'id' | 'endpoint' | 'createdAt'>;

/** Subscriptions one person may have at once; a new one beyond this replaces their oldest. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_USER = 20;
export const PUSH_ENDPOINT_MAX = 2048;

/**
 * Where a person's browsers are reached: the subscriptions, keyed by endpoint. The same endpoint
 * saved again (by the same person) keeps its id; saved by someone else (a shared browser, a new
 * sign-in) it moves to them, so the previous person's notifications stop reaching that browser.
 */
export interface PushSubscriptionStore {
  save(userId: string, keys: PushSubscriptionKeys, newId: string): Promise<{ id: string; created: boolean }>;
  /** The person's subscriptions, oldest first, with their keys (for sending). */
  forUser(userId: string): Promise<PushSubscription[]>;
  /** Removes one of the person's own; false when it is not theirs or already gone. */
  remove(userId: string, id: string): Promise<boolean>;
  /**
   * The push service answered 404/410 for it: removed, unless it was saved again with other keys
   * since it was read (a browser that resubscribed on the same endpoint).
   */
  removeGone(subscription: Pick<PushSubscription, 'id' | 'p256dh' | 'auth'>): Promise<boolean>;
}

export class PushSubscriptionProblem extends Error {
  override readonly name = 'PushSubscriptionProblem';
  constructor(
    readonly field: 'endpoint' | 'keys' | 'keys.p256dh' | 'keys.auth',
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Why `raw` cannot be a push endpoint, or undefined when it can: an https URL on a public host,
 * without credentials. `allowLoopbackHttp` (PUSH_ALLOW_HTTP, for tests and local push services) also
 * admits http and https on 127.0.0.1, localhost and [::1], and nothing else that is local.
 */
export function pushEndpointProblem(raw: string, allowLoopbackHttp: boolean): string | undefined {
  if (raw.length > PUSH_ENDPOINT_MAX) return `must be at most ${PUSH_ENDPOINT_MAX} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute https URL';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopbackAllowed = allowLoopbackHttp && LOOPBACK.has(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackAllowed)) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (!loopbackAllowed && isLocalHost(url.hostname)) return 'must not point at a private or local address';
  return undefined;
}

function base64urlBytes(value: string): Buffer | undefined {
  return BASE64URL.test(value) ? Buffer.from(value, 'base64url') : undefined;
}

/**
 * Checks a subscription as the browser sent it (`{endpoint, keys: {p256dh, auth}}`) and returns it
 * normalized (keys without padding); throws PushSubscriptionProblem naming the field.
 */
export function parsePushSubscription(input: { endpoint: string; keys: { p256dh: string; auth: string } }, allowLoopbackHttp: boolean): PushSubscriptionKeys {
  const problem = pushEndpointProblem(input.endpoint, allowLoopbackHttp);
  if (problem) throw new PushSubscriptionProblem('endpoint', problem);
  const p256dh = base64urlBytes(input.keys.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 0x04) {
    throw new PushSubscriptionProblem('keys.p256dh', 'must be the base64url of an uncompressed P-256 public key (65 bytes)');
  }
  try {
    // Refuses bytes that are not a point of the curve: encryption to it could never work.
    ECDH.convertKey(p256dh, 'prime256v1', undefined, undefined, 'compressed');
  } catch {
    throw new PushSubscriptionProblem('keys.p256dh', 'is not a point on the P-256 curve');
  }
  const auth = base64urlBytes(input.keys.auth);
  if (!auth || auth.length !== 16) throw new PushSubscriptionProblem('keys.auth', 'must be the base64url of a 16-byte secret');
  return { endpoint: input.endpoint, p256dh: p256dh.toString('base64url'), auth: auth.toString('base64url') };
}

/** What the service worker receives (decrypted by the browser): the JSON of web-demo/public/sw.js. */
export interface PushPayload {
  /** The notification id. */
  id: string;
  title: string;
  body: string;
  /** Where a click leads (absent: the app's start page). */
  url?: string;
  type: string;
  /** The group (groupKey): a newer notification of the same group replaces the older one on screen. */
  tag?: string;
}

/**
 * A push message's payload must fit in one 4096-byte record after encryption (RFC 8291 §4: 86
 * bytes of overhead with aes128gcm); Herald keeps the JSON under 3,000 bytes, shortening the body first.
 */
export const PUSH_PAYLOAD_MAX_BYTES = 3000;

export function pushPayload(p: PushPayload): string {
  const clean: PushPayload = { id: p.id, title: p.title, body: p.body, type: p.type };
  if (p.url) clean.url = p.url;
  if (p.tag) clean.tag = p.tag;
  let json = JSON.stringify(clean);
  const body = [...p.body];
  for (let room = body.length; Buffer.byteLength(json) > PUSH_PAYLOAD_MAX_BYTES && room > 0; ) {
    room = Math.floor(room * 0.8);
    clean.body = room > 0 ? `${body.slice(0, room).join('')}…` : '';
    json = JSON.stringify(clean);
  }
  if (Buffer.byteLength(json) > PUSH_PAYLOAD_MAX_BYTES) {
    clean.title = [...clean.title].slice(0, 200).join('');
    delete clean.tag;
    json = JSON.stringify(clean);
  }
  return json;
}
