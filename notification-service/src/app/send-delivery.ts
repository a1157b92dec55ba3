import { isDatabaseUnavailable, type Logger } from '@herald/platform';
import type { ChannelStore, ClaimedDelivery } from '../domain/channel-ports.js';
import { OUT_OF_BAND, RATE_LIMITED, SendFailure, type AttemptRecord, type ChannelSender, type OutboundMessage, type OutOfBandChannel } from '../domain/channels.js';
import { afterFailure, type RetryPolicy } from '../domain/fallback-rules.js';
import type { Clock } from '../domain/ports.js';

/** Counters of the channel workers (prom-client in channels/metrics.ts). */
export interface ChannelMetrics {
  attempt(channel: OutOfBandChannel, record: AttemptRecord): void;
  outcome(channel: OutOfBandChannel, outcome: 'sent' | 'retry' | 'failed' | 'bounced' | 'cancelled' | 'deferred'): void;
  ambiguousSend(channel: OutOfBandChannel): void;
  /** Over the person's throttle: held for their digest, or skipped (herald_channel_throttled_total). */
  throttled(channel: OutOfBandChannel, outcome: 'digest' | 'skipped'): void;
}

export interface SendDeps {
  /** Where the send is recorded: the channel store, or the digests (a digest is sent like a delivery). */
  /** `wasRead`: only for deliveries of an item someone can read (a digest has none). */
  store: Pick<ChannelStore, 'claim' | 'cancelClaimed' | 'deferClaimed' | 'recordSent' | 'recordRetry' | 'recordFinal'> & Partial<Pick<ChannelStore, 'wasRead'>>;
  senders: ReadonlyMap<OutOfBandChannel, ChannelSender>;
  /** The message in the recipient's language (templates); may read the recipient first. */
  render(delivery: ClaimedDelivery): OutboundMessage | Promise<OutboundMessage>;
  retry: RetryPolicy;
  /** How long a claim protects a send in flight; a worker that dies leaves it to expire. */
  leaseMs: number;
  clock: Clock;
  newId(at: Date): string;
  metrics: ChannelMetrics;
  logger: Logger;
  /** Tells the person, in-app, that a channel finally failed (the system notice). */
  notifyFailure(delivery: ClaimedDelivery, status: 'failed' | 'bounced', reason: string): Promise<void>;
}

export type SendOutcome = 'sent' | 'retry' | 'failed' | 'bounced' | 'cancelled' | 'deferred' | 'throttled' | 'busy' | 'gone';

/**
 * One attempt of one delivery, the body of every channel worker (docs/channels.md):
 * claim it (so a second worker cannot send it too; a delivery over the person's throttle is settled
 * by the claim instead), re-check it is unread, send through the channel's providers (failover
 * behind breakers, each paced by its rate limit), then record the outcome: sent; deferred when a
 * provider's pace had no slot soon enough (still queued, no attempt spent); a retry at a
 * backoff with full jitter (the timer is in PostgreSQL, the worker acks); or the end, with a dead
 * letter, an undeliverable address for a bounce, and an in-app notice. Only a crash between the
 * provider's answer and this record can send twice; the next claim counts it (ambiguous send).
 * A database that drops right after the provider said yes does not: the record is retried until
 * the database is back (recordAfterSend).
 */
