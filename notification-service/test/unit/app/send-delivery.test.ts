import { describe, expect, it } from 'vitest';
import { createLogger, uuidv7 } from '@herald/platform';
import { sendDelivery, type SendDeps } from '../../../src/app/send-delivery.js';
import type { ChannelStore, ClaimedDelivery } from '../../../src/domain/channel-ports.js';
import { RATE_LIMITED, SendFailure, type ChannelSender } from '../../../src/domain/channels.js';

// The provider accepted the message, then the database went away before the record: the send must
// not be treated as failed (a retry would send it again once the database is back).
function world(opts: { recordFailures: number; error: () => Error; leaseMs?: number; clock?: { now(): Date } }) {
  let failures = opts.recordFailures;
  const calls = { send: 0, recordSent: 0, recordRetry: 0 };
  const delivery: ClaimedDelivery = {
    notificationId: uuidv7(),
    channel: 'email',
    recipientId: uuidv7(),
    address: 'ana@example.test',
    attempts: 1,
    urgent: false,
    previousClaimLost: false,
    notification: { id: uuidv7(), type: 'message', category: 'informational', priority: 'high', title: 'Hi', body: 'Lunch?', data: {}, createdAt: new Date().toISOString(), readAt: null },
  };
  const store = {
    claim: async () => ({ kind: 'claimed', delivery }),
    recordSent: async () => {
      calls.recordSent++;
      if (failures-- > 0) throw opts.error();
    },
    recordRetry: async () => {
      calls.recordRetry++;
    },
  } as unknown as ChannelStore;
  const sender = {
    channel: 'email',
    send: async () => {
      calls.send++;
      return { provider: 'smtp', attempts: [{ provider: 'smtp', ok: true, latencyMs: 3 }] };
    },
  } as unknown as ChannelSender;
  const deps: SendDeps = {
    store,
    senders: new Map([['email', sender]]),
    render: () => ({ channel: 'email', to: delivery.address, subject: 'Hi', text: 'Lunch?' }) as never,
    retry: { maxAttempts: 6, baseMs: 1000, maxMs: 300_000 } as never,
    leaseMs: opts.leaseMs ?? 10_000,
    clock: opts.clock ?? { now: () => new Date() },
    newId: (at) => uuidv7(at.getTime()),
    metrics: { attempt: () => {}, outcome: () => {}, ambiguousSend: () => {}, throttled: () => {} },
    logger: createLogger('send-delivery-test', 'silent'),
    notifyFailure: async () => {},
  };
  return { deps, delivery, calls };
}

const dropped = () => new Error('Connection terminated unexpectedly');

describe('sendDelivery after the provider said yes', () => {
  it('records the send again while the database is unreachable: sent once, never scheduled for a retry', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 2, error: dropped });
    expect(await sendDelivery(deps, delivery.notificationId, 'email')).toBe('sent');
    expect(calls).toEqual({ send: 1, recordSent: 3, recordRetry: 0 });
  });

  it('keeps recording past the claim\'s lease while the database stays away (a claimer waits a grace for this record)', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 3, error: dropped, leaseMs: 500 });
    expect(await sendDelivery(deps, delivery.notificationId, 'email')).toBe('sent');
    expect(calls).toEqual({ send: 1, recordSent: 4, recordRetry: 0 });
  });

  it('gives up after ten minutes without a database, and leaves it to the next claim (ambiguous), not to a retry', async () => {
    let t = Date.now();
    const clock = { now: () => new Date((t += 4 * 60_000)) }; // each look at the clock is four minutes on
    const { deps, delivery, calls } = world({ recordFailures: 100, error: dropped, clock });
    await expect(sendDelivery(deps, delivery.notificationId, 'email')).rejects.toThrow('Connection terminated');
    expect(calls.send).toBe(1);
    expect(calls.recordRetry).toBe(0);
    expect(calls.recordSent).toBeGreaterThanOrEqual(2);
    expect(calls.recordSent).toBeLessThan(5);
  });

  it('does not retry the record for an error that is not the database being away', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 1, error: () => new Error('check constraint violated') });
    await expect(sendDelivery(deps, delivery.notificationId, 'email')).rejects.toThrow('check constraint');
    expect(calls).toEqual({ send: 1, recordSent: 1, recordRetry: 0 });
  });
});

