import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { twilioSignature } from '../../../src/adapters/channels/twilio-signature.js';
import { event } from '../../unit/domain/mother.js';
import { startFakeTwilio, type FakeTwilio } from '../../support/fake-twilio.js';
import { bearer, count, SCHEMA, startHarness, waitFor, type Harness } from '../../support/harness.js';

const PUBLIC_URL = 'http://herald.test';

/**
 * SMS through a Twilio-shaped API that fails half the time (500, 429 with Retry-After, or an answer
 * lost after the message was accepted): every message is accepted exactly once (the fake records by
 * idempotency token) or dead-lettered as failed; receipts move statuses forward only.
 */
describe('SMS fallback against a flaky Twilio-compatible API', () => {
  let h: Harness;
  let twilio: FakeTwilio;

  beforeAll(async () => {
    twilio = await startFakeTwilio({ failureRate: 0.5, failures: ['500', '429', 'lost'], seed: 7 });
    h = await startHarness('notif_sms_fallback', {
      channels: {
        fallbackDelayMs: 200,
        channelSweepMs: 50,
        channelRetryBaseMs: 50,
        channelRetryMaxMs: 400,
        channelMaxAttempts: 6,
        smsProviderUrl: twilio.baseUrl,
        smsAccountSid: twilio.accountSid,
        smsAuthToken: twilio.authToken,
        smsFrom: '+15005550006',
        publicUrl: PUBLIC_URL,
        trackingSecret: 'test-tracking-secret-0123456789',
        breaker: { failureThreshold: 1000, halfOpenAfterMs: 100 },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await twilio?.stop();
  });

  async function smsPerson(i: number) {
    const id = uuidv7();
    const phone = `+1415555${String(1000 + i).padStart(4, '0')}`;
    await h.publish(event('user.registered', { userId: id, username: `sms${i}`, displayName: `Sms ${i}`, email: `sms${i}@example.com`, phone, locale: 'en', timezone: 'UTC' }));
    const put = await h.service.app.inject({ method: 'PUT', url: '/api/v1/users/me/preferences', headers: bearer(h.tokenFor(id)), payload: { channels: { in_app: true, email: false, sms: true } } });
    expect(put.statusCode).toBe(200);
    return { id, phone };
  }

  it('every message is accepted exactly once or dead-lettered as failed; a receipt moves it to delivered; a bad signature is a 403', async () => {
    const people: Awaited<ReturnType<typeof smsPerson>>[] = [];
    for (let i = 0; i < 16; i++) people.push(await smsPerson(i));
    await waitFor(async () => (await count(h.pool, `${SCHEMA}.users WHERE id = ANY($1::uuid[])`, [people.map((p) => p.id)])) === people.length, 'the projection');
    for (const p of people) await h.publish(event('user.followed', { follower: { id: uuidv7(), username: 'actor', displayName: 'Actor' }, followeeId: p.id }));

    const ended = async () => count(h.pool, `${SCHEMA}.deliveries WHERE channel = 'sms' AND status IN ('sent', 'failed')`);
    await waitFor(async () => (await ended()) === people.length, 'every SMS delivery ended', 60_000);

    const rows = (await h.pool.query<{ recipient_id: string; status: string; provider_message_id: string | null; attempts: number }>(
      `SELECT recipient_id, status, provider_message_id, attempts FROM ${SCHEMA}.deliveries WHERE channel = 'sms'`)).rows;
    const sent = rows.filter((r) => r.status === 'sent');
    const failed = rows.filter((r) => r.status === 'failed');
    console.log(`SMS: ${people.length} due, ${twilio.requests} requests, ${twilio.messages.length} accepted, ${sent.length} sent, ${failed.length} dead-lettered`);
    // Accepted exactly once each: one Twilio message per delivery that ended sent, none for the failed.
    for (const p of people) {
      const accepted = twilio.messages.filter((m) => m.to === p.phone);
      const row = rows.find((r) => r.recipient_id === p.id)!;
      if (row.status === 'sent') {
        expect(accepted).toHaveLength(1);
        expect(row.provider_message_id).toBe(accepted[0]!.sid);
      } else {
        expect(await count(h.pool, `${SCHEMA}.dead_letters WHERE recipient_id = $1 AND channel = 'sms'`, [p.id])).toBe(1);
      }
    }
    expect(twilio.requests).toBeGreaterThan(people.length); // failures really happened and were retried
    expect(sent.length).toBeGreaterThan(0);

    // A status callback signed with the auth token moves one to delivered; a late "sent" cannot move it back.
    const target = sent[0]!;
    const url = `${PUBLIC_URL}/api/v1/providers/sms/status`;
    const post = (params: Record<string, string>, signature: string) =>
      h.service.app.inject({ method: 'POST', url: '/api/v1/providers/sms/status', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
    const delivered = { MessageSid: target.provider_message_id!, MessageStatus: 'delivered', AccountSid: twilio.accountSid };
    expect((await post(delivered, twilioSignature(twilio.authToken, url, delivered))).statusCode).toBe(204);
    const late = { ...delivered, MessageStatus: 'sent' };
    expect((await post(late, twilioSignature(twilio.authToken, url, late))).statusCode).toBe(204);
    const status = await h.pool.query(`SELECT status FROM ${SCHEMA}.deliveries WHERE provider_message_id = $1`, [target.provider_message_id]);
    expect(status.rows[0].status).toBe('delivered');

    const forged = await post({ ...delivered, MessageStatus: 'failed' }, twilioSignature('not-the-token', url, delivered));
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('invalid_signature');
  });
});
