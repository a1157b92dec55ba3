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

const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * Compact on purpose (about 60 characters): kind, channel index and the notification id's hex,
 * then a truncated HMAC. The click target is not in the token: it is always the notification in
 * the web app (PUBLIC_URL), so a token can never become an open redirect.
 */
export class TrackingSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the tracking secret must be at least 16 characters');
  }

  sign(payload: TrackingPayload): string {
    const body = `${payload.k}${OUT_OF_BAND_CHANNELS.indexOf(payload.c)}${payload.n.replace(/-/g, '').toLowerCase()}`;
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string): TrackingPayload | undefined {
    const dot = token.indexOf('.');
    if (dot !== 34 || token.length > 80) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const k = body[0];
    const c = OUT_OF_BAND_CHANNELS[Number(body[1])];
    const hex = body.slice(2);
    if ((k !== 'c' && k !== 'o') || !c || !UUID_HEX.test(hex)) return undefined;
    return { k, c, n: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(`herald-tracking.${body}`).digest().subarray(0, 18).toString('base64url');
  }
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
