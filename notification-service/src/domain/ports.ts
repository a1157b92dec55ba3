import type { OutOfBandChannel } from './channels.js';
import type { InitialDelivery, SkipReason } from './channel-rules.js';
import type { Channel, DeliveryStatus, Notification } from './notification.js';
import type { ProjectionChange, SessionRevocation, UserProfile } from './plan.js';
import type { Preferences } from './preferences.js';

/**
 * What the use cases need from the outside world, and nothing more. Every port is batch-shaped
 * (arrays in, maps out) so that delivering a chunk of 1,000 recipients costs one call per step, never
 * one per recipient (docs/architecture.md invariant 4). Implementations live in src/adapters/ (prisma-*,
 * redis-*, memory-*) and are held to one shared contract suite.
 */

export interface Clock {
  now(): Date;
}

/** A notification as stored: the public shape plus whose inbox holds it. */
export interface InboxItem {
  recipientId: string;
  notification: Notification;
  /**
   * False for an item kept only for its fallback deliveries (in_app switched off for its type but
   * email on): it is never listed, counted, grouped or pushed live. Default true.
   */
  inInbox?: boolean;
  /** The caller of the send API that created it; they may read its delivery status. */
  senderId?: string;
  /**
   * The out-of-band timer: when the item, if still unread, goes out on these channels
   * (app/delivery-rows.ts). `at: null` with a reason: no timer, the channels were in play but
   * not needed (`delivered_live`: the person had a live session when it was created).
   */
  fallback?: { at: Date | null; channels: readonly OutOfBandChannel[]; reason?: 'delivered_live' } | null;
}

/** Why a delivery was skipped: the policy's reasons, and what happens to it later. */
export type DeliveryReason = SkipReason | 'delivered_live' | 'read' | 'superseded' | 'not_requested' | 'no_address' | 'undeliverable';

export interface DeliveryRow extends Omit<InitialDelivery, 'reason' | 'status'> {
  notificationId: string;
  recipientId: string;
  channel: Channel;
  /** in_app starts `delivered` (the inbox is that channel) or `skipped`; a fallback starts `pending` (a skipped fallback gets no row). */
  status: Extract<DeliveryStatus, 'pending' | 'delivered' | 'skipped'>;
  reason: DeliveryReason | null;
}

export interface ChannelStatus {
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  /** The provider that took (or last tried) it. */
  provider?: string;
  /** Set when skipped (an addition to the documented shape, like the two below). */
  reason?: string;
  /** Held until then (quiet hours). */
  notBefore?: string;
  /** Waiting for this digest rather than being sent on its own. */
  digest?: 'daily' | 'weekly';
  /** The digest that took it (docs/channels.md "Digests"): it went out, or ended, with that digest. */
  digestId?: string;
  updatedAt: string;
}

/** The send API's answer to (sender, idempotency key), kept with the notifications it created. */
export interface SendRecord {
  senderId: string;
  idempotencyKey: string;
  eventId: string;
  requestHash: string;
  ids: string[];
}

export type MuteKind = 'mute' | 'block';

export interface MuteEntry {
  userId: string;
  kind: MuteKind;
  createdAt: string;
}

/** The receipts of one event's recipients (claimReceipts). */
export interface ReceiptGroup {
  eventId: string;
  recipientIds: readonly string[];
}

/** One group key's open items among these recipients (openGroups). */
export interface OpenGroupQuery {
  groupKey: string;
  recipientIds: readonly string[];
}

