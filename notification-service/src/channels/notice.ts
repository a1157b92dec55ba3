import { nameUuid } from '@herald/platform';
import { deliverChunk } from '../app/deliver-chunk.js';
import type { AppDeps } from '../app/deps.js';
import type { ClaimedDelivery } from '../domain/channel-ports.js';
import { OUT_OF_BAND } from '../domain/channels.js';


/**
 * When a channel finally fails, the person hears about it in-app (docs/api.md): a `system`
 * notification naming the channel and what to fix. In-app only, so a failing email never announces
 * itself by email; keyed by (notification, channel), so a retried record posts it once.
 */
export function failureNotifier(deps: () => AppDeps) {
  return async (delivery: ClaimedDelivery, status: 'failed' | 'bounced', reason: string): Promise<void> => {
    const def = OUT_OF_BAND[delivery.channel];
    const title = status === 'bounced' ? `Your ${def.label} address bounced` : `We could not reach you by ${def.label}`;
    const why = status === 'bounced' ? `"${delivery.notification.title}" could not be delivered: the ${def.label} address was refused.` : `"${delivery.notification.title}" could not be sent by ${def.label} (${reason.replace(/_/g, ' ')}).`;
    await deliverChunk(deps(), {
      eventId: nameUuid(`herald-channel-notice|${delivery.notificationId}|${delivery.channel}`),
      draft: {
        type: 'system',
        priority: 'high',
        title,
        body: `${why} ${def.fixHint}`,
        data: { channel: delivery.channel, status, reason, notificationId: delivery.notificationId },
      },
      recipientIds: [delivery.recipientId],
      channels: ['in_app'],
    });
  };
}
