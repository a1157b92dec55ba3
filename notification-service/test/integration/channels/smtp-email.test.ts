import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSendError, type OutboundMessage } from '../../../src/domain/channels.js';
import { SmtpEmailProvider } from '../../../src/adapters/channels/smtp-email.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';

const mail = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  deliveryId: 'd-1',
  channel: 'email',
  to: 'ana@example.test',
  subject: 'Bo followed you',
  text: 'Say hello to Bo.',
  html: '<p>Say hello to <b>Bo</b>.</p>',
  ...over,
});

async function failureOf(promise: Promise<unknown>): Promise<ChannelSendError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
}

describe('SmtpEmailProvider against a real SMTP server', () => {
  let sink: SmtpSink;
  let provider: SmtpEmailProvider;
  const providers: SmtpEmailProvider[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    provider = new SmtpEmailProvider({ url: sink.url, from: 'Herald <no-reply@herald.test>', maxConnections: 2 });
    providers.push(provider);
  });
  afterEach(() => {
    sink.rejectRecipients.clear();
    sink.deferRecipients.clear();
    sink.delayMs = 0;
  });
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await sink.stop();
  });

  it('delivers text and html with the delivery’s stable Message-ID', async () => {
    const receipt = await provider.send(mail({ deliveryId: 'n-42.email' }));
    expect(receipt).toEqual({ provider: 'smtp', providerMessageId: '<n-42.email@herald>' });
    const [received] = await sink.waitForMessages(1);
    expect(received).toMatchObject({
      envelope: { from: 'no-reply@herald.test', to: ['ana@example.test'] },
      subject: 'Bo followed you',
      messageId: '<n-42.email@herald>',
      user: 'sink',
    });
    expect(received?.text?.trim()).toBe('Say hello to Bo.');
    expect(received?.html).toContain('<b>Bo</b>');
  });

  it('keeps a Message-ID valid when the delivery id has characters a Message-ID cannot', async () => {
    const receipt = await provider.send(mail({ deliveryId: 'n:43/email ok' }));
    expect(receipt.providerMessageId).toBe('<n-43/email-ok@herald>');
  });

  it('sends a burst over at most maxConnections pooled connections', async () => {
    const before = sink.connections;
    const already = sink.messages.length;
    await Promise.all(Array.from({ length: 8 }, (_, i) => provider.send(mail({ deliveryId: `burst-${i}` }))));
    await sink.waitForMessages(already + 8);
    expect(sink.connections - before).toBeLessThanOrEqual(2);
  });

  it('a recipient refused with 550 is an address failure', async () => {
    sink.rejectRecipients.add('gone@example.test');
    const err = await failureOf(provider.send(mail({ to: 'gone@example.test' })));
    expect(err).toMatchObject({ kind: 'address', errorClass: 'recipient_rejected', provider: 'smtp' });
    expect(err.message).toContain('550');
  });

  it('a recipient deferred with 451 is transient, classed as about that recipient', async () => {
    sink.deferRecipients.add('later@example.test');
    const err = await failureOf(provider.send(mail({ to: 'later@example.test' })));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'smtp_4xx_recipient' });
  });

  it('a relay that stops answering mid-conversation is a transient timeout', async () => {
    const slow = new SmtpEmailProvider({ name: 'smtp-slow', url: sink.url, from: 'no-reply@herald.test', socketTimeoutMs: 200 });
    providers.push(slow);
    sink.delayMs = 1_000;
    const err = await failureOf(slow.send(mail({ deliveryId: 'slow' })));
    expect(err).toMatchObject({ kind: 'transient', errorClass: 'timeout', provider: 'smtp-slow' });
  });

  it('a greeting refused with 421 is transient', async () => {
    const other = await startSmtpSink();
    other.refuseGreeting = true;
    const p = new SmtpEmailProvider({ url: other.url, from: 'no-reply@herald.test' });
    try {
      const err = await failureOf(p.send(mail()));
      expect(err).toMatchObject({ kind: 'transient', errorClass: 'smtp_4xx' });
    } finally {
      await p.close();
      await other.stop();
    }
  });

  it('a relay that goes down while the pool holds connections to it is transient, and comes back', async () => {
    const relay = await startSmtpSink();
    const p = new SmtpEmailProvider({ url: relay.url, from: 'no-reply@herald.test' });
    try {
      await p.send(mail({ deliveryId: 'before' }));
      await relay.stop();
      const started = Date.now();
      const err = await failureOf(p.send(mail({ deliveryId: 'during' })));
      expect(err.kind).toBe('transient');
      expect(Date.now() - started).toBeLessThan(2_000);
      await relay.start();
      await p.send(mail({ deliveryId: 'after' }));
      expect(relay.messages.map((m) => m.messageId)).toEqual(['<before@herald>', '<after@herald>']);
    } finally {
      await p.close();
      await relay.stop();
    }
  });

  it('a relay that is down is a transient connection_refused', async () => {
    const down = await startSmtpSink();
    await down.stop();
    const p = new SmtpEmailProvider({ url: down.url, from: 'no-reply@herald.test' });
    try {
      const err = await failureOf(p.send(mail()));
      expect(err).toMatchObject({ kind: 'transient', errorClass: 'connection_refused' });
    } finally {
      await p.close();
    }
  });
});
