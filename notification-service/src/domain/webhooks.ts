import { retryDelayMs } from './channels.js';
import type { RetryPolicy } from './fallback-rules.js';

/**
 * Status webhooks (docs/channels.md "Status webhooks"): a send-API caller registers a URL and hears
 * about every status change of the deliveries of the notifications it sent, signed per Standard
 * Webhooks. This file is the pure part: event names, the body, URL rules and the retry schedule.
 */

/** The delivery statuses a webhook reports; each is subscribable as `delivery.<status>`. */
export const WEBHOOK_STATUSES = ['sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced', 'cancelled'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
export const WEBHOOK_EVENTS = WEBHOOK_STATUSES.map((s) => `delivery.${s}` as const);
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** The `type` of every status message (the events above only filter which ones an endpoint gets). */
export const DELIVERY_STATUS_EVENT = 'delivery.status';

export const WEBHOOK_URL_MAX = 2048;
/** Endpoints one sender may have at once. */
export const MAX_WEBHOOKS_PER_OWNER = 20;

export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const DATA_ORDER = ['notificationId', 'channel', 'status', 'reason', 'provider', 'attempts'];

/**
 * The exact body sent (and signed). PostgreSQL's jsonb keeps keys in its own order; the body puts
 * them back in the documented one, so a log of it reads like the docs.
 */
export function webhookBody(payload: WebhookPayload): string {
  const data: Record<string, unknown> = {};
  for (const key of DATA_ORDER) if (payload.data[key] !== undefined && payload.data[key] !== null) data[key] = payload.data[key];
  for (const [key, value] of Object.entries(payload.data)) if (!(key in data) && value !== undefined && value !== null) data[key] = value;
  return JSON.stringify({ type: payload.type, timestamp: payload.timestamp, data });
}

/**
 * Why `raw` cannot be a webhook URL, or undefined when it can. Strict (production): https only, and
 * no host that names this machine or a private network. `allowHttp` (WEBHOOK_ALLOW_HTTP, embedded
 * mode, tests) also admits http:// and local addresses.
 */
export function webhookUrlProblem(raw: string, allowHttp: boolean): string | undefined {
  if (raw.length > WEBHOOK_URL_MAX) return `must be at most ${WEBHOOK_URL_MAX} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !allowHttp) return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (!allowHttp && isLocalHost(url.hostname)) return 'must not point at a private or local address';
  return undefined;
}

/** A host name that is, or obviously resolves to, this machine or a private network. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  return (parseV4(host) !== undefined || parseV6(host) !== undefined) && !isPublicAddress(host);
}

// [network, prefix length]
const V4_NOT_PUBLIC: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, cloud metadata (169.254.169.254)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24 protocol assignments
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 3], // multicast and reserved (224/3)
];

function parseV4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.reduce((n, p) => n * 256 + p, 0) : undefined;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed), or undefined. */
function parseV6(ip: string): number[] | undefined {
  if (!ip.includes(':') || !/^[0-9a-f:.]+$/.test(ip)) return undefined;
  let text = ip;
  const tail: number[] = [];
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = parseV4(v4[1]!);
    if (n === undefined) return undefined;
    tail.push(Math.floor(n / 65536), n % 65536);
    text = text.slice(0, -v4[1]!.length);
    // "::ffff:1.2.3.4" leaves "::ffff:", "::1.2.3.4" leaves "::": drop a single trailing colon only.
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const known = head.length + rest.length + tail.length;
  if (known > 8 || (halves.length === 1 && known !== 8) || (halves.length === 2 && known === 8)) return undefined;
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const hex = (g: string) => parseInt(g, 16);
  return [...head.map(hex), ...Array<number>(8 - known).fill(0), ...rest.map(hex), ...tail];
}

/** True for an address on the public internet; false for loopback, private, link-local, CGNAT, multicast, documentation and the like. */
export function isPublicAddress(address: string): boolean {
  const v4 = parseV4(address);
  if (v4 !== undefined) return !V4_NOT_PUBLIC.some(([net, bits]) => Math.floor(v4 / 2 ** (32 - bits)) === Math.floor(net / 2 ** (32 - bits)));
  const g = parseV6(address.toLowerCase().replace(/^\[|\]$/g, ''));
  if (!g) return false;
  const embedded = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // :: and ::1; IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the IPv4 inside.
  if (zeros(0, 6)) return isPublicAddress(embedded);
  if (zeros(0, 5) && g[5] === 0xffff) return isPublicAddress(embedded);
  // NAT64 (64:ff9b::/96) carries an IPv4 address too.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return isPublicAddress(embedded);
  const first = g[0]!;
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 2001:db8::/32 documentation
  if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false;
  return !(first === 0x2001 && g[1] === 0x0db8);
}

export type WebhookAttemptOutcome = { action: 'delivered' } | { action: 'retry'; at: Date } | { action: 'failed' };

/**
 * After one attempt: a 2xx is delivered; anything else (another status, a timeout, a refused
 * connection) waits a backoff with full jitter (never less than the receiver's Retry-After), until
 * `maxAttempts` attempts were made. `attempts` counts the one just made.
 */
export function afterWebhookAttempt(
  result: { status?: number; retryAfterMs?: number },
  attempts: number,
  policy: RetryPolicy,
  now: Date,
  random: () => number = Math.random,
): WebhookAttemptOutcome {
  if (result.status !== undefined && result.status >= 200 && result.status < 300) return { action: 'delivered' };
  if (attempts >= policy.maxAttempts) return { action: 'failed' };
  const delay = retryDelayMs(attempts, { baseMs: policy.baseMs, maxMs: policy.maxMs, ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}) }, random);
  return { action: 'retry', at: new Date(now.getTime() + delay) };
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
