import { createHmac, timingSafeEqual } from 'node:crypto';
import { OUT_OF_BAND_CHANNELS, type OutOfBandChannel } from '../domain/channels.js';

/**
 * Signed tracking links (docs/api.md "Tracking"): `/t/c/<token>` redirects to the target and records
 * `clicked`; `/t/o/<token>` is the open pixel. The token is the payload and an HMAC-SHA256 of it, so
 * a forged or altered token is refused (404) and the redirect can never be turned into an open
 * redirect to somewhere Herald did not write into the message.
 */
export interface TrackingPayload {
  /** notification id */
  n: string;
  c: OutOfBandChannel;
  /** `c`: a click (redirects to the notification in the web app); `o`: the open pixel. */
  k: 'c' | 'o';
}

/**
 * A link or pixel in a digest (docs/channels.md "Digests"): it names the digest (one message on one
 * channel), and for an item's link the notification it leads to; without `n`, a click leads to the
 * inbox. Like a notification's token it carries ids only, never a URL.
 */
export interface DigestTrackingPayload {
  /** digest id */
  d: string;
  c: OutOfBandChannel;
  k: 'c' | 'o';
  /** The item an item link leads to (clicks only). */
  n?: string;
}

export type TrackedPayload = TrackingPayload | DigestTrackingPayload;

export const isDigestPayload = (p: TrackedPayload): p is DigestTrackingPayload => 'd' in p;

/**
 * The first character of a token's body. `c` and `o` are the notification tokens of the first
 * format, in emails already sent: they keep their exact layout (hex id, body of 34 characters).
 * Digest tokens got letters of their own rather than a changed layout.
 */
const KIND = { click: 'c', open: 'o', digestInbox: 'd', digestItem: 'i', digestOpen: 'p' } as const;

const UUID_HEX = /^[0-9a-f]{32}$/;
const B64_UUID = /^[A-Za-z0-9_-]{22}$/;

const hexOf = (uuid: string) => uuid.replace(/-/g, '').toLowerCase();
const uuidOfHex = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
// Digest tokens carry ids as base64url of their 16 bytes (22 characters, not 32): an item link names
// two ids and must stay short enough for a Slack line.
const b64OfUuid = (uuid: string) => Buffer.from(hexOf(uuid), 'hex').toString('base64url');
function uuidOfB64(text: string): string | undefined {
  if (!B64_UUID.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Only the canonical spelling (the last character's spare bits zero) names the id.
  return bytes.length === 16 && bytes.toString('base64url') === text ? uuidOfHex(bytes.toString('hex')) : undefined;
}

/** Body lengths per kind: the dot sits right after the body, so a body of the wrong length is refused before any HMAC. */
const BODY_LENGTH: Record<string, number> = { c: 34, o: 34, d: 24, p: 24, i: 46 };

/**
 * Compact on purpose: kind, channel index and the id(s), then a truncated HMAC. A notification's
 * token is about 60 characters, a digest's 49 (its item links 71). The click target is never in
 * the token: it is derived from the ids (the notification in the web app, or the inbox, under
 * PUBLIC_URL), so a token can never become an open redirect.
 */
export class TrackingSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the tracking secret must be at least 16 characters');
  }

  sign(payload: TrackedPayload): string {
    const channel = OUT_OF_BAND_CHANNELS.indexOf(payload.c);
    if (channel < 0) throw new Error(`not an out-of-band channel: ${payload.c}`);
    let body: string;
    if (!isDigestPayload(payload)) body = `${payload.k}${channel}${hexOf(payload.n)}`;
    else if (payload.k === 'o') body = `${KIND.digestOpen}${channel}${b64OfUuid(payload.d)}`;
    else body = payload.n ? `${KIND.digestItem}${channel}${b64OfUuid(payload.d)}${b64OfUuid(payload.n)}` : `${KIND.digestInbox}${channel}${b64OfUuid(payload.d)}`;
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string): TrackedPayload | undefined {
    const dot = token.indexOf('.');
    if (dot < 0 || token.length > 100 || BODY_LENGTH[token[0] ?? ''] !== dot) return undefined;
    const body = token.slice(0, dot);
    // Compared as text, not decoded: base64url decoding ignores a stray trailing character, and a
    // token must have exactly one spelling.
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(body));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const k = body[0];
    const c = OUT_OF_BAND_CHANNELS[Number(body[1])];
    if (!c || !/^\d$/.test(body[1]!)) return undefined;
    const rest = body.slice(2);
    if (k === KIND.click || k === KIND.open) return UUID_HEX.test(rest) ? { k, c, n: uuidOfHex(rest) } : undefined;
    const d = uuidOfB64(rest.slice(0, 22));
    if (!d) return undefined;
    if (k === KIND.digestOpen) return { k: 'o', c, d };
    if (k === KIND.digestInbox) return { k: 'c', c, d };
    const n = uuidOfB64(rest.slice(22));
    return n ? { k: 'c', c, d, n } : undefined;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(`herald-tracking.${body}`).digest().subarray(0, 18).toString('base64url');
  }
}

/**
 * Where a tracked click leads, derived from the token's ids only: the notification in the web app
 * (a notification's link, a digest's item link) or the inbox (a digest's inbox link).
 */
export function clickTargetOf(publicUrl: string, payload: TrackedPayload): string {
  const base = publicUrl.replace(/\/+$/, '');
  return payload.n ? `${base}/?notification=${payload.n}` : `${base}/#/inbox`;
}

// Mail proxies and link scanners fetch pixels (and sometimes links) on delivery, not when a person
// looks: such opens are recorded as flagged and never counted.
const MACHINE_AGENTS = /GoogleImageProxy|YahooMailProxy|Yahoo! Slurp|ggpht\.com|Barracuda|Mimecast|Proofpoint|Microsoft Office Protection|SafeLinks|bot\b|crawler|spider|preview|curl\/|python-requests|Go-http-client/i;

/** True for an open or click that a machine made (a proxy, scanner or prefetch), or too soon after the send to be a person. */
export function isMachineRequest(userAgent: string | undefined, secondsSinceSent: number | null): boolean {
  if (!userAgent) return true;
  if (MACHINE_AGENTS.test(userAgent)) return true;
  return secondsSinceSent !== null && secondsSinceSent < 2;
}
