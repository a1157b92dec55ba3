import {
  DELIVERY_STATUSES,
  NOTIFICATION_CATEGORIES as CATEGORIES,
  NOTIFICATION_PRIORITIES as PRIORITIES,
  NOTIFICATION_TYPES,
  OBJECT_KINDS,
} from '@herald/contracts/protocol';
import { OUT_OF_BAND_CHANNELS, type OutOfBandChannel } from './channels.js';

/**
 * The vocabulary of the inbox: what a notification is, as clients see it (docs/protocol.md), and
 * the small enumerations every other domain file speaks in. The public enumerations (types,
 * categories, priorities, delivery statuses) are defined once in @herald/contracts/protocol, with
 * the Notification schema the HTTP inbox and the live socket share.
 */

export { CATEGORIES, DELIVERY_STATUSES, NOTIFICATION_TYPES, PRIORITIES };

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export type Category = (typeof CATEGORIES)[number];
export type Priority = (typeof PRIORITIES)[number];

/** in_app (the inbox and the socket) first, then every out-of-band channel of domain/channels.ts. */
export const CHANNELS: readonly Channel[] = ['in_app', ...OUT_OF_BAND_CHANNELS];
export type Channel = 'in_app' | OutOfBandChannel;

/**
 * The lifecycle of one delivery (one notification on one channel), in the order it advances;
 * failed, bounced, skipped and cancelled are final and carry a reason.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface Actor {
  id: string;
  username: string;
  displayName: string;
}

export interface ObjectRef {
  kind: ObjectKind;
  id: string;
}

/**
 * The public shape (the Notification schema of @herald/contracts/protocol, which the live layer
 * checks this against); timestamps are ISO-8601 strings because this is what goes on the wire.
 */
export interface Notification {
  id: string;
  type: NotificationType;
  category: Category;
  priority: Priority;
  actor?: Actor;
  object?: ObjectRef;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
  groupKey?: string;
  count?: number;
  /**
   * Its place in the recipient's stream: 1, 2, 3, ... in the order the items committed, so a
   * client that receives n+2 after n knows n+1 is missing. Absent on items written before streams.
   */
  seq?: number;
}

/** Everything a notification says before it has an id, a time and a recipient. */
export interface NotificationDraft {
  type: NotificationType;
  priority: Priority;
  actor?: Actor;
  object?: ObjectRef;
  title: string;
  body: string;
  data: Record<string, unknown>;
  groupKey?: string;
}

export function isNotificationType(value: unknown): value is NotificationType {
  return typeof value === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** Alerts and reminders are their own categories; every social and system type is informational. */
export function categoryOf(type: NotificationType): Category {
  if (type === 'alert') return 'alert';
  if (type === 'reminder') return 'reminder';
  return 'informational';
}

/**
 * Gives a draft its identity. A grouped item starts as a group of one, so a later merge and a
 * client reading `count`/`data.actors` never need a special case for the first item.
 */
export function toNotification(draft: NotificationDraft, at: { id: string; createdAt: Date }): Notification {
  const notification: Notification = {
    id: at.id,
    type: draft.type,
    category: categoryOf(draft.type),
    priority: draft.priority,
    title: draft.title,
    body: draft.body,
    data: { ...draft.data },
    createdAt: at.createdAt.toISOString(),
    readAt: null,
  };
  if (draft.actor) notification.actor = { ...draft.actor };
  if (draft.object) notification.object = { ...draft.object };
  if (draft.groupKey !== undefined) {
    notification.groupKey = draft.groupKey;
    notification.count = 1;
    notification.data.actors = draft.actor ? [{ ...draft.actor }] : [];
  }
  return notification;
}

// A status only moves forward, and failed/bounced/skipped/cancelled (and read) are final. Workers,
// provider receipts and reads race (a late "delivered" may arrive after "bounced"), so every writer
// asks this before updating a row; the SQL adapters apply the same rank (deliveryStatusRankSql).
export const STATUS_RANK: Readonly<Record<DeliveryStatus, number>> = Object.freeze({
  pending: 0, scheduled: 1, queued: 2, sent: 3, delivered: 4, opened: 5, clicked: 6, read: 7,
  failed: 9, bounced: 9, skipped: 9, cancelled: 9,
});

const FINAL: ReadonlySet<DeliveryStatus> = new Set(['read', 'failed', 'bounced', 'skipped', 'cancelled']);

export function isFinalStatus(status: DeliveryStatus): boolean {
  return FINAL.has(status);
}

export function canAdvanceStatus(from: DeliveryStatus, to: DeliveryStatus): boolean {
  if (FINAL.has(from)) return false;
  // Once it reached the person it can no longer fail or bounce; once sent it can no longer be skipped or cancelled.
  if (to === 'failed' || to === 'bounced') return STATUS_RANK[from] < STATUS_RANK.delivered;
  if (to === 'skipped' || to === 'cancelled') return STATUS_RANK[from] < STATUS_RANK.sent;
  return STATUS_RANK[to] > STATUS_RANK[from];
}
