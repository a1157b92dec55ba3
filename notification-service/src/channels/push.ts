import type { ClaimedDelivery } from '../domain/channel-ports.js';
import type { OutboundMessage } from '../domain/channels.js';

/**
 * A push delivery's message as rendered (templates' `push` case: title, body, url), plus what only
 * the notification knows and the service worker needs: its id and type, its group as the tag (a newer
 * notification of the group replaces the older one on screen), and whether it is urgent (critical).
 */
export function withPushDetails(message: OutboundMessage, d: Pick<ClaimedDelivery, 'channel' | 'notification' | 'urgent'> & { notificationId?: string }): OutboundMessage {
  if (d.channel !== 'push') return message;
  const n = d.notification;
  return {
    ...message,
    push: { notificationId: d.notificationId ?? n.id, type: n.type, ...(n.groupKey ? { tag: n.groupKey } : {}), urgent: d.urgent || n.priority === 'critical' },
  };
}
