import { describe, expect, it } from 'vitest';
import { clickTargetOf, isMachineRequest, TrackingSigner, type TrackedPayload } from '../../../src/channels/tracking.js';

/**
 * Tracking tokens (channels/tracking.ts): notification and digest tokens round-trip, anything
 * altered or signed with another key is refused, and tokens already sent in emails keep working.
 */

const SECRET = 'an-old-tracking-secret-0123456789';
const signer = new TrackingSigner(SECRET);
const N = '01a208b5-48f5-7000-8000-00000000abcd';
const D = '01a208b6-0000-7abc-9def-0123456789ab';

/** Each character of the token replaced, one at a time. */
function* mutations(token: string): Generator<string> {
  for (let i = 0; i < token.length; i++) {
    const replacement = token[i] === 'A' ? 'B' : 'A';
    yield `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
  }
}

describe('TrackingSigner', () => {
  const payloads: TrackedPayload[] = [
    { n: N, c: 'email', k: 'c' },
    { n: N, c: 'push', k: 'o' },
    { d: D, c: 'email', k: 'c' },
    { d: D, c: 'slack', k: 'c', n: N },
    { d: D, c: 'email', k: 'o' },
    { d: D, c: 'sms', k: 'c' },
  ];

  it.each(payloads)('round-trips %j', (payload) => {
    const token = signer.sign(payload);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(signer.verify(token)).toEqual(payload);
  });

  it('keeps digest tokens compact: ids as base64url, the item link under 72 characters', () => {
    expect(signer.sign({ d: D, c: 'email', k: 'c' })).toHaveLength(49);
    expect(signer.sign({ d: D, c: 'email', k: 'o' })).toHaveLength(49);
    expect(signer.sign({ d: D, c: 'email', k: 'c', n: N })).toHaveLength(71);
  });

  it('still verifies tokens of the first format, as emails already sent carry them', () => {
    // Signed by the first TrackingSigner (before digest tokens) with SECRET.
    expect(signer.verify('c001a208b548f57000800000000000abcd.HoxCL7wpLDZOmKa7rykm_YDv')).toEqual({ n: N, c: 'email', k: 'c' });
    expect(signer.verify('o001a208b548f57000800000000000abcd.CpkdSQUqokLKlO0F_AF00q6A')).toEqual({ n: N, c: 'email', k: 'o' });
    expect(signer.verify('c201a208b548f57000800000000000abcd.-OjBh7ut-zmyUWQYpNWgFAAP')).toEqual({ n: N, c: 'slack', k: 'c' });
    // And a notification's token is still signed exactly that way.
    expect(signer.sign({ n: N, c: 'email', k: 'c' })).toBe('c001a208b548f57000800000000000abcd.HoxCL7wpLDZOmKa7rykm_YDv');
  });

  it.each(payloads)('refuses every altered character of %j', (payload) => {
    const token = signer.sign(payload);
    for (const forged of mutations(token)) expect(signer.verify(forged), forged).toBeUndefined();
  });

  it('refuses tokens signed with another secret, truncated, padded or with a kind swapped', () => {
    const other = new TrackingSigner('another-tracking-secret-98765');
    for (const payload of payloads) expect(signer.verify(other.sign(payload))).toBeUndefined();
    const item = signer.sign({ d: D, c: 'email', k: 'c', n: N });
    expect(signer.verify(item.slice(0, -1))).toBeUndefined();
    expect(signer.verify(`${item}A`)).toBeUndefined();
    // The inbox link's body with the item kind letter (and the other way round): a different body, so a different MAC.
    const inbox = signer.sign({ d: D, c: 'email', k: 'c' });
    expect(signer.verify(`p${inbox.slice(1)}`)).toBeUndefined();
    expect(signer.verify(`d${item.slice(1)}`)).toBeUndefined();
    for (const junk of ['', '.', 'c', 'x0abc.def', `${'c'.repeat(34)}.${'A'.repeat(24)}`, 'd0' + 'A'.repeat(22) + '.' + 'A'.repeat(24)]) {
      expect(signer.verify(junk), junk).toBeUndefined();
    }
  });

  it('refuses a short secret', () => {
    expect(() => new TrackingSigner('short')).toThrow(/16 characters/);
  });
});

describe('clickTargetOf', () => {
  it('derives the target from ids only: the item, or the inbox for a digest’s inbox link', () => {
    expect(clickTargetOf('https://herald.example/', { n: N, c: 'email', k: 'c' })).toBe(`https://herald.example/?notification=${N}`);
    expect(clickTargetOf('https://herald.example', { d: D, c: 'email', k: 'c', n: N })).toBe(`https://herald.example/?notification=${N}`);
    expect(clickTargetOf('https://herald.example', { d: D, c: 'slack', k: 'c' })).toBe('https://herald.example/#/inbox');
  });
});

describe('isMachineRequest', () => {
  it('flags proxies, scanners and requests with no user agent', () => {
    expect(isMachineRequest(undefined, null)).toBe(true);
    expect(isMachineRequest('Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', null)).toBe(true);
    expect(isMachineRequest('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', null)).toBe(false);
  });
});
