import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendFailure, type ChannelProvider, type OutboundMessage } from '../../../src/domain/channels.js';
import { createFailoverSender, type BreakerState } from '../../../src/adapters/channels/failover.js';
import { SmtpEmailProvider } from '../../../src/adapters/channels/smtp-email.js';
import { TwilioSmsProvider } from '../../../src/adapters/channels/twilio-sms.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { startFakeTwilio, type FakeTwilio } from '../../support/fake-twilio.js';

let seq = 0;
const mail = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: `f-${++seq}.email`,
  channel: 'email',
  to: 'ana@example.test',
  subject: 'Hello',
  text: 'Hello Ana',
  ...over,
});

async function sendFailureOf(promise: Promise<unknown>): Promise<SendFailure> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SendFailure);
  return err as SendFailure;
}

describe('failover sender over real SMTP servers', () => {
  let primarySink: SmtpSink;
  let fallbackSink: SmtpSink;
  const closers: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    [primarySink, fallbackSink] = await Promise.all([startSmtpSink(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await Promise.all([primarySink.stop(), fallbackSink.stop()]);
  });

  function smtpPair(opts: { failureThreshold?: number; halfOpenAfterMs?: number; onBreakerStateChange?: (p: string, s: BreakerState) => void } = {}) {
    const providers: ChannelProvider[] = [
      new SmtpEmailProvider({ name: 'smtp', url: primarySink.url, from: 'no-reply@herald.test' }),
      new SmtpEmailProvider({ name: 'smtp-fallback', url: fallbackSink.url, from: 'no-reply@herald.test' }),
    ];
    const sender = createFailoverSender('email', providers, opts);
    closers.push(sender);
    return sender;
  }

  it('sends through the fallback when the primary refuses connections, recording both tries', async () => {
    const down = await startSmtpSink();
    await down.stop();
    const sender = createFailoverSender('email', [
      new SmtpEmailProvider({ name: 'smtp', url: down.url, from: 'no-reply@herald.test' }),
      new SmtpEmailProvider({ name: 'smtp-fallback', url: fallbackSink.url, from: 'no-reply@herald.test' }),
    ]);
    closers.push(sender);
    const message = mail();
    const result = await sender.send(message);
    expect(result).toMatchObject({ provider: 'smtp-fallback', providerMessageId: `<${message.deliveryId}@herald>` });
    expect(result.attempts).toEqual([
      expect.objectContaining({ provider: 'smtp', outcome: 'transient', errorClass: 'connection_refused' }),
      expect.objectContaining({ provider: 'smtp-fallback', outcome: 'sent' }),
    ]);
    expect(result.attempts.every((a) => a.latencyMs >= 0)).toBe(true);
    expect((await fallbackSink.waitForMessages(1)).some((m) => m.messageId === `<${message.deliveryId}@herald>`)).toBe(true);
  });

  it('greylisting of one recipient (451 at RCPT TO) never opens the relay’s breaker', async () => {
    const sender = smtpPair({ failureThreshold: 2, halfOpenAfterMs: 60_000 });
    primarySink.deferRecipients.add('grey@example.test');
    fallbackSink.deferRecipients.add('grey@example.test');
    try {
      for (let i = 0; i < 4; i++) {
        const err = await sender.send(mail({ to: 'grey@example.test' })).then(() => undefined, (e: unknown) => e);
        expect(err).toMatchObject({ kind: 'transient', errorClass: 'smtp_4xx_recipient' });
      }
      expect(sender.breakerStates()).toEqual({ smtp: 'closed', 'smtp-fallback': 'closed' });
      expect((await sender.send(mail())).provider).toBe('smtp');
    } finally {
      primarySink.deferRecipients.clear();
      fallbackSink.deferRecipients.clear();
      await sender.close();
    }
  });

  it('opens the primary’s breaker after the threshold, skips it without connecting, and recovers half-open', async () => {
    const transitions: string[] = [];
    const sender = smtpPair({ failureThreshold: 2, halfOpenAfterMs: 300, onBreakerStateChange: (p, s) => transitions.push(`${p}:${s}`) });
    primarySink.refuseGreeting = true;
    try {
      for (let i = 0; i < 2; i++) {
        const result = await sender.send(mail());
        expect(result.provider).toBe('smtp-fallback');
        expect(result.attempts[0]).toMatchObject({ provider: 'smtp', outcome: 'transient', errorClass: 'smtp_4xx' });
      }
      expect(sender.breakerStates()).toEqual({ smtp: 'open', 'smtp-fallback': 'closed' });

      const connections = primarySink.connections;
      const skipped = await sender.send(mail());
      expect(skipped.provider).toBe('smtp-fallback');
      expect(skipped.attempts.map((a) => [a.provider, a.outcome])).toEqual([
        ['smtp', 'breaker_open'],
        ['smtp-fallback', 'sent'],
      ]);
      expect(primarySink.connections).toBe(connections);
    } finally {
      primarySink.refuseGreeting = false;
    }

    await sleep(350);
    const recovered = await sender.send(mail());
    expect(recovered.provider).toBe('smtp');
    expect(recovered.attempts.map((a) => a.outcome)).toEqual(['sent']);
    expect(sender.breakerStates().smtp).toBe('closed');
    expect(transitions).toEqual(['smtp:open', 'smtp:half_open', 'smtp:closed']);
  });

  it('a half-open trial that fails opens the breaker again', async () => {
    const sender = smtpPair({ failureThreshold: 1, halfOpenAfterMs: 200 });
    primarySink.refuseGreeting = true;
    try {
      await sender.send(mail());
      expect(sender.breakerStates().smtp).toBe('open');
      await sleep(250);
      const trial = await sender.send(mail());
      expect(trial.attempts[0]).toMatchObject({ provider: 'smtp', outcome: 'transient' });
      expect(sender.breakerStates().smtp).toBe('open');
    } finally {
      primarySink.refuseGreeting = false;
    }
  });

  it('an address failure stops at once, is not retried elsewhere and does not trip the breaker', async () => {
    const sender = smtpPair({ failureThreshold: 2 });
    primarySink.rejectRecipients.add('gone@example.test');
    const fallbackBefore = fallbackSink.messages.length;
    try {
      for (let i = 0; i < 3; i++) {
        const failure = await sendFailureOf(sender.send(mail({ to: 'gone@example.test' })));
        expect(failure).toMatchObject({ kind: 'address', errorClass: 'recipient_rejected' });
        expect(failure.attempts).toEqual([expect.objectContaining({ provider: 'smtp', outcome: 'address', errorClass: 'recipient_rejected' })]);
      }
      expect(sender.breakerStates()).toEqual({ smtp: 'closed', 'smtp-fallback': 'closed' });
      expect(fallbackSink.messages.length).toBe(fallbackBefore);
    } finally {
      primarySink.rejectRecipients.clear();
    }
  });
});

describe('failover sender when every provider fails', () => {
  let first: FakeTwilio;
  let second: FakeTwilio;

  beforeAll(async () => {
    [first, second] = await Promise.all([startFakeTwilio(), startFakeTwilio()]);
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
  });

  const twilio = (name: string, fake: FakeTwilio) =>
    new TwilioSmsProvider({ name, accountSid: fake.accountSid, authToken: fake.authToken, from: '+15005550006', baseUrl: fake.baseUrl });

  it('throws a transient SendFailure with the last error, every attempt and the longest Retry-After', async () => {
    const sender = createFailoverSender('sms', [twilio('twilio', first), twilio('twilio-backup', second)]);
    first.scripted.push('429');
    second.scripted.push('500');
    const failure = await sendFailureOf(sender.send({ deliveryId: 's-1', channel: 'sms', to: '+14155550123', subject: 'x', text: 'hi' }));
    expect(failure).toMatchObject({ kind: 'transient', errorClass: 'http_5xx', retryAfterMs: 1_000 });
    expect(failure.attempts.map((a) => [a.provider, a.outcome, a.errorClass])).toEqual([
      ['twilio', 'transient', 'http_429'],
      ['twilio-backup', 'transient', 'http_5xx'],
    ]);
    await sender.close();
  });

  it('refuses an empty or ambiguous provider list', () => {
    expect(() => createFailoverSender('sms', [])).toThrow(/no providers/);
    expect(() => createFailoverSender('sms', [twilio('a', first), twilio('a', second)])).toThrow(/used twice/);
  });
});
