import type { AttemptRecord, OutOfBandChannel } from './channels.js';
import type { Addresses, FiredDelivery } from './fallback-rules.js';
import type { Notification } from './notification.js';
import type { Preferences } from './preferences.js';

/**
 * The timer store and delivery ledger of the out-of-band channels (docs/channels.md). PostgreSQL in
 * every mode (embedded runs PGlite): timers are rows claimed with FOR UPDATE SKIP LOCKED, so they
 * survive restarts, can be cancelled by a read, and fire once across instances.
 */

/** A notification whose fallback timer fired: unread and current at the moment it was claimed. */
export interface FiredItem {
  recipientId: string;
  notification: Notification;
  channels: OutOfBandChannel[];
}

/** A delivery that is due on a channel queue now. */
export interface DueDelivery {
  notificationId: string;
  channel: OutOfBandChannel;
  urgent: boolean;
}

/** The writes of one timer sweep, in one transaction. */
export interface FireBatch {
  /** Claims up to `limit` due timers and clears them (fallback_reason `fired`). */
  claimDue(now: Date, limit: number): Promise<FiredItem[]>;
  /**
   * Preferences (or the defaults), addresses and bounced addresses of these people, read inside the
   * sweep's transaction: the embedded database has one connection, so nothing may wait for a second.
   */
  recipients(userIds: readonly string[]): Promise<{ preferences: Map<string, Preferences>; addresses: Map<string, Addresses>; undeliverable: Set<string> }>;
  /** Quiet hours began: the timer is set again. */
  defer(items: readonly { notificationId: string; recipientId: string; until: Date }[]): Promise<void>;
  /** Inserts the rows (queued ones due for dispatch now); returns the queued ones actually inserted (never twice). */
  insertDeliveries(rows: readonly (FiredDelivery & { notificationId: string; recipientId: string; urgent: boolean })[]): Promise<DueDelivery[]>;
}

/** One delivery claimed by a worker for one attempt. */
export interface ClaimedDelivery {
  notificationId: string;
  channel: OutOfBandChannel;
  recipientId: string;
  address: string;
  attempts: number;
  urgent: boolean;
  notification: Notification;
  /** A previous attempt claimed it and never recorded an outcome: it may have sent (ambiguous). */
  previousClaimLost: boolean;
}

export type ClaimResult =
  | { kind: 'claimed'; delivery: ClaimedDelivery }
  /** Another worker holds a live claim: the delivery is rescheduled for when that claim expires. */
  | { kind: 'busy' }
  /** Nothing to do: sent, ended, cancelled, waiting for its backoff, or unknown. */
  | { kind: 'gone' }
  /**
   * Over the person's throttle for the channel (domain/throttle.ts): not sent, and already settled
   * in the claim's transaction: held for their next digest, or skipped with reason `throttled`.
   */
  | { kind: 'throttled'; outcome: 'digest' | 'skipped' };

export interface DeadLetter {
  id: string;
  notificationId: string;
  channel: OutOfBandChannel;
  recipientId: string;
  status: 'failed' | 'bounced';
  reason: string;
  lastError: string | null;
  attempts: number;
  createdAt: string;
  replayedAt: string | null;
}

export type ReplayResult = 'replayed' | 'not_found' | 'already_replayed' | 'already_sent';

export interface ChannelStore {
  /** Runs one timer sweep in one transaction. */
  fire<T>(work: (batch: FireBatch) => Promise<T>): Promise<T>;
  /**
   * In its own committed transaction: queued deliveries due for publishing (new ones, retries whose
   * backoff ended, replays, dispatches that were never claimed, claims older than `leaseMs` whose
   * worker died) are marked dispatched and get a
   * re-dispatch time `redispatchMs` later. The caller publishes them AFTER this commits, so a worker
   * can always see what its message names.
   */
  dispatch(now: Date, limit: number, redispatchMs: number, leaseMs: number): Promise<DueDelivery[]>;
  /** The publish failed: due again at once. */
  undispatch(due: readonly DueDelivery[]): Promise<void>;
  claim(notificationId: string, channel: OutOfBandChannel, leaseMs: number): Promise<ClaimResult>;
  /** The item was read before its send: cancelled, reason `read`. */
  cancelClaimed(d: ClaimedDelivery, reason: 'read'): Promise<void>;
  /**
   * Whether the item has been read since its claim (which saw it unread): asked once more after
   * the message is rendered, right before it goes to the provider.
   */
  wasRead(d: ClaimedDelivery): Promise<boolean>;
  /**
   * The provider's rate limit had no slot soon enough: still queued, due again at `at`, the claim
   * released and its attempt given back (waiting for our own pace is no failed attempt).
   */
  deferClaimed(d: ClaimedDelivery, at: Date): Promise<void>;
  /** `sentAt`: when the successful attempt handed the message to the provider. */
  recordSent(d: ClaimedDelivery, result: { provider: string; providerMessageId?: string; status: 'sent' | 'delivered'; sentAt: Date }, attempts: readonly AttemptRecord[]): Promise<void>;
  recordRetry(d: ClaimedDelivery, at: Date, lastError: string, provider: string | undefined, attempts: readonly AttemptRecord[]): Promise<void>;
  /** Ends the delivery, writes its dead letter, and marks a bounced address undeliverable. */
  recordFinal(d: ClaimedDelivery, end: { status: 'failed' | 'bounced'; reason: string; lastError: string; provider?: string; deadLetterId: string }, attempts: readonly AttemptRecord[]): Promise<void>;
  /** A provider receipt (SMS status callback): moves the status forward only. Returns false if unknown. */
  providerStatus(providerMessageId: string, status: 'sent' | 'delivered' | 'failed', error?: string): Promise<boolean>;
  /** Open/click tracking: forward only; `opened` never marks the item read. */
  tracked(notificationId: string, channel: OutOfBandChannel, status: 'opened' | 'clicked'): Promise<void>;
  deadLetters(filter: { channel?: OutOfBandChannel; limit: number }): Promise<DeadLetter[]>;
  replay(deadLetterId: string, now: Date): Promise<ReplayResult>;
  /** Seconds since the oldest due item (timer or queued delivery) per channel: a stalled worker shows here. */
  oldestDueAgeSeconds(now: Date): Promise<Record<string, number>>;
  deadLetterDepth(): Promise<number>;
  /** Out-of-band messages sent for items already read when they went out, over all sent. */
  sentAfterRead(): Promise<{ sent: number; afterRead: number }>;
}