export async function sendDelivery(deps: SendDeps, notificationId: string, channel: OutOfBandChannel): Promise<SendOutcome> {
  const claim = await deps.store.claim(notificationId, channel, deps.leaseMs);
  if (claim.kind === 'throttled') {
    deps.metrics.throttled(channel, claim.outcome);
    deps.logger.info({ notificationId, channel, outcome: claim.outcome }, 'delivery throttled');
    return 'throttled';
  }
  if (claim.kind !== 'claimed') return claim.kind;
  const delivery = claim.delivery;
  if (delivery.previousClaimLost) deps.metrics.ambiguousSend(channel);
  if (delivery.notification.readAt !== null) {
    await deps.store.cancelClaimed(delivery, 'read');
    deps.metrics.outcome(channel, 'cancelled');
    return 'cancelled';
  }
  const sender = deps.senders.get(channel);
  if (!sender) {
    // No provider configured for this channel: end it plainly rather than retrying for ever.
    await end(deps, delivery, { status: 'failed', reason: 'no_provider', lastError: `no provider is configured for ${channel}` }, []);
    return 'failed';
  }
  const message = await deps.render(delivery);
  // Rendering (templates, MJML) takes a while under load: a read that landed meanwhile still
  // cancels the send. What is left, the provider's own conversation, is the send itself.
  if (deps.store.wasRead && (await deps.store.wasRead(delivery))) {
    await deps.store.cancelClaimed(delivery, 'read');
    deps.metrics.outcome(channel, 'cancelled');
    return 'cancelled';
  }
  let sent: Awaited<ReturnType<ChannelSender['send']>>;
  try {
    sent = await sender.send(message, { urgent: delivery.urgent });
  } catch (err) {
    const failure = err instanceof SendFailure ? err : new SendFailure('transient', 'unexpected', err instanceof Error ? err.message : String(err), []);
    for (const a of failure.attempts) deps.metrics.attempt(channel, a);
    if (failure.errorClass === RATE_LIMITED) return defer(deps, delivery, failure.retryAfterMs ?? 0);
    const next = afterFailure(failure, delivery.attempts, deps.retry, deps.clock.now());
    const lastError = `${failure.errorClass}: ${failure.message}`;
    const provider = failure.attempts.at(-1)?.provider;
    if (next.action === 'retry') {
      await deps.store.recordRetry(delivery, next.at, lastError, provider, failure.attempts);
      deps.metrics.outcome(channel, 'retry');
      deps.logger.info({ notificationId, channel, attempt: delivery.attempts, retryAt: next.at.toISOString(), error: lastError }, 'delivery will be retried');
      return 'retry';
    }
    await end(deps, delivery, { status: next.status, reason: next.reason, lastError, ...(provider ? { provider } : {}) }, failure.attempts);
    return next.status;
  }
  for (const a of sent.attempts) deps.metrics.attempt(channel, a);
  // Slack's 200 means the message is in the channel; email and SMS providers only accepted it.
  const status = channel === 'slack' ? 'delivered' : 'sent';
  // The message left Herald when the successful attempt began: a read after that cannot stop it.
  const sentAt = new Date(deps.clock.now().getTime() - (sent.attempts.at(-1)?.latencyMs ?? 0));
  const record = { provider: sent.provider, status, sentAt, ...(sent.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}) } as const;
  await recordAfterSend(deps, () => deps.store.recordSent(delivery, record, sent.attempts));
  deps.metrics.outcome(channel, 'sent');
  return 'sent';
}

/** Waits between attempts to record a send while the database is unreachable. */
const RECORD_RETRY_MS = 500;
/** Past this, a worker stops waiting for the database and lets the next claim count an ambiguous send. */
const RECORD_GIVE_UP_MS = 10 * 60_000;

/**
 * The provider has the message; only the record is missing. Treating a failed record as a failed
 * send would schedule a retry (and with the database gone, the redelivered message would send it
 * again). So the record is tried again for as long as the database is unreachable (up to
 * RECORD_GIVE_UP_MS). Another worker cannot send it meanwhile: it cannot claim without the
 * database, and once the database is back, a claimer that finds this claim run out waits a grace
 * before sending (the channel store's claim), time enough for this record to land. Any other error
 * goes up, and the next claim counts an ambiguous send.
 */
async function recordAfterSend(deps: SendDeps, record: () => Promise<void>): Promise<void> {
  const deadline = deps.clock.now().getTime() + RECORD_GIVE_UP_MS;
  let warned = false;
  for (;;) {
    try {
      return await record();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || deps.clock.now().getTime() + RECORD_RETRY_MS > deadline) throw err;
      if (!warned) deps.logger.warn({ err }, 'could not record a send (database unreachable); trying again until it is back');
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS));
    }
  }
}

/**
 * Back to the queue until the provider's pace has room: due when the slot it was refused would be
 * within reach, plus up to a second of jitter so deferred deliveries do not all return at once.
 */
async function defer(deps: SendDeps, delivery: ClaimedDelivery, retryAfterMs: number): Promise<SendOutcome> {
  const at = new Date(deps.clock.now().getTime() + retryAfterMs + Math.floor(Math.random() * 1000));
  await deps.store.deferClaimed(delivery, at);
  deps.metrics.outcome(delivery.channel, 'deferred');
  deps.logger.debug({ notificationId: delivery.notificationId, channel: delivery.channel, at: at.toISOString() }, 'delivery deferred by a provider rate limit');
  return 'deferred';
}

async function end(deps: SendDeps, delivery: ClaimedDelivery, how: { status: 'failed' | 'bounced'; reason: string; lastError: string; provider?: string }, attempts: AttemptRecord[]) {
  const { channel } = delivery;
  await deps.store.recordFinal(delivery, { ...how, deadLetterId: deps.newId(deps.clock.now()) }, attempts);
  deps.metrics.outcome(channel, how.status);
  deps.logger.warn({ notificationId: delivery.notificationId, channel, status: how.status, reason: how.reason, error: how.lastError }, `${OUT_OF_BAND[channel].label} delivery ended`);
  try {
    await deps.notifyFailure(delivery, how.status, how.reason);
  } catch (err) {
    deps.logger.warn({ err, notificationId: delivery.notificationId, channel }, 'could not post the in-app failure notice');
  }
}
