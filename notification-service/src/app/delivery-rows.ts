import { decideDelivery, initialDelivery, type ChannelDecision } from '../domain/delivery-policy.js';
import { CHANNELS, type Channel, type NotificationDraft } from '../domain/notification.js';
import type { Preferences } from '../domain/preferences.js';
import type { DeliveryRow } from '../domain/ports.js';

/** The policy's decision per channel, plus channels a send API caller left out of `channels`. */
export type Decision = ChannelDecision | { action: 'skip'; reason: 'not_requested' };
export type Decisions = Record<Channel, Decision>;

/**
 * The policy's answer for one recipient, narrowed to the channels a send API caller asked for, or
 * null when no channel is left: such a recipient gets nothing at all, not even a stored row.
 */
export function decide(preferences: Preferences, draft: NotificationDraft, now: Date, only?: ReadonlySet<Channel>): Decisions | null {
  const decisions: Decisions = decideDelivery({ preferences, type: draft.type, priority: draft.priority, now });
  if (only) for (const channel of CHANNELS) if (!only.has(channel)) decisions[channel] = { action: 'skip', reason: 'not_requested' };
  return CHANNELS.some((channel) => decisions[channel].action !== 'skip') ? decisions : null;
}

export const inInbox = (decisions: Decisions) => decisions.in_app.action !== 'skip';

/**
 * The delivery rows a new notification starts with. in_app is the inbox itself, so it starts
 * `delivered` (or `skipped` when the item is kept only for its fallbacks). A fallback channel that
 * is skipped gets no row: at 100,000 followers a row per switched-off channel is pure cost, and the
 * status route lists the channels that were in play.
 */
export function deliveryRows(notificationId: string, recipientId: string, decisions: Decisions): DeliveryRow[] {
  // Plain literals, no spreads: this runs once per recipient, 10,000 times for one post to 10,000 followers.
  const rows: DeliveryRow[] = [];
  for (const channel of CHANNELS) {
    const decision = decisions[channel];
    if (decision.action === 'skip') {
      if (channel === 'in_app') rows.push({ notificationId, recipientId, channel, status: 'skipped', reason: decision.reason, notBefore: null, digest: null });
      continue;
    }
    const initial = initialDelivery(decision);
    const status = channel === 'in_app' ? 'delivered' : 'pending';
    rows.push({ notificationId, recipientId, channel, status, reason: null, notBefore: initial.notBefore, digest: initial.digest });
  }
  return rows;
}
