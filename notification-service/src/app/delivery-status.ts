import type { ChannelStatus } from '../domain/ports.js';
import type { AppDeps } from './deps.js';

export interface NotificationStatus {
  id: string;
  channels: ChannelStatus[];
}

/**
 * Per requested id, its deliveries channel by channel, in the order asked. Ids the caller neither
 * received nor sent (through the send API), and unknown ids, are left out rather than failing the
 * whole request: one stale id must not hide the others, and absence reveals nothing.
 */
export async function deliveryStatus(deps: AppDeps, viewerId: string, ids: readonly string[]): Promise<NotificationStatus[]> {
  const wanted = [...new Set(ids.map((id) => id.toLowerCase()))];
  const statuses = await deps.inbox.deliveryStatuses(wanted, viewerId);
  return wanted.flatMap((id) => {
    const channels = statuses.get(id);
    return channels ? [{ id, channels }] : [];
  });
}
