import { OUT_OF_BAND, type OutOfBandChannel } from '../domain/channels.js';
import { decideDelivery, type ChannelDecision } from '../domain/channel-rules.js';
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

/** When and where a new notification may go out of band; null when no out-of-band channel is in play. */
export interface FallbackPlan {
  at: Date;
  channels: OutOfBandChannel[];
}

/**
 * The delivery rows a new notification starts with, and its fallback timer. in_app is the inbox
 * itself, so it starts `delivered` (or `skipped` when the item is kept only for its fallbacks). An
 * out-of-band channel gets NO row at fan-out (docs/channels.md, "Lean rows"): the notification
 * carries one timer (`fallbackAt`, the later of createdAt + FALLBACK_DELAY_MS and the end of quiet
 * hours) and the channels it may use; rows appear only when the timer fires and something is really
 * attempted. A channel held for a daily/weekly digest keeps a pending row (the digest's queue).
 */
export function deliveryRows(notificationId: string, recipientId: string, decisions: Decisions, createdAt: Date, fallbackDelayMs: number): { rows: DeliveryRow[]; fallback: FallbackPlan | null } {
  // Plain literals, no spreads: this runs once per recipient, 10,000 times for one post to 10,000 followers.
  const rows: DeliveryRow[] = [];
  let fallback: FallbackPlan | null = null;
  for (const channel of CHANNELS) {
    const decision = decisions[channel];
    if (channel === 'in_app') {
      if (decision.action === 'skip') rows.push({ notificationId, recipientId, channel, status: 'skipped', reason: decision.reason, notBefore: null, digest: null });
      else rows.push({ notificationId, recipientId, channel, status: 'delivered', reason: null, notBefore: null, digest: null });
      continue;
    }
    if (decision.action === 'skip' || !OUT_OF_BAND[channel].enabled) continue;
    if (decision.action === 'digest') {
      rows.push({ notificationId, recipientId, channel, status: 'pending', reason: null, notBefore: null, digest: decision.frequency });
      continue;
    }
    fallback ??= { at: new Date(createdAt.getTime() + fallbackDelayMs), channels: [] };
    if (decision.action === 'defer' && decision.until > fallback.at) fallback.at = decision.until;
    fallback.channels.push(channel);
  }
  return { rows, fallback };
}
