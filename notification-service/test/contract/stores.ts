import { uuidv7 } from '@herald/platform';
import type { Notification } from '../../src/domain/notification.js';
import type { DeliveryRow, InboxStore, PreferenceStore, ProjectionStore } from '../../src/domain/ports.js';

/** The three stores of one backend (memory, or Prisma on one test database). */
export interface Stores {
  inbox: InboxStore;
  preferences: PreferenceStore;
  projections: ProjectionStore;
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

/** Inserts items (with an in_app `delivered` and an email `pending` row each) in one transaction. */
export async function seed(
  inbox: InboxStore,
  recipientId: string,
  items: Partial<Notification>[] = [{}],
  opts: { inInbox?: boolean; senderId?: string; emailStatus?: DeliveryRow['status'] | null } = {},
): Promise<Seeded[]> {
  const made = items.map((over) => item(over));
  await inbox.transaction(async (uow) => {
    await uow.insertNotifications(made.map((notification) => ({ recipientId, notification, inInbox: opts.inInbox ?? true, ...(opts.senderId ? { senderId: opts.senderId } : {}) })));
    const rows: DeliveryRow[] = made.flatMap((n) => {
      const base = { notificationId: n.id, recipientId, notBefore: null, digest: null, reason: null };
      const email = opts.emailStatus === null ? [] : [{ ...base, channel: 'email' as const, status: opts.emailStatus ?? ('pending' as const) }];
      return [{ ...base, channel: 'in_app' as const, status: 'delivered' as const }, ...email];
    });
    await uow.insertDeliveries(rows);
  });
  return made.map((notification) => ({ id: notification.id, notification }));
}

/** Several items one after another (ids increase), newest last. */
export const many = (n: number, over: Partial<Notification> = {}) => Array.from({ length: n }, (_, i) => ({ title: `item ${i}`, ...over }));