/** The writes of one or more chunks, inside one transaction. */
export interface InboxUnitOfWork {
  /**
   * Claims the (eventId, recipient) receipts of each group (one statement for all) and returns, per
   * group and sorted, the recipients claimed by this call; those already claimed (a redelivered
   * event) are left out and must get nothing. The send API passes its idempotency key as the
   * eventId. The groups of one call never share an eventId (the chunk batcher keeps them apart).
   */
  claimReceipts(groups: readonly ReceiptGroup[]): Promise<string[][]>;
  /**
   * When the earliest of these (eventId, recipient) receipts was claimed; undefined when none was.
   * A redelivered chunk asks it of the recipients it found claimed: their items were written then,
   * and whether their frames went out before the crash is unknown.
   */
  claimedSince(eventId: string, recipientIds: readonly string[]): Promise<Date | undefined>;
  /**
   * Takes the next number of each recipient's stream (creating the stream at 1), one number per
   * occurrence (a person listed twice takes two), and returns each recipient's highest number taken;
   * the rows stay locked until commit, so a person's numbers commit in order.
   */
  nextSeqs(recipientIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Per group and recipient, the newest unread, unsuperseded item with the group's key, locked until
   * commit (one statement for every group). Groups of one call never share a (recipient, key) pair.
   */
  openGroups(groups: readonly OpenGroupQuery[]): Promise<Map<string, Notification>[]>;
  insertNotifications(items: readonly InboxItem[]): Promise<void>;
  /** Superseded items are never listed or counted again; reading one reads its successor. */
  supersede(replacements: readonly { recipientId: string; oldId: string; newId: string }[]): Promise<void>;
  insertDeliveries(rows: readonly DeliveryRow[]): Promise<void>;
  /** Stores the send API's answer unless (sender, key) is already there; true when stored. */
  recordSendRequest(record: SendRecord): Promise<boolean>;
}

export interface InboxStore {
  /** Runs `work` in one transaction: its writes commit together or not at all. */
  transaction<T>(work: (uow: InboxUnitOfWork) => Promise<T>): Promise<T>;
  /** Newest first; `cursor` is the last id of the previous page. */
  list(
    userId: string,
    page: { cursor?: string | null; limit: number; unreadOnly?: boolean },
  ): Promise<{ items: Notification[]; nextCursor: string | null }>;
  /** Oldest first, ids strictly after `afterId`: the resume query. */
  listAfter(userId: string, afterId: string, limit: number): Promise<Notification[]>;
  unreadCount(userId: string): Promise<number>;
  /** For hello: the unread count and the newest number of the user's stream (0 before any), in one round trip. */
  streamHead(userId: string): Promise<{ unread: number; seq: number }>;
  /** streamHead for a batch of hellos in one query; every requested id is present, keyed as asked. */
  streamHeads(userIds: readonly string[]): Promise<Map<string, { unread: number; seq: number }>>;
  /** One query for a whole chunk's unread_count frames; every requested id is present. */
  unreadCounts(userIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Marks the user's own items read (others' ids are ignored); returns the ids that changed. A
   * superseded id reads its latest successor. The in_app delivery becomes `read` and fallback
   * deliveries still waiting are skipped (reason `read`): nobody needs an email about what they read.
   */
  markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]>;
  /** Returns how many items changed; deliveries as in markRead. */
  markAllRead(userId: string, at: Date): Promise<number>;
  /** The subset of `ids` that are items of this user (superseded ones included). */
  ownedBy(ids: readonly string[], userId: string): Promise<Set<string>>;
  /**
   * Per notification this viewer received or sent (send API), its channels; unknown or foreign ids
   * are absent.
   */
  deliveryStatuses(ids: readonly string[], viewerId: string): Promise<Map<string, ChannelStatus[]>>;
  /**
   * After the live push: people who had a live session need no fallback (their timer is cleared,
   * reason `delivered_live`), except critical items, whose timer moves to createdAt +
   * ESCALATE_AFTER_MS. Each item comes with its recipient (the inbox is found by recipient first).
   * Returns how many items changed.
   */
  settleOnline(items: readonly { recipientId: string; notificationId: string }[], escalateAfterMs: number): Promise<number>;
  findSendRequest(senderId: string, idempotencyKey: string): Promise<SendRecord | null>;
}

export interface PreferenceStore {
  /** Every requested id is present: stored preferences, or the defaults (in the user's registered zone when known). */
  getMany(userIds: readonly string[]): Promise<Map<string, Preferences>>;
  get(userId: string): Promise<Preferences>;
  /** Stores already-normalized preferences (normalizePreferences), replacing what was there. */
  put(userId: string, preferences: Preferences): Promise<void>;
}

/**
 * A user as projected so far: every field known, or (when a user.updated overtook the user's
 * user.registered) only those some event has set.
 */
export type ProjectedUser = Pick<UserProfile, 'id'> & Partial<Omit<UserProfile, 'id'>>;

