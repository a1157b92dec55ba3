import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSendError, type OutboundMessage } from '../../../src/domain/channels.js';
import { TwilioSmsProvider } from '../../../src/adapters/channels/twilio-sms.js';
import { startFakeTwilio, type FakeTwilio } from '../../support/fake-twilio.js';

// Each call is a new delivery unless a test says otherwise: the fake replays known tokens.
let seq = 0;
const sms = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: `d-${++seq}.sms`,
  channel: 'sms',
  to: '+14155550123',
  subject: 'Bo followed you',
  text: 'Bo followed you on Herald',
  ...over,
});

async function failureOf(promise: Promise<unknown>): Promise<ChannelSendError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
}

describe('TwilioSmsProvider against a Twilio-shaped server', () => {
  let twilio: FakeTwilio;
  let provider: TwilioSmsProvider;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
  });
  beforeEach(() => {
    twilio.messages.length = 0;
    twilio.scripted.length = 0;
    twilio.failureRate = 0;
    twilio.failures = ['500', '429', 'hang'];
    provider = new TwilioSmsProvider({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      baseUrl: twilio.baseUrl,
      timeoutMs: 300,
    });
  });
  afterAll(async () => {
    await twilio.stop();
  });

  it('sends the form Twilio expects and returns the message sid', async () => {
    const receipt = await provider.send(sms({ deliveryId: 'n-7.sms', statusCallbackUrl: 'https://herald.test/hooks/twilio/status' }));
    expect(receipt.provider).toBe('twilio');
    expect(receipt.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/i);
    expect(twilio.messages).toEqual([
      expect.objectContaining({
        sid: receipt.providerMessageId,
        to: '+14155550123',
        from: '+15005550006',
        body: 'Bo followed you on Herald',
        statusCallback: 'https://herald.test/hooks/twilio/status',
        idempotencyToken: 'n-7.sms',
      }),
    ]);
  });

  it('a repeated delivery is accepted once: same token, same sid', async () => {
    const first = await provider.send(sms({ deliveryId: 'twice' }));
    const second = await provider.send(sms({ deliveryId: 'twice' }));
    expect(second.providerMessageId).toBe(first.providerMessageId);
    expect(twilio.messages).toHaveLength(1);
  });

  it('429 is transient and carries Retry-After', async () => {
    twilio.scripted.push('429');
    const err = await failureOf(provider.send(sms()));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'http_429', retryAfterMs: 1_000, provider: 'twilio' });
  });

  it('500 is transient', async () => {
    twilio.scripted.push('500');
    const err = await failureOf(provider.send(sms()));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'http_5xx' });
  });

  it('no answer within the timeout is transient', async () => {
    twilio.scripted.push('hang');
    const started = Date.now();
    const err = await failureOf(provider.send(sms()));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an invalid number is an address failure', async () => {
    const err = await failureOf(provider.send(sms({ to: '+15005550001' })));
    expect(err).toMatchObject({ kind: 'address', errorClass: 'twilio_21211' });
    expect(err.message).toContain('21211');
  });

  it('wrong credentials are permanent', async () => {
    const wrong = new TwilioSmsProvider({ accountSid: twilio.accountSid, authToken: 'nope', from: '+15005550006', baseUrl: twilio.baseUrl });
    const err = await failureOf(wrong.send(sms()));
    expect(err).toMatchObject({ kind: 'permanent', errorClass: 'auth_refused' });
  });

  it('a server that is not there is transient connection_refused', async () => {
    const gone = await startFakeTwilio();
    const baseUrl = gone.baseUrl;
    await gone.stop();
    const p = new TwilioSmsProvider({ accountSid: gone.accountSid, authToken: gone.authToken, from: '+15005550006', baseUrl });
    const err = await failureOf(p.send(sms()));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'connection_refused' });
  });

  it('an answer lost after Twilio accepted is transient, and the retry does not send again', async () => {
    twilio.scripted.push('lost');
    const message = sms();
    const err = await failureOf(provider.send(message));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'connection_reset' });
    const retry = await provider.send(message);
    expect(twilio.messages).toEqual([expect.objectContaining({ sid: retry.providerMessageId, idempotencyToken: message.deliveryId })]);
  });

  it('with a third of requests failing, retrying every delivery gets each accepted exactly once', async () => {
    twilio.failureRate = 0.35;
    twilio.failures = ['500', '429', 'hang', 'lost'];
    const deliveries = Array.from({ length: 20 }, (_, i) => `bulk-${i}`);
    let failures = 0;
    for (const deliveryId of deliveries) {
      for (let attempt = 1; ; attempt++) {
        try {
          await provider.send(sms({ deliveryId }));
          break;
        } catch (err) {
          expect(err).toMatchObject({ kind: 'transient' });
          failures++;
          if (attempt >= 20) throw err;
        }
      }
    }
    // A replay of a delivery already accepted (a worker retrying after a lost answer) adds nothing.
    twilio.failureRate = 0;
    await provider.send(sms({ deliveryId: 'bulk-3' }));
    expect(failures).toBeGreaterThan(0);
    expect(twilio.messages.map((m) => m.idempotencyToken).sort()).toEqual([...deliveries].sort());
  });
});
