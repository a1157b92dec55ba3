import type { ChannelStore, DueDelivery } from '../domain/channel-ports.js';
import { decideFire, type FiredDelivery } from '../domain/fallback-rules.js';
import type { Clock, PreferenceStore } from '../domain/ports.js';

export interface FireDeps {
  store: ChannelStore;
  preferences: PreferenceStore;
  /** Publishes due deliveries to their channel queues (or the urgent lane); resolves once confirmed. */
  publish(due: readonly DueDelivery[]): Promise<void>;
  clock: Clock;
}

export interface SweepResult {
  fired: number;
  deferred: number;
  queued: number;
  retried: number;
}

/**
 * One sweep of the timers (docs/channels.md): in ONE transaction, claim due fallback timers, decide
 * per channel from the person's preferences and addresses as they are now, write a delivery row for
 * every channel in play (queued, or skipped with its reason), and publish the queued ones BEFORE the
 * commit. A crash before the commit rolls the claim back, so the timer fires again (the workers'
 * claim makes a second message harmless); a publish failure rolls back too. Retries whose backoff
 * ended are republished the same way. RabbitMQ only ever holds work that is due now.
 */
export async function sweepTimers(deps: FireDeps, limit = 500): Promise<SweepResult> {
  const now = deps.clock.now();
  return deps.store.fire(async (batch) => {
    const fired = await batch.claimDue(now, limit);
    const due: DueDelivery[] = [];
    let deferred = 0;
    if (fired.length > 0) {
      const recipients = [...new Set(fired.map((f) => f.recipientId))];
      const [preferences, { addresses, undeliverable }] = await Promise.all([deps.preferences.getMany(recipients), batch.addresses(recipients)]);
      const defer: { notificationId: string; until: Date }[] = [];
      const rows: (FiredDelivery & { notificationId: string; recipientId: string; urgent: boolean })[] = [];
      for (const item of fired) {
        const decision = decideFire({
          notification: item.notification,
          channels: item.channels,
          preferences: preferences.get(item.recipientId)!,
          addresses: addresses.get(item.recipientId) ?? {},
          undeliverable,
          now,
        });
        if (decision.action === 'defer') {
          defer.push({ notificationId: item.notification.id, until: decision.until });
          continue;
        }
        const urgent = item.notification.priority === 'critical';
        for (const d of decision.deliveries) rows.push({ ...d, notificationId: item.notification.id, recipientId: item.recipientId, urgent });
      }
      deferred = defer.length;
      await batch.defer(defer);
      due.push(...(await batch.insertDeliveries(rows)));
    }
    const queued = due.length;
    const retries = await batch.claimRetries(now, limit);
    due.push(...retries);
    if (due.length > 0) await deps.publish(due);
    return { fired: fired.length, deferred, queued, retried: retries.length };
  });
}