describe('sendDelivery with throttles and provider rate limits', () => {
  it('a claim settled by the throttle sends nothing and is counted by outcome', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 0, error: dropped });
    const throttled: string[] = [];
    deps.store = { ...deps.store, claim: async () => ({ kind: 'throttled', outcome: 'digest' }) } as unknown as ChannelStore;
    deps.metrics = { ...deps.metrics, throttled: (channel, outcome) => void throttled.push(`${channel}:${outcome}`) };
    expect(await sendDelivery(deps, delivery.notificationId, 'email')).toBe('throttled');
    expect(calls.send).toBe(0);
    expect(throttled).toEqual(['email:digest']);
  });

  it('a send refused by a provider\'s pace is deferred, still queued, without a retry or an attempt spent', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 0, error: dropped });
    const now = Date.now();
    deps.clock = { now: () => new Date(now) };
    const deferred: Date[] = [];
    const outcomes: string[] = [];
    deps.store = { ...deps.store, deferClaimed: async (_d: ClaimedDelivery, at: Date) => void deferred.push(at) } as unknown as ChannelStore;
    deps.metrics = { ...deps.metrics, outcome: (_c, o) => void outcomes.push(o) };
    let urgent: boolean | undefined;
    deps.senders = new Map([['email', {
      channel: 'email',
      send: async (_m: unknown, opts?: { urgent?: boolean }) => {
        urgent = opts?.urgent;
        throw new SendFailure('transient', RATE_LIMITED, 'smtp is at its rate limit', [], 4000);
      },
    } as unknown as ChannelSender]]);
    expect(await sendDelivery(deps, delivery.notificationId, 'email')).toBe('deferred');
    expect(urgent).toBe(false);
    expect(calls.recordRetry).toBe(0);
    expect(outcomes).toEqual(['deferred']);
    expect(deferred).toHaveLength(1);
    // Due when the refused slot is within reach, plus up to a second of jitter.
    expect(deferred[0]!.getTime() - now).toBeGreaterThanOrEqual(4000);
    expect(deferred[0]!.getTime() - now).toBeLessThan(5000);
  });
});

describe('sendDelivery and a read while the message renders', () => {
  it('cancels the send when the item was read after the claim, before the provider is called', async () => {
    const { deps, delivery, calls } = world({ recordFailures: 0, error: dropped });
    const cancelled: string[] = [];
    const asked: string[] = [];
    Object.assign(deps.store, {
      wasRead: async (d: ClaimedDelivery) => (asked.push(d.notificationId), true),
      cancelClaimed: async (d: ClaimedDelivery, reason: string) => void cancelled.push(`${d.notificationId}:${reason}`),
    });
    expect(await sendDelivery(deps, delivery.notificationId, 'email')).toBe('cancelled');
    expect(asked).toEqual([delivery.notificationId]);
    expect(cancelled).toEqual([`${delivery.notificationId}:read`]);
    expect(calls.send).toBe(0);
  });

  it('sends when it is still unread, and when the store cannot tell (a digest has no read state)', async () => {
    const unread = world({ recordFailures: 0, error: dropped });
    Object.assign(unread.deps.store, { wasRead: async () => false });
    expect(await sendDelivery(unread.deps, unread.delivery.notificationId, 'email')).toBe('sent');
    const digest = world({ recordFailures: 0, error: dropped });
    expect(await sendDelivery(digest.deps, digest.delivery.notificationId, 'email')).toBe('sent');
    expect([unread.calls.send, digest.calls.send]).toEqual([1, 1]);
  });
});
