import { uuidv7 } from '@herald/platform';
import type { OutOfBandChannel } from '../../src/domain/channels.js';
import type { DeliveryStatus, Notification } from '../../src/domain/notification.js';
import type { DeliveryReason, DeliveryRow, InboxStore, PreferenceStore, ProjectionStore, UserErasure } from '../../src/domain/ports.js';

/** The three stores of one backend (memory, or Prisma on one test database). */
export interface Stores {
  inbox: InboxStore;
  preferences: PreferenceStore;
  projections: ProjectionStore;
  /** user.deleted over the three stores above. */
  erasure: UserErasure;
}

export type MakeStores = () => Promise<Stores>;

export const newUser = (): string => uuidv7();

export function item(over: Partial<Notification> = {}): Notification {
  const at = new Date();
  return {
    id: uuidv7(at.getTime()),
    type: 'system',
    category: 'informational',
    priority: 'normal',
    title: 'Hello',
    body: 'World',
    data: {},
    createdAt: at.toISOString(),
    readAt: null,
    ...over,
  };
}

export interface Seeded {
  id: string;
  notification: Notification;
}

/** The fan-out's default delay before an unread item goes out of band (FALLBACK_DELAY_MS). */
export const FALLBACK_DELAY_MS = 120_000;

export const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** A delivery row as the sweep or a worker leaves it (any status), or a pending digest row. */
export interface SeedRow {
  status: DeliveryStatus;
  reason?: DeliveryReason;
  digest?: 'daily' | 'weekly';
}

/**
 * Inserts items in one transaction, each as the fan-out writes it: an in_app `delivered` row and
 * an out-of-band timer (`fallback`, default email at createdAt + FALLBACK_DELAY_MS; null for none),
 * plus any out-of-band `rows` (what a fired timer, a worker or a digest would have left).
 */
export async function seed(
  inbox: InboxStore,
  recipientId: string,
  items: Partial<Notification>[] = [{}],
  opts: { inInbox?: boolean; senderId?: string; fallback?: OutOfBandChannel[] | null; rows?: Partial<Record<OutOfBandChannel, SeedRow>> } = {},
): Promise<Seeded[]> {
  const made = items.map((over) => item(over));
  const channels = opts.fallback === undefined ? (['email'] as OutOfBandChannel[]) : opts.fallback;
  await inbox.transaction(async (uow) => {
    await uow.insertNotifications(made.map((notification) => ({
      recipientId, notification, inInbox: opts.inInbox ?? true,
      fallback: channels ? { at: new Date(Date.parse(notification.createdAt) + FALLBACK_DELAY_MS), channels } : null,
      ...(opts.senderId ? { senderId: opts.senderId } : {}),
    })));
    const rows: DeliveryRow[] = made.flatMap((n) => {
      const base = { notificationId: n.id, recipientId, notBefore: null, digest: null, reason: null };
      const extra = (Object.entries(opts.rows ?? {}) as [OutOfBandChannel, SeedRow][]).map(([channel, row]) => ({
        ...base, channel,
        // Statuses past `pending` are written by the sweep and the workers, not the fan-out's DeliveryRow.
        status: row.status as DeliveryRow['status'], reason: row.reason ?? null, digest: row.digest ?? null,
      }));
      return [{ ...base, channel: 'in_app' as const, status: 'delivered' as const }, ...extra];
    });
    await uow.insertDeliveries(rows);
  });
  return made.map((notification) => ({ id: notification.id, notification }));
}

/** Several items one after another (ids increase), newest last. */
export const many = (n: number, over: Partial<Notification> = {}) => Array.from({ length: n }, (_, i) => ({ title: `item ${i}`, ...over }));
