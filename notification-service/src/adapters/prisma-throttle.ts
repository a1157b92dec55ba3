import type { OutOfBandChannel } from '../domain/channels.js';
import type { NotificationType, Priority } from '../domain/notification.js';
import { isOverLimit, overflowOf, throttleFor, type ThrottlePolicy } from '../domain/throttle.js';
import type { Db, Tables } from './prisma-client.js';
import { preferencesOf } from './prisma-preference-store.js';

export interface ThrottleSubject {
  notificationId: string;
  recipientId: string;
  channel: OutOfBandChannel;
  type: NotificationType;
  priority: Priority;
}

/**
 * The per-person throttle (domain/throttle.ts), checked inside the transaction of a worker's claim,
 * which holds the delivery's row lock. Exact across instances:
 * 1. a transaction-scoped advisory lock per (person, channel) makes the claims of one person's
 *    deliveries on one channel take turns, whichever instance runs them;
 * 2. the count is read after the lock is granted, in a statement of its own (so its snapshot sees
 *    every claim that went before): messages sent within the window (`sent_at`, by
 *    deliveries_recipient_sent_idx; digests excluded, they are never throttled) plus deliveries
 *    claimed by a worker sending them right now (deliveries_recipient_claimed_idx), this one aside;
 * 3. under the limit, the caller claims the row before the commit releases the lock, so the next
 *    claimer counts it. Over it, the row is settled here and never sent: held for the person's
 *    next digest (still `queued`, `digest` set, no address, claim or due time, until the digest
 *    sweep takes it) or `skipped`, both with reason `throttled`.
 * Returns null when the delivery may go, else what became of it.
 */
export async function throttleAtClaim(db: Db, t: Tables, policy: ThrottlePolicy, d: ThrottleSubject): Promise<'digest' | 'skipped' | null> {
  const limit = throttleFor(policy, d);
  if (!limit) return null;
  await db.$queryRaw`SELECT count(*)::int AS n FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`throttle|${d.recipientId}|${d.channel}`}, 0))) AS locked`;
  const counted = await db.$queryRaw<{ n: number }[]>`
    SELECT (SELECT count(*) FROM ${t.deliveries}
              WHERE recipient_id = ${d.recipientId}::uuid AND channel = ${d.channel} AND sent_at IS NOT NULL AND digest_id IS NULL
                AND sent_at > now() - make_interval(secs => ${limit.windowMs / 1000}))::int
         + (SELECT count(*) FROM ${t.deliveries}
              WHERE recipient_id = ${d.recipientId}::uuid AND channel = ${d.channel} AND claimed_at IS NOT NULL AND status = 'queued'
                AND notification_id <> ${d.notificationId}::uuid)::int AS n`;
  if (!isOverLimit(limit, counted[0]?.n ?? 0)) return null;

  const people = await db.$queryRaw<{ preferences: unknown; timezone: string | null }[]>`
    SELECT p.preferences, u.timezone FROM (SELECT ${d.recipientId}::uuid AS id) AS r
    LEFT JOIN ${t.users} u ON u.id = r.id LEFT JOIN ${t.preferences} p ON p.user_id = r.id`;
  const overflow = overflowOf(preferencesOf(people[0]?.preferences ?? null, people[0]?.timezone ?? null), d.channel);
  if (overflow.action === 'digest') {
    // Still `queued` (a status never moves back to `pending`), now held like a digest row: the
    // digest sweep takes held rows by `digest` with no `digest_id` yet (deliveries_digest_idx).
    await db.$executeRaw`
      UPDATE ${t.deliveries} SET digest = ${overflow.frequency}, reason = 'throttled', address = NULL,
        claimed_at = NULL, claim_lost_at = NULL, dispatched_at = NULL, next_attempt_at = NULL, updated_at = now()
      WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`;
    return 'digest';
  }
  await db.$executeRaw`
    UPDATE ${t.deliveries} SET status = 'skipped', reason = ${overflow.reason},
      claimed_at = NULL, claim_lost_at = NULL, dispatched_at = NULL, next_attempt_at = NULL, updated_at = now()
    WHERE notification_id = ${d.notificationId}::uuid AND channel = ${d.channel} AND status = 'queued'`;
  return 'skipped';
}
