import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@herald/platform';
import { parsePushSubscription, pushEndpointProblem, pushPayload, PushSubscriptionProblem, PUSH_PAYLOAD_MAX_BYTES } from '../../../src/domain/push.js';
import { addressFor, afterFailure, decideFire } from '../../../src/domain/fallback-rules.js';
import { channelEnvSpec } from '../../../src/channels/config.js';
import { loadOrCreateVapidKeys, vapidKeysProblem } from '../../../src/channels/vapid.js';
import { prefs } from './mother.js';

const browserKeys = () => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
};

function problemOf(input: { endpoint: string; keys: { p256dh: string; auth: string } }, allow = false) {
  try {
    parsePushSubscription(input, allow);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(PushSubscriptionProblem);
    return `${(err as PushSubscriptionProblem).field}: ${(err as PushSubscriptionProblem).problem}`;
  }
}

describe('push endpoints', () => {
  it('are https URLs on public hosts', () => {
    expect(pushEndpointProblem('https://fcm.googleapis.com/fcm/send/abc:def', false)).toBeUndefined();
    expect(pushEndpointProblem('https://updates.push.services.mozilla.com/wpush/v2/gAAAA', false)).toBeUndefined();
    expect(pushEndpointProblem('http://fcm.googleapis.com/fcm/send/x', false)).toBe('must be an https URL');
    expect(pushEndpointProblem('ftp://example.com/x', false)).toBe('must be an https URL');
    expect(pushEndpointProblem('not a url', false)).toBe('must be an absolute https URL');
    expect(pushEndpointProblem('https://user:pw@push.example.com/x', false)).toBe('must not carry credentials');
    for (const local of ['https://127.0.0.1/x', 'https://localhost/x', 'https://10.0.0.5/x', 'https://169.254.169.254/x', 'https://[::1]/x', 'https://push.internal/x']) {
      expect(pushEndpointProblem(local, false)).toBe('must not point at a private or local address');
    }
    expect(pushEndpointProblem(`https://push.example.com/${'x'.repeat(2100)}`, false)).toMatch(/at most 2048/);
  });

  it('on loopback, http included, only with PUSH_ALLOW_HTTP; other local addresses never', () => {
    for (const loopback of ['http://127.0.0.1:4000/push/a', 'http://localhost:4000/push/a', 'http://[::1]:4000/push/a', 'https://127.0.0.1/x']) {
      expect(pushEndpointProblem(loopback, false)).toBeDefined();
      expect(pushEndpointProblem(loopback, true)).toBeUndefined();
    }
    expect(pushEndpointProblem('http://10.0.0.5/x', true)).toBe('must be an https URL');
    expect(pushEndpointProblem('https://192.168.1.1/x', true)).toBe('must not point at a private or local address');
    expect(pushEndpointProblem('http://push.example.com/x', true)).toBe('must be an https URL');
  });
});

describe('a subscription as the browser sends it', () => {
  const endpoint = 'https://push.example.com/send/1';

  it('is accepted with a P-256 point and a 16-byte secret, padded or not, and kept unpadded', () => {
    const k = browserKeys();
    expect(parsePushSubscription({ endpoint, keys: k }, false)).toEqual({ endpoint, ...k });
    expect(parsePushSubscription({ endpoint, keys: { p256dh: `${k.p256dh}=`, auth: `${k.auth}==` } }, false)).toEqual({ endpoint, ...k });
  });

  it('names the field that is wrong', () => {
    const k = browserKeys();
    expect(problemOf({ endpoint: 'http://push.example.com/x', keys: k })).toBe('endpoint: must be an https URL');
    expect(problemOf({ endpoint, keys: { ...k, p256dh: Buffer.alloc(33, 2).toString('base64url') } })).toMatch(/^keys\.p256dh: .*65 bytes/);
    expect(problemOf({ endpoint, keys: { ...k, p256dh: 'not base64!' } })).toMatch(/^keys\.p256dh:/);
    // 65 bytes starting with 4, but not on the curve.
    const offCurve = Buffer.alloc(65, 1);
    offCurve[0] = 4;
    expect(problemOf({ endpoint, keys: { ...k, p256dh: offCurve.toString('base64url') } })).toBe('keys.p256dh: is not a point on the P-256 curve');
    expect(problemOf({ endpoint, keys: { ...k, auth: randomBytes(12).toString('base64url') } })).toBe('keys.auth: must be the base64url of a 16-byte secret');
    expect(problemOf({ endpoint, keys: { ...k, auth: 'a+b/c' } })).toMatch(/^keys\.auth:/);
  });
});

