import type { ChannelStore, ClaimedDelivery, ReplayResult } from './channel-ports.js';
import type { OutOfBandChannel } from './channels.js';
import type { DigestFrequency } from './digest-schedule.js';
import type { Addresses } from './fallback-rules.js';
import type { Notification, NotificationType } from './notification.js';
import type { Preferences } from './preferences.js';

/**
 * The digest store (docs/channels.md "Digests"): pending digest rows, the run keys that take them
 * once per person and period, and the `digests` ledger whose rows are sent like deliveries.
 */

/** Someone with pending rows held for digests of this frequency. */
export interface DigestCandidate {
  recipientId: string;
  frequency: DigestFrequency;
}

/** What a digest needs to know about a person, read when it runs. */
export interface DigestPerson {
  preferences: Preferences;
  addresses: Addresses;
  /** The user projection's locale (null: unknown). */
  locale: string | null;
}

/** A run key: one person's digest of one frequency for one local period, due at `at`. */
export interface DigestRunKey {
  recipientId: string;
  frequency: DigestFrequency;
  period: string;
  at: Date;
}

/** A pending digest row taken by a run (locked until its transaction ends). */
export interface HeldRow {
  notificationId: string;
  recipientId: string;
  channel: OutOfBandChannel;
  frequency: DigestFrequency;
  type: NotificationType;
  read: boolean;
  superseded: boolean;
}

/** What became of a held row. */
export interface SettledRow {
  notificationId: string;
  recipientId: string;
  channel: OutOfBandChannel;
  status: 'queued' | 'skipped' | 'cancelled';
  reason: string | null;
  digestId: string | null;
}

/** A new digest message, queued and due for dispatch at once. */
export interface NewDigest {
  id: string;
  recipientId: string;
  frequency: DigestFrequency;
  period: string;
  channel: OutOfBandChannel;
  address: string;
  notificationIds: string[];
}

/** The writes of one digest run, in one transaction. */
export interface DigestBatch {
  /** INSERT ... ON CONFLICT DO NOTHING of the run keys, in a fixed order: the keys this transaction won. */
  claimRuns(keys: readonly DigestRunKey[]): Promise<DigestRunKey[]>;
  /** The pending rows of these runs whose items were created before the run's instant, FOR UPDATE SKIP LOCKED. */
  takeRows(keys: readonly DigestRunKey[]): Promise<HeldRow[]>;
  /** Held rows become queued for their digest, skipped or cancelled. */
  settle(rows: readonly SettledRow[]): Promise<void>;
  insertDigests(digests: readonly NewDigest[]): Promise<void>;
}

/** A digest due on its channel queue now. */
export interface DueDigest {
  digestId: string;
  channel: OutOfBandChannel;
}

/** The digest itself, as a worker claimed it: what is still unread of it, read at the claim. */
export interface DigestMessage {
  id: string;
  frequency: DigestFrequency;
  period: string;
  /** The items still unread (live heads), any order; empty when every item was read meanwhile. */
  items: Notification[];
  locale: string | null;
  recipient: { name: string; username: string };
}

/** A claimed digest, in the shape the channel worker sends (app/send-delivery.ts). */
export interface ClaimedDigest extends ClaimedDelivery {
  digest: DigestMessage;
}

export const isClaimedDigest = (d: ClaimedDelivery): d is ClaimedDigest => 'digest' in d && (d as ClaimedDigest).digest !== undefined;

/** The writes a channel worker makes while sending one delivery: the digests ledger implements them too. */
export type DeliveryLedger = Pick<ChannelStore, 'claim' | 'cancelClaimed' | 'deferClaimed' | 'recordSent' | 'recordRetry' | 'recordFinal'>;

export interface DigestStore extends DeliveryLedger {
  /** People with pending digest rows after `after` (by frequency, then id), at most `limit`. */
  candidates(after: DigestCandidate | null, limit: number): Promise<DigestCandidate[]>;
  /** Preferences (or the defaults), addresses, locale; and the addresses that bounced. */
  people(userIds: readonly string[]): Promise<{ people: Map<string, DigestPerson>; undeliverable: Set<string> }>;
  /** The keys not claimed yet whose person has pending rows created before the key's instant. */
  unclaimed(keys: readonly DigestRunKey[]): Promise<DigestRunKey[]>;
  /** Runs `work` in one transaction. */
  run<T>(work: (batch: DigestBatch) => Promise<T>): Promise<T>;
  /** Like ChannelStore.dispatch, for digests: marked dispatched and committed before they are published. */
  dispatch(now: Date, limit: number, redispatchMs: number, leaseMs: number): Promise<DueDigest[]>;
  undispatch(due: readonly DueDigest[]): Promise<void>;
  /** The dead letter of a digest back to queued; null when the dead letter is not a digest's. */
  replay(deadLetterId: string, now: Date): Promise<ReplayResult | null>;
}

/**
 * Open and click tracking of a digest (docs/channels.md "Digests"): its tracked links and pixel name
 * the digest, so the status moved is the digest's on its channel, and its items' rows with it (an
 * item link: that item `clicked`, the others `opened`; the inbox link or the pixel: every item
 * `opened`). Forward only, from `sent` on; never a read.
 */
export interface DigestTracking {
  trackedDigest(input: { digestId: string; channel: OutOfBandChannel; status: 'opened' | 'clicked'; notificationId?: string }): Promise<void>;
}
