import type { InitialDelivery } from './delivery-policy.js';
import type { Channel, DeliveryStatus, Notification } from './notification.js';
import type { ProjectionChange } from './plan.js';
import type { Preferences } from './preferences.js';

/**
 * What the use cases need from the outside world, and nothing more. Every port is batch-shaped
 * (arrays in, maps out) so that delivering a chunk of 1,000 recipients costs one call per step, never
 * one per recipient (DESIGN.md invariant 4). Implementations live in src/adapters/ (prisma-*,
 * redis-*, memory-*) and are held to one shared contract suite.
 */

export interface Clock {
  now(): Date;
}

/** A notification as stored: the public shape plus whose inbox holds it. */
export interface InboxItem {
  recipientId: string;
  notification: Notification;
}

export interface DeliveryRow extends InitialDelivery {
  notificationId: string;
  recipientId: string;
  channel: Channel;
}

export interface ChannelStatus {
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  updatedAt: string;
}

/** The writes of one chunk, inside one transaction. */
export interface InboxUnitOfWork {
  /**
   * Claims the (eventId, recipient) receipts and returns the recipients claimed by this call; those
   * already claimed (a redelivered event) are left out and must get nothing. The send API passes
   * its idempotency key as the eventId.
   */
  claimReceipts(eventId: string, recipientIds: readonly string[]): Promise<string[]>;
  /** Per recipient, the newest unread, unsuperseded item with this group key, locked until commit. */
  openGroups(groupKey: string, recipientIds: readonly string[]): Promise<Map<string, Notification>>;
  insertNotifications(items: readonly InboxItem[]): Promise<void>;
  /** Superseded items are never listed or counted again; reading one reads its successor. */
  supersede(replacements: readonly { recipientId: string; oldId: string; newId: string }[]): Promise<void>;
  insertDeliveries(rows: readonly DeliveryRow[]): Promise<void>;
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
  /** One query for a whole chunk's unread_count frames; every requested id is present. */
  unreadCounts(userIds: readonly string[]): Promise<Map<string, number>>;
  /** Marks the user's own items read (others' ids are ignored); returns the ids that changed. */
  markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]>;
  /** Returns how many items changed. */
  markAllRead(userId: string, at: Date): Promise<number>;
  /** Per notification of this user, its channels; unknown or foreign ids are absent. */
  deliveryStatuses(ids: readonly string[], userId: string): Promise<Map<string, ChannelStatus[]>>;
}

export interface PreferenceStore {
  /** Every requested id is present: stored preferences, or the defaults (in the user's registered zone when known). */
  getMany(userIds: readonly string[]): Promise<Map<string, Preferences>>;
  get(userId: string): Promise<Preferences>;
  /** Stores already-normalized preferences (normalizePreferences), replacing what was there. */
  put(userId: string, preferences: Preferences): Promise<void>;
}

export interface ProjectionStore {
  /** Applies changes in order; a change older (`asOf`) than the stored state is ignored. */
  applyChanges(changes: readonly ProjectionChange[]): Promise<void>;
  /** Follower ids of `userId` in ascending order, strictly after `after` (keyset paging). */
  followersPage(userId: string, after: string | null, limit: number): Promise<string[]>;
  /** The subset of `recipientIds` who muted or blocked `actorId`. */
  mutedBy(recipientIds: readonly string[], actorId: string): Promise<Set<string>>;
}

export interface Presence {
  /** Adds, or refreshes before they expire, this instance's sockets for these users. */
  register(instanceId: string, userIds: readonly string[]): Promise<void>;
  unregister(instanceId: string, userIds: readonly string[]): Promise<void>;
  /** Live instances per user; users with none are absent. */
  instancesFor(userIds: readonly string[]): Promise<Map<string, string[]>>;
}

export type LiveFrame =
  | { type: 'notification'; notification: Notification }
  | { type: 'unread_count'; count: number };

export interface AddressedFrame {
  userId: string;
  frame: LiveFrame;
}

export interface LiveRouter {
  /** Best effort (the inbox is the truth): one message per instance, holding all of its frames. */
  sendToInstances(framesByInstance: ReadonlyMap<string, readonly AddressedFrame[]>): Promise<void>;
}