export interface ProjectionStore {
  /**
   * Applies changes in order; a change older (`asOf`) than the stored state is ignored. A user's
   * profile is ordered per field, so an older user.updated still sets the fields no newer event set.
   * A block change (user.blocked / user.unblocked) is ordered per pair the same way and, when it is
   * the newest, sets the blocker's mute entry of the blocked person to kind `block` or removes that
   * entry if its kind is `block` (an entry the person set to `mute` meanwhile stays).
   */
  applyChanges(changes: readonly ProjectionChange[]): Promise<void>;
  /** The projected profile, with only the fields an event has set; null for an unknown id. */
  userProfile(userId: string): Promise<ProjectedUser | null>;
  /** The subset of `userIds` that are registered users (user.registered seen). */
  knownUsers(userIds: readonly string[]): Promise<Set<string>>;
  /** Follower ids of `userId` in ascending order, strictly after `after` (keyset paging). */
  followersPage(userId: string, after: string | null, limit: number): Promise<string[]>;
  /** The subset of `recipientIds` who muted or blocked `actorId`. */
  mutedBy(recipientIds: readonly string[], actorId: string): Promise<Set<string>>;
  /**
   * The subset of `recipientIds` who must get nothing of this actor's (one query per chunk): those
   * who muted or blocked the actor, deleted accounts, and all of them when the actor's own account
   * was deleted (an event of theirs that arrives after the deletion). Without an actor (the send
   * API), deleted accounts only.
   */
  unreachable(recipientIds: readonly string[], actorId?: string): Promise<Set<string>>;
  /** `unreachable` for several (recipients, actor) groups in one query: one set per group, in order. */
  unreachableMany(groups: readonly { recipientIds: readonly string[]; actorId?: string }[]): Promise<Set<string>[]>;
  /** Mutes (or blocks) `mutedUserId` for `userId`; repeating it changes the kind only. */
  mute(userId: string, mutedUserId: string, kind: MuteKind, at: Date): Promise<void>;
  /**
   * Removes the entry, unless `userId` blocks `mutedUserId` in user-service (a projected
   * user.blocked): that entry goes only with the unblock, so the mutes routes cannot let a blocked
   * person's notifications through again.
   */
  unmute(userId: string, mutedUserId: string): Promise<void>;
  /** Everyone this user muted or blocked, newest first. */
  mutes(userId: string): Promise<MuteEntry[]>;
}

/**
 * Everything this service holds about a person whose account was deleted (user.deleted), erased
 * at-least-once: the projected user becomes a tombstone first (every profile field gone, so no
 * address is left to send to; no later event writes to it), then their inbox (notifications, their
 * deliveries, delivery attempts and pending fallback timers), receipts, dead letters, preferences,
 * mutes in both directions, bounced addresses, follow edges in both directions, the webhook
 * endpoints and send-API idempotency records they own. Idempotent: a repeat finds nothing to erase.
 */
export interface UserErasure {
  /** Rows erased per table (for the log line). */
  eraseUser(userId: string, deletedAt: Date): Promise<Record<string, number>>;
}

export interface Presence {
  /**
   * Adds, or refreshes before they expire, this instance's sockets for these users. Returns the users
   * whose entry for this instance was missing or had expired (lost, or never there): frames other
   * instances sent them meanwhile went nowhere.
   */
  register(instanceId: string, userIds: readonly string[]): Promise<string[]>;
  unregister(instanceId: string, userIds: readonly string[]): Promise<void>;
  /** Live instances per user; users with none are absent. */
  instancesFor(userIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * Records how many sockets `instanceId` holds per user (0 forgets it); a count lasts as long as a
   * registration unless set again, so a dead instance's counts expire with its presence.
   */
  setSessionCounts(instanceId: string, counts: ReadonlyMap<string, number>): Promise<void>;
  /** Sockets the user holds on every other live instance (WS_MAX_SESSIONS_PER_USER is global). */
  sessionsElsewhere(userId: string, instanceId: string): Promise<number>;
}

export type LiveFrame =
  | { type: 'notification'; notification: Notification }
  | { type: 'unread_count'; count: number };

export interface AddressedFrame {
  userId: string;
  frame: LiveFrame;
}

/**
 * What the use cases need of the live layer (src/live/): push frames to every session of the users
 * they address, wherever their sockets are, and say who had at least one live session. Best effort:
 * the inbox is the truth, so a failure here never fails a delivery.
 */
export interface LiveDelivery {
  deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }>;
  /**
   * Who of these has a live session anywhere now (local sockets and presence: one pipeline). Read
   * before a chunk's transaction so online people get no fallback timer and need no UPDATE after.
   * Best effort: when presence cannot be read, only local sessions count.
   */
  whoIsOnline(userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Closes, on every instance, the live sockets of ended sessions with 4401. Best effort across
   * instances (a socket it misses still closes when its token expires).
   */
  revoke(revocation: SessionRevocation): Promise<void>;
  /**
   * These users' sockets, wherever they are, may have missed frames of notifications newer than
   * `after` (undefined: only their unread counts): each catches up from the inbox, skipping what it
   * was already sent. Best effort; never throws.
   */
  catchUpUsers(userIds: readonly string[], after: string | undefined): Promise<void>;
}

export interface LiveRouter {
  /** Best effort (the inbox is the truth): one message per instance, holding all of its frames. */
  sendToInstances(framesByInstance: ReadonlyMap<string, readonly AddressedFrame[]>): Promise<void>;
}