describe('the push payload', () => {
  it('is the JSON the service worker reads, without empty fields', () => {
    expect(JSON.parse(pushPayload({ id: 'n1', title: 'Ana followed you', body: 'Say hi', url: 'https://herald.test/t/c/x', type: 'follow', tag: 'follow:u1' }))).toEqual({
      id: 'n1', title: 'Ana followed you', body: 'Say hi', type: 'follow', url: 'https://herald.test/t/c/x', tag: 'follow:u1',
    });
    expect(JSON.parse(pushPayload({ id: 'n2', title: 'T', body: 'B', type: 'system' }))).toEqual({ id: 'n2', title: 'T', body: 'B', type: 'system' });
  });

  it('fits in one push message: a long body is shortened, never cut inside a character', () => {
    const json = pushPayload({ id: 'n3', title: 'Long', body: '🌻'.repeat(3000), type: 'post' });
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(PUSH_PAYLOAD_MAX_BYTES);
    const body = (JSON.parse(json) as { body: string }).body;
    expect(body.endsWith('…')).toBe(true);
    expect(body.slice(0, -1)).toMatch(/^(🌻)+$/u);
  });
});

describe('the push channel’s rules', () => {
  const question = (addresses: { pushSubscription?: string | null }) => ({
    notification: { type: 'follow' as const, priority: 'normal' as const },
    channels: ['push' as const],
    preferences: prefs({ channels: { push: true } }),
    addresses,
    undeliverable: new Set<string>(),
    now: new Date('2026-01-01T12:00:00Z'),
  });

  it('the person is the address while they have a subscription; without one the delivery is skipped as no_push_subscription', () => {
    expect(addressFor('push', { pushSubscription: 'u1' })).toBe('u1');
    expect(decideFire(question({ pushSubscription: 'u1' }))).toEqual({ action: 'send', deliveries: [{ channel: 'push', status: 'queued', address: 'u1' }] });
    expect(decideFire(question({ pushSubscription: null }))).toEqual({ action: 'send', deliveries: [{ channel: 'push', status: 'skipped', reason: 'no_push_subscription' }] });
  });

  it('every subscription gone ends the delivery as failed, no_push_subscription; other permanent failures stay rejected', () => {
    const policy = { maxAttempts: 5, baseMs: 100, maxMs: 1000 };
    expect(afterFailure({ kind: 'permanent', errorClass: 'no_push_subscription' }, 1, policy, new Date())).toEqual({ action: 'end', status: 'failed', reason: 'no_push_subscription' });
    expect(afterFailure({ kind: 'permanent', errorClass: 'http_403' }, 1, policy, new Date())).toEqual({ action: 'end', status: 'failed', reason: 'rejected' });
  });
});

describe('VAPID settings', () => {
  const pair = () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    // As web-push generate-vapid-keys prints them: the private key left-padded to 32 bytes.
    const privateKey = Buffer.concat([Buffer.alloc(32), ecdh.getPrivateKey()]).subarray(-32);
    return { publicKey: ecdh.getPublicKey('base64url'), privateKey: privateKey.toString('base64url') };
  };

  it('reads a matching pair and a subject; neither key means no push sender', () => {
    const keys = pair();
    const config = loadConfig(channelEnvSpec, { VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'https://herald.example.com/contact' });
    expect(config).toMatchObject({ vapidKeys: keys, vapidSubject: 'https://herald.example.com/contact', pushAllowHttp: false });
    expect(loadConfig(channelEnvSpec, {})).toMatchObject({ vapidKeys: undefined, vapidSubject: 'mailto:notifications@herald.local' });
    expect(loadConfig(channelEnvSpec, { PUSH_ALLOW_HTTP: 'true' }).pushAllowHttp).toBe(true);
  });

  it('refuses half a pair, a mismatched pair and a bad subject, by name and without echoing the private key', () => {
    const [a, b] = [pair(), pair()];
    expect(() => loadConfig(channelEnvSpec, { VAPID_PUBLIC_KEY: a.publicKey })).toThrow(/VAPID_PRIVATE_KEY is missing/);
    let message = '';
    try {
      loadConfig(channelEnvSpec, { VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: b.privateKey, VAPID_SUBJECT: 'http://x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('the public key is not the private key');
    expect(message).toContain('VAPID_SUBJECT="http://x" is not a mailto: address or https: URL');
    expect(message).not.toContain(b.privateKey);
    expect(vapidKeysProblem({ publicKey: a.publicKey, privateKey: 'short' })).toMatch(/32 bytes/);
  });

  it('embedded mode generates a pair once and keeps it (0600), so subscriptions survive a restart', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'herald-vapid-'));
    try {
      const file = path.join(dir, 'keys', 'vapid.json');
      const first = loadOrCreateVapidKeys(file);
      expect(first.created).toBe(true);
      expect(vapidKeysProblem(first.keys)).toBeUndefined();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateVapidKeys(file)).toEqual({ keys: first.keys, created: false });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first.keys);
      writeFileSync(file, '{"publicKey":"x"}');
      const again = loadOrCreateVapidKeys(file);
      expect(again.created).toBe(true);
      expect(again.keys).not.toEqual(first.keys);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
