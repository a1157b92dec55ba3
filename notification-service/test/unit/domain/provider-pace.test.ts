import { describe, expect, it } from 'vitest';
import { createLogger } from '@herald/platform';
import { MemoryPaceStore } from '../../../src/adapters/memory-pace-store.js';
import { createFailoverSender } from '../../../src/adapters/channels/failover.js';
import webpush from 'web-push';
import { PROVIDER_NAMES } from '../../../src/channels/config.js';
import { createProviderPace, paceMaxWaitMs } from '../../../src/channels/provider-pace.js';
import { buildChannelRegistry } from '../../../src/channels/registry.js';
import { ChannelSendError, RATE_LIMITED, SendFailure, type ChannelProvider, type OutboundMessage } from '../../../src/domain/channels.js';
import { paceIntervalMs, reserveSlot, type PaceStore } from '../../../src/domain/provider-pace.js';

const req = (over: Partial<{ intervalMs: number; maxWaitMs: number; urgent: boolean }> = {}) => ({ intervalMs: 100, maxWaitMs: 1000, urgent: false, ...over });

describe('reserveSlot: one send per interval, each waiting for its own slot', () => {
  it('an idle provider goes at once and sets its next free slot one interval on', () => {
    expect(reserveSlot(undefined, 5000, req())).toEqual({ go: true, waitMs: 0, nextFreeAt: 5100 });
    // A slot in the past is no credit: an idle provider does not bank a burst.
    expect(reserveSlot(1000, 5000, req())).toEqual({ go: true, waitMs: 0, nextFreeAt: 5100 });
  });

  it('a burst is spread out: the n-th send of a burst waits (n-1) intervals', () => {
    let next: number | undefined;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = reserveSlot(next, 5000, req());
      if (!answer.go) throw new Error('refused');
      waits.push(answer.waitMs);
      next = answer.nextFreeAt;
    }
    expect(waits).toEqual([0, 100, 200, 300, 400]);
  });

  it('refuses, taking nothing, a slot further away than the longest wait; says how much further', () => {
    expect(reserveSlot(7000, 5000, req())).toEqual({ go: false, retryAfterMs: 1000 });
    expect(reserveSlot(6000, 5000, req())).toEqual({ go: true, waitMs: 1000, nextFreeAt: 6100 });
  });

  it('urgent goes at once, however far the next slot, and still takes one', () => {
    expect(reserveSlot(9000, 5000, req({ urgent: true }))).toEqual({ go: true, waitMs: 0, nextFreeAt: 9100 });
  });

  it('the interval of a rate', () => {
    expect(paceIntervalMs({ max: 10, windowMs: 1000 })).toBe(100);
    expect(paceIntervalMs({ max: 600, windowMs: 60_000 })).toBe(100);
  });
});

describe('createProviderPace', () => {
  const logger = createLogger('pace-test', 'silent');

  function paced(opts: { store?: PaceStore; maxWaitMs?: number } = {}) {
    let now = 0;
    const slept: number[] = [];
    const counted: string[] = [];
    const pace = createProviderPace({
      rates: { twilio: { max: 10, windowMs: 1000 } },
      store: opts.store ?? new MemoryPaceStore(() => now),
      maxWaitMs: opts.maxWaitMs ?? 250,
      logger,
      count: (provider, outcome) => counted.push(`${provider}:${outcome}`),
      sleep: async (ms) => {
        slept.push(ms);
      },
      now: () => now,
    })!;
    return { pace, slept, counted, advance: (ms: number) => (now += ms) };
  }

  it('is absent when no provider has a rate', () => {
    expect(createProviderPace({ rates: {}, store: new MemoryPaceStore(), maxWaitMs: 100, logger })).toBeUndefined();
  });

  it('waits for each slot and lets providers without a rate through', async () => {
    const { pace, slept, advance } = paced();
    for (let i = 0; i < 3; i++) await pace('twilio', false);
    await pace('smtp', false);
    expect(slept).toEqual([100, 200]);
    advance(1000); // idle a while: the next one goes at once
    await pace('twilio', false);
    expect(slept).toEqual([100, 200]);
  });

  it('a refusal is ChannelSendError rate_limited with the time still missing', async () => {
    const { pace, counted } = paced();
    for (let i = 0; i < 3; i++) await pace('twilio', false);
    const err = await pace('twilio', false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelSendError);
    expect(err).toMatchObject({ kind: 'transient', errorClass: RATE_LIMITED, provider: 'twilio', retryAfterMs: 50 });
    expect(counted).toEqual(['twilio:waited', 'twilio:waited', 'twilio:deferred']);
    // Urgent is never refused.
    await pace('twilio', true);
  });

  it('keeps pacing in memory while the shared store is unreachable', async () => {
    const broken: PaceStore = { reserve: async () => Promise.reject(new Error('ECONNREFUSED')) };
    const { pace } = paced({ store: broken });
    await pace('twilio', false);
    await pace('twilio', false);
    await expect(pace('twilio', false)).resolves.toBeUndefined();
  });

  it('waits at most a quarter of the claim lease, and never more than 15 s', () => {
    expect(paceMaxWaitMs(60_000)).toBe(15_000);
    expect(paceMaxWaitMs(8_000)).toBe(2_000);
  });
});

