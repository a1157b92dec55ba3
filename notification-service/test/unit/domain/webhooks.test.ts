import { describe, expect, it } from 'vitest';
import { afterWebhookAttempt, isPublicAddress, parseRetryAfter, WEBHOOK_EVENTS, webhookBody, webhookUrlProblem } from '../../../src/domain/webhooks.js';

const policy = { maxAttempts: 8, baseMs: 1000, maxMs: 60_000 };
const now = new Date('2026-12-05T12:00:00Z');

describe('status webhooks: the pure rules', () => {
  it('names one subscribable event per reported status', () => {
    expect(WEBHOOK_EVENTS).toEqual(['delivery.sent', 'delivery.delivered', 'delivery.opened', 'delivery.clicked', 'delivery.failed', 'delivery.bounced', 'delivery.cancelled']);
  });

  it('writes the body in the documented key order and leaves absent fields out', () => {
    const body = webhookBody({
      data: { attempts: 1, status: 'sent', provider: 'smtp', reason: null, channel: 'email', notificationId: 'n1' },
      timestamp: '2026-12-05T12:00:00.000Z',
      type: 'delivery.status',
    });
    expect(body).toBe('{"type":"delivery.status","timestamp":"2026-12-05T12:00:00.000Z","data":{"notificationId":"n1","channel":"email","status":"sent","provider":"smtp","attempts":1}}');
  });

  it('accepts https URLs to public hosts only, unless http is allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/herald', false)).toBeUndefined();
    expect(webhookUrlProblem('http://hooks.example.com/herald', false)).toBe('must be an https URL');
    expect(webhookUrlProblem('http://127.0.0.1:8080/h', true)).toBeUndefined();
    expect(webhookUrlProblem('ftp://example.com/h', true)).toBe('must be an http(s) URL');
    expect(webhookUrlProblem('not a url', true)).toBe('must be an absolute http(s) URL');
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2048)}`, false)).toMatch(/at most 2048/);
    expect(webhookUrlProblem('https://user:pw@example.com/h', false)).toBe('must not carry credentials');
    for (const local of ['https://localhost/h', 'https://127.0.0.1/h', 'https://2130706433/h', 'https://10.1.2.3/h', 'https://169.254.169.254/latest', 'https://[::1]/h', 'https://[::ffff:127.0.0.1]/h', 'https://[fd00::1]/h', 'https://metadata.google.internal/x', 'https://printer.local/']) {
      expect(webhookUrlProblem(local, false), local).toBe('must not point at a private or local address');
      expect(webhookUrlProblem(local.replace('https:', 'http:'), true), local).toBeUndefined();
    }
  });

  it('tells public addresses from private, local and reserved ones', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) expect(isPublicAddress(ip), ip).toBe(true);
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.1', '255.255.255.255',
      '::', '::1', '::ffff:10.0.0.1', '::ffff:7f00:1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '64:ff9b::a00:1', 'not-an-ip', '1.2.3.256']) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    expect(isPublicAddress('172.32.0.1')).toBe(true);
  });

  it('delivers on 2xx, retries anything else with full jitter, and fails after the last attempt', () => {
    expect(afterWebhookAttempt({ status: 204 }, 1, policy, now)).toEqual({ action: 'delivered' });
    // Full jitter: a uniform wait in [0, base * 2^(attempt-1)].
    expect(afterWebhookAttempt({ status: 500 }, 3, policy, now, () => 0.5)).toEqual({ action: 'retry', at: new Date(now.getTime() + 2000) });
    expect(afterWebhookAttempt({}, 1, policy, now, () => 0)).toEqual({ action: 'retry', at: now });
    expect(afterWebhookAttempt({ status: 301 }, 2, policy, now, () => 0.999).action).toBe('retry');
    // Never sooner than the receiver's Retry-After, never later than the cap.
    expect(afterWebhookAttempt({ status: 429, retryAfterMs: 30_000 }, 1, policy, now, () => 0)).toEqual({ action: 'retry', at: new Date(now.getTime() + 30_000) });
    expect(afterWebhookAttempt({ status: 503, retryAfterMs: 10 * 3_600_000 }, 1, policy, now, () => 0)).toEqual({ action: 'retry', at: new Date(now.getTime() + 60_000) });
    expect(afterWebhookAttempt({ status: 500 }, 8, policy, now)).toEqual({ action: 'failed' });
    expect(afterWebhookAttempt({ status: 200 }, 8, policy, now)).toEqual({ action: 'delivered' });
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
