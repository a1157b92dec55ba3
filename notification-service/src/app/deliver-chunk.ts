import { groupHeadOf, groupSuccessor, mergeIntoGroup } from '../domain/grouping.js';
import { toNotification, type Channel, type Notification, type NotificationDraft } from '../domain/notification.js';
import { idBefore, lowerBoundId } from '../domain/notification-ids.js';
import { DEFAULT_PREFERENCES } from '../domain/preferences.js';
import type { DeliveryRow, InboxItem, InboxUnitOfWork } from '../domain/ports.js';
import { timed, type AppDeps } from './deps.js';
import { decide, deliveryRows, inInbox, type Decisions, type FallbackPlan } from './delivery-rows.js';
import { pushLive } from './push-live.js';

export interface ChunkInput {
  /** With the recipient, the idempotency key: (eventId, recipient) is claimed once, ever. */
  eventId: string;
  draft: NotificationDraft;
  recipientIds: readonly string[];
  /** Send API: only these channels may be used. */
  channels?: readonly Channel[];
  /** Send API: who sent it (they may read its delivery status). */
  senderId?: string;
  /**
   * Recipients an earlier target of the same event reached in this same handling: finding their
   * receipts claimed is expected (one notification per person and event), not a redelivery.
   */
  reachedBefore?: ReadonlySet<string>;
  /** Extra writes in the chunk's transaction, given what it created (the send API's record). */
  within?: (uow: InboxUnitOfWork, created: readonly Created[]) => Promise<void>;
}

export interface Created {
  recipientId: string;
  notification: Notification;
  inInbox: boolean;
  /** Whether an out-of-band timer was set for someone who was away before the push (the settle checks these). */
  fallback?: boolean;
}

export interface ChunkResult {
  created: Created[];
  /** Recipients who had a live session when the frames went out. */
  online: Set<string>;
}

/**
 * Delivers one draft to one chunk of recipients (docs/architecture.md invariants 2 and 4):
 * 1. one query for everyone's preferences, one for who muted or blocked the actor (or is a deleted
 *    account, or everyone when the actor's account was deleted); decide per person;
 * 2. one transaction: claim the (event, recipient) receipts, lock the open groups of the newly
 *    claimed, number the listed items in their recipients' streams, insert new items or group
 *    successors (superseding the old), insert delivery rows;
 * 3. after commit: push notification and unread_count frames live; fallback deliveries of people
 *    who were online are skipped (`delivered_live`), except for critical alerts.
 * A redelivered event or chunk finds its receipts claimed and changes nothing, sends nothing.
 */
export async function deliverChunk(deps: AppDeps, input: ChunkInput): Promise<ChunkResult> {
  const { draft } = input;
  const actorId = draft.actor?.id.toLowerCase();
  const recipients = [...new Set(input.recipientIds.map((id) => id.toLowerCase()))].filter((id) => id !== actorId);
  const now = deps.clock.now();
  const plans = recipients.length > 0 ? await timed(deps.metrics, 'decide', () => decideAll(deps, input, recipients, now)) : new Map<string, Decisions>();
  if (plans.size === 0 && !input.within) return { created: [], online: new Set() };
  // Presence before the transaction: someone online gets no fallback timer, so nothing has to be
  // cleared after the push (issue 7's "no settle UPDATE"). Best effort: unknown counts as away.
  const onlineBefore = plans.size > 0 ? await timed(deps.metrics, 'presence', () => deps.live.whoIsOnline([...plans.keys()]).catch(() => new Set<string>())) : new Set<string>();

  let redelivered: { userIds: string[]; since: Date } | undefined;
  const created = await timed(deps.metrics, 'write', () => deps.inbox.transaction(async (uow) => {
    const claimed = plans.size > 0 ? await uow.claimReceipts(input.eventId, [...plans.keys()]) : [];
    redelivered = claimed.length < plans.size ? await alreadyClaimed(uow, input.eventId, plans, claimed, input.reachedBefore) : undefined;
    const listed = claimed.filter((r) => inInbox(plans.get(r)!));
    const heads = draft.groupKey && listed.length > 0 ? await uow.openGroups(draft.groupKey, listed) : new Map<string, Notification>();
    const out: Created[] = [];
    const items: InboxItem[] = [];
    const deliveries: DeliveryRow[] = [];
    const replacements: { recipientId: string; oldId: string; newId: string }[] = [];
    for (const recipientId of claimed) {
      const decisions = plans.get(recipientId)!;
      const at = { id: deps.newId(now), createdAt: now };
      const head = heads.get(recipientId);
      let notification: Notification;
      if (head && draft.actor) {
        const merged = mergeIntoGroup(groupHeadOf(head), draft.actor, now, deps.groupWindowMs);
        // The same person again (unlike, like): the item already says it, so nothing new to announce.
        if (merged.merge && merged.repeat) continue;
        notification = merged.merge ? groupSuccessor(head, draft, merged, at) : toNotification(draft, at);
        if (merged.merge) replacements.push({ recipientId, oldId: head.id, newId: notification.id });
      } else {
        notification = toNotification(draft, at);
      }
      const listedHere = inInbox(decisions);
      const { rows, fallback } = deliveryRows(notification.id, recipientId, decisions, now, deps.fallbackDelayMs);
      const timer = fallback && listedHere && onlineBefore.has(recipientId) ? seenLive(fallback, notification, now, deps.escalateAfterMs) : fallback;
      items.push({ recipientId, notification, inInbox: listedHere, fallback: timer, ...(input.senderId ? { senderId: input.senderId } : {}) });
      for (const row of rows) deliveries.push(row);
      out.push({ recipientId, notification, inInbox: listedHere, fallback: timer !== null && !onlineBefore.has(recipientId) });
    }
    if (items.length > 0) {
      // Numbered last, just before the inserts: the stream rows stay locked only until the commit.
      const streamed = items.filter((i) => i.inInbox !== false);
      const seqs = streamed.length > 0 ? await uow.nextSeqs(streamed.map((i) => i.recipientId)) : new Map<string, number>();
      for (const item of streamed) item.notification.seq = seqs.get(item.recipientId);
      await uow.insertNotifications(items);
      if (replacements.length > 0) await uow.supersede(replacements);
      await uow.insertDeliveries(deliveries);
    }
    await input.within?.(uow, out);
    return out;
  }));
  deps.metrics.notificationsCreated(created.length);

  const online = await timed(deps.metrics, 'push', () => pushLive(deps, created.filter((c) => c.inInbox)));
  await timed(deps.metrics, 'settle', () => settleOnline(deps, created, online));
  if (redelivered) await deps.live.catchUpUsers(redelivered.userIds, idBefore(lowerBoundId(redelivered.since.getTime() - CLAIM_MARGIN_MS)));
  return { created, online };
}

