import type { Actor, Category, Notification, NotificationType, ObjectKind, Priority } from '../domain/notification.js';
import { Prisma } from '../generated/prisma/client.js';
import { uuidArray } from './pg-safe.js';

/** A `notifications` row as raw SQL returns it (uuid → string, jsonb → value, timestamptz → Date). */
export interface NotificationRow {
  id: string;
  recipient_id: string;
  type: string;
  category: string;
  priority: string;
  actor: Actor | null;
  object_kind: string | null;
  object_id: string | null;
  title: string;
  body: string;
  data: Record<string, unknown> | null;
  group_key: string | null;
  count: number | null;
  created_at: Date;
  read_at: Date | null;
  seq: bigint | number | null;
}

const COLUMN_NAMES = ['id', 'recipient_id', 'type', 'category', 'priority', 'actor', 'object_kind', 'object_id', 'title', 'body', 'data', 'group_key', 'count', 'created_at', 'read_at', 'seq'];

export const NOTIFICATION_COLUMNS = Prisma.raw(COLUMN_NAMES.join(', '));

/** The same columns qualified by a table alias, for joins and UPDATE ... FROM ... RETURNING. */
export const notificationColumnsOf = (alias: 'n') => Prisma.raw(COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', '));

// The filters every inbox query shares, written out (not parameters) so the planner matches them
// against the partial indexes' predicates.
export const LISTED = Prisma.raw('superseded_by IS NULL AND in_inbox');
/** Unread and listed: what the badge counts (the notifications_unread_idx partial index). */
export const UNREAD_TEXT = 'read_at IS NULL AND superseded_by IS NULL AND in_inbox';
export const UNREAD = Prisma.raw(UNREAD_TEXT);

/**
 * `n.recipient_id = ANY(<the recipients>)`, for statements that join the inbox (alias `n`) to a
 * list of (recipient, id) pairs. The join alone prunes at run time, one probe per pair, but the
 * planner prices each probe as if it visited every partition and, for a long list, may prefer
 * scanning them all; with the list as a constant it prunes while planning, to the partitions of
 * these recipients only (one for one person).
 */
export const ofRecipients = (recipientIds: readonly string[]) => Prisma.sql`n.recipient_id = ANY(${uuidArray(new Set(recipientIds))})`;

export function fromRow(row: NotificationRow): Notification {
  const notification: Notification = {
    id: row.id,
    type: row.type as NotificationType,
    category: row.category as Category,
    priority: row.priority as Priority,
    title: row.title,
    body: row.body,
    data: row.data ?? {},
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at ? row.read_at.toISOString() : null,
  };
  if (row.actor) notification.actor = row.actor;
  if (row.object_kind && row.object_id) notification.object = { kind: row.object_kind as ObjectKind, id: row.object_id };
  if (row.group_key !== null) notification.groupKey = row.group_key;
  if (row.count !== null) notification.count = row.count;
  if (row.seq !== null && row.seq !== undefined) notification.seq = Number(row.seq);
  return notification;
}