describe('the failover sender with a pace', () => {
  const message: OutboundMessage = { deliveryId: 'n.sms', channel: 'sms', to: '+15550001', subject: '', text: 'hi' };

  function provider(name: string, sent: string[]): ChannelProvider {
    return {
      name,
      send: async (m) => {
        sent.push(`${name}:${m.deliveryId}`);
        return { provider: name };
      },
    };
  }

  it('asks the pace before each send, passes urgency on, and defers without trying the next provider or counting a failure', async () => {
    const sent: string[] = [];
    const calls: string[] = [];
    let refuse = false;
    const sender = createFailoverSender('sms', [provider('twilio', sent), provider('twilio-fallback', sent)], {
      failureThreshold: 1,
      pace: async (name, urgent) => {
        calls.push(`${name}:${urgent}`);
        if (refuse) throw new ChannelSendError('transient', RATE_LIMITED, 'at its rate', name, 700);
      },
    });
    await sender.send(message);
    await sender.send(message, { urgent: true });
    refuse = true;
    const failure = await sender.send(message).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SendFailure);
    expect(failure).toMatchObject({ kind: 'transient', errorClass: RATE_LIMITED, retryAfterMs: 700, attempts: [] });
    expect(calls).toEqual(['twilio:false', 'twilio:true', 'twilio:false']);
    expect(sent).toEqual(['twilio:n.sms', 'twilio:n.sms']);
    // The breaker (threshold 1) did not open: our own pace is no failure of the provider.
    expect(sender.breakerStates()).toEqual({ twilio: 'closed', 'twilio-fallback': 'closed' });
  });
});

describe('provider names', () => {
  it('every provider the registry builds has a name a PROVIDER_RATE_<NAME> can pace, and every such name is one', async () => {
    const everything = buildChannelRegistry(
      {
        smtpUrl: 'smtp://127.0.0.1:2525', smtpFallbackUrl: 'smtp://127.0.0.1:2526', mailFrom: 'Herald <n@herald.test>',
        smsProviderUrl: 'http://127.0.0.1:9', smsFallbackProviderUrl: 'http://127.0.0.1:10', smsAccountSid: 'AC1', smsAuthToken: 'token', smsFrom: '+15005550006',
        slackWebhookHosts: 'hooks.slack.com', vapidKeys: webpush.generateVAPIDKeys(), captureUnconfigured: false,
      },
      { pushSubscriptions: { forUser: async () => [], removeGone: async () => {} } as never },
    );
    const captured = buildChannelRegistry({ mailFrom: 'Herald <n@herald.test>', slackWebhookHosts: 'hooks.slack.com', captureUnconfigured: true });
    try {
      const names = [...everything.senders.values(), ...captured.senders.values()].flatMap((s) => Object.keys(s.breakerStates()));
      expect(new Set(names)).toEqual(new Set(PROVIDER_NAMES));
    } finally {
      await everything.close();
      await captured.close();
    }
  });
});