/**
 * Receipt times come from the database's clock and follow the ids' creation time by the chunk's
 * own lookups: a catch-up starts this much earlier (sessions skip what they were already sent).
 */
const CLAIM_MARGIN_MS = 30_000;

/**
 * A redelivered chunk (the instance that wrote it died, or lost its broker connection, before the
 * ack): the items are in the inbox, but whether their frames went out is unknown. The recipients'
 * sockets catch up from when the receipts were claimed instead of being pushed nothing.
 */
async function alreadyClaimed(
  uow: InboxUnitOfWork,
  eventId: string,
  plans: Map<string, Decisions>,
  claimed: readonly string[],
  reachedBefore: ReadonlySet<string> | undefined,
): Promise<{ userIds: string[]; since: Date } | undefined> {
  const fresh = new Set(claimed);
  const userIds = [...plans].filter(([userId, decisions]) => !fresh.has(userId) && !reachedBefore?.has(userId) && inInbox(decisions)).map(([userId]) => userId);
  if (userIds.length === 0) return undefined;
  const since = await uow.claimedSince(eventId, userIds);
  return since ? { userIds, since } : undefined;
}

/** Someone online when it was created: no timer (reason delivered_live), or for critical the escalation time. */
function seenLive(fallback: FallbackPlan, notification: Notification, createdAt: Date, escalateAfterMs: number): InboxItem['fallback'] {
  if (notification.priority === 'critical') return { at: new Date(createdAt.getTime() + escalateAfterMs), channels: fallback.channels };
  return { at: null, channels: fallback.channels, reason: 'delivered_live' };
}

async function decideAll(deps: AppDeps, input: ChunkInput, recipients: string[], now: Date): Promise<Map<string, Decisions>> {
  const actorId = input.draft.actor?.id;
  // Muted or blocked the actor, or a deleted account on either side (docs/security.md "Data lifecycle").
  const [preferences, muted] = await Promise.all([deps.preferences.getMany(recipients), deps.projections.unreachable(recipients, actorId)]);
  const only = input.channels ? new Set(input.channels) : undefined;
  const plans = new Map<string, Decisions>();
  for (const recipientId of recipients) {
    if (muted.has(recipientId)) continue;
    const decisions = decide(preferences.get(recipientId) ?? DEFAULT_PREFERENCES, input.draft, now, only);
    if (decisions) plans.set(recipientId, decisions);
  }
  return plans;
}

// Someone who saw it live does not need the email too; a critical alert escalates if left unread.
async function settleOnline(deps: AppDeps, created: readonly Created[], online: Set<string>): Promise<void> {
  if (online.size === 0) return;
  const ids = created.filter((c) => c.inInbox && c.fallback && online.has(c.recipientId)).map((c) => c.notification.id);
  if (ids.length === 0) return;
  try {
    await deps.inbox.settleOnline(ids, deps.escalateAfterMs);
  } catch (err) {
    // Already committed and announced; a retry of the event would not redo this, so do not fail it.
    // The cost of not settling is an email the worker will still skip if the item was read.
    deps.logger.warn({ err, count: ids.length }, 'could not clear the fallback timers of online recipients');
  }
}
