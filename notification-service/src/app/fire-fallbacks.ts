import type { ChannelStore, DueDelivery } from '../domain/channel-ports.js';
import { decideFire, type FiredDelivery } from '../domain/fallback-rules.js';
import type { Clock } from '../domain/ports.js';
import { DEFAULT_PREFERENCES } from '../domain/preferences.js';

export interface FireDeps {
  store: ChannelStore;
  /** Publishes due deliveries to their channel queues (or the urgent lane); resolves once confirmed. */
  publish(due: readonly DueDelivery[]): Promise<void>;
  clock: Clock;
  /** A dispatched delivery nobody claimed is published again this long after (a message lost after its confirm). */
  redispatchMs: number;
  /** A claim older than this was abandoned by a worker that died: dispatched again. */
  leaseMs: number;
}

export interface SweepResult {
  fired: number;
  deferred: number;
  queued: number;
  /** Deliveries published (new, retries, replays, re-dispatches). */
  retried: number;
}

/**
 * One sweep of the timers (docs/channels.md), in two steps:
 * 1. ONE transaction: claim due fallback timers, decide per channel from the person's preferences and
 *    addresses as they are now, and write a delivery row for every channel in play (queued and due
 *    for dispatch, or skipped with its reason). A crash before the commit leaves the timers to fire
 *    again.
 * 2. Dispatch: mark due queued rows dispatched (with a re-dispatch time) and commit, THEN publish.
 *    Publishing after the commit means a worker can always see the row its message names; a publish
 *    that fails is undone at once, and a message lost after a confirm is published again when its
 *    re-dispatch time comes (the worker's claim makes the second message harmless).
 * RabbitMQ only ever holds work that is due now.
 */
export async function sweepTimers(deps: FireDeps, limit = 500): Promise<SweepResult> {
  const now = deps.clock.now();
  const { fired, deferred, queued } = await deps.store.fire(async (batch) => {
    const fired = await batch.claimDue(now, limit);
    if (fired.length === 0) return { fired: 0, deferred: 0, queued: 0 };
    const recipients = [...new Set(fired.map((f) => f.recipientId))];
    const { preferences, addresses, undeliverable } = await batch.recipients(recipients);
    const defer: { notificationId: string; recipientId: string; until: Date }[] = [];
    const rows: (FiredDelivery & { notificationId: string; recipientId: string; urgent: boolean })[] = [];
    for (const item of fired) {
      const decision = decideFire({
        notification: item.notification,
        channels: item.channels,
        preferences: preferences.get(item.recipientId) ?? DEFAULT_PREFERENCES,
        addresses: addresses.get(item.recipientId) ?? {},
        undeliverable,
        now,
      });
      if (decision.action === 'defer') {
        defer.push({ notificationId: item.notification.id, recipientId: item.recipientId, until: decision.until });
        continue;
      }
      const urgent = item.notification.priority === 'critical';
      for (const d of decision.deliveries) rows.push({ ...d, notificationId: item.notification.id, recipientId: item.recipientId, urgent });
    }
    await batch.defer(defer);
    const inserted = await batch.insertDeliveries(rows);
    return { fired: fired.length, deferred: defer.length, queued: inserted.length };
  });
  const due = await deps.store.dispatch(deps.clock.now(), limit, deps.redispatchMs, deps.leaseMs);
  if (due.length > 0) {
    try {
      await deps.publish(due);
    } catch (err) {
      await deps.store.undispatch(due).catch(() => {});
      throw err;
    }
  }
  return { fired, deferred, queued, retried: due.length };
}
