import { groupHeadOf, groupSuccessor, mergeIntoGroup } from '../domain/grouping.js';
import { toNotification, type Notification } from '../domain/notification.js';
import { idBefore, lowerBoundId } from '../domain/notification-ids.js';
import { DEFAULT_PREFERENCES } from '../domain/preferences.js';
import type { DeliveryRow, InboxItem, InboxUnitOfWork } from '../domain/ports.js';
import type { ChunkInput, ChunkResult, Created } from './chunk-types.js';
import { timed, type AppDeps } from './deps.js';
import type { InAppWords } from './in-app-text.js';
import { decide, deliveryRows, inInbox, type Decisions, type FallbackPlan } from './delivery-rows.js';
import { pushLive } from './push-live.js';

export type { ChunkInput, ChunkResult, Created } from './chunk-types.js';

/**
 * Delivers one draft to one chunk of recipients: through the chunk batcher when the service has
 * one (deps.chunks), which puts chunks that arrive together through one pass of deliverChunks.
 */
export function deliverChunk(deps: AppDeps, input: ChunkInput): Promise<ChunkResult> {
  if (deps.chunks && !input.within) return deps.chunks.deliver(input);
  return deliverChunks(deps, [input]).then(([result]) => result!);
}

/** One input's recipients and decisions, then what its part of the transaction wrote. */
interface Pass {
  input: ChunkInput;
  plans: Map<string, Decisions>;
  claimed: string[];
  created: Created[];
  redelivered?: { userIds: string[]; since: Date };
}

/**
 * Delivers drafts to chunks of recipients, any number of chunks in ONE pass (docs/architecture.md
 * invariants 2 and 4):
 * 1. one query for everyone's preferences, one for who muted or blocked each actor (or is a deleted
 *    account, or everyone when an actor's account was deleted); decide per person and chunk;
 * 2. one presence lookup for everyone;
 * 3. one transaction: claim the (event, recipient) receipts, lock the open groups of the newly
 *    claimed, number the listed items in their recipients' streams, insert new items or group
 *    successors (superseding the old), insert delivery rows: one statement each for all chunks;
 * 4. after commit, one push of notification and unread_count frames; fallback deliveries of people
 *    who were online are skipped (`delivered_live`), except for critical alerts.
 * A redelivered event or chunk finds its receipts claimed and changes nothing, sends nothing; its
 * recipients' sockets catch up from the inbox. The chunks of one call never share an event or an
 * open group (the batcher's rule), and `within` is for a call of one chunk.
 */
export async function deliverChunks(deps: AppDeps, inputs: readonly ChunkInput[]): Promise<ChunkResult[]> {
  const now = deps.clock.now();
  const passes = await timed(deps.metrics, 'decide', () => decideAll(deps, inputs, now));
  const planned = passes.filter((p) => p.plans.size > 0);
  const within = inputs.length === 1 ? inputs[0]!.within : undefined;
  if (planned.length === 0 && !within) return passes.map(() => ({ created: [], online: new Set<string>() }));
  // Presence before the transaction: someone online gets no fallback timer, so nothing has to be
  // cleared after the push (no settle UPDATE). Best effort: unknown counts as away.
  const everyone = [...new Set(planned.flatMap((p) => [...p.plans.keys()]))];
  // The recipients' languages for the in-app words (templates), read while presence is.
  const words = everyone.length > 0 && deps.inApp ? deps.inApp.prepare(everyone).catch((err: unknown) => void deps.logger.warn({ err }, 'in-app templates unavailable; the default words stay')) : undefined;
  const onlineBefore = everyone.length > 0 ? await timed(deps.metrics, 'presence', () => deps.live.whoIsOnline(everyone).catch(() => new Set<string>())) : new Set<string>();
  const localize = (await words) ?? undefined;

  await timed(deps.metrics, 'write', () => deps.inbox.transaction(async (uow) => {
    const claims = planned.length > 0 ? await uow.claimReceipts(planned.map((p) => ({ eventId: p.input.eventId, recipientIds: [...p.plans.keys()] }))) : [];
    planned.forEach((p, i) => (p.claimed = claims[i]!));
    for (const p of planned) if (p.claimed.length < p.plans.size) p.redelivered = await alreadyClaimed(uow, p);
    const grouped = planned.filter((p) => p.input.draft.groupKey && p.claimed.some((r) => inInbox(p.plans.get(r)!)));
    const found = grouped.length > 0 ? await uow.openGroups(grouped.map((p) => ({ groupKey: p.input.draft.groupKey!, recipientIds: p.claimed.filter((r) => inInbox(p.plans.get(r)!)) }))) : [];
    const heads = new Map(grouped.map((p, i) => [p, found[i]!]));
    const items: InboxItem[] = [];
    const deliveries: DeliveryRow[] = [];
    const replacements: { recipientId: string; oldId: string; newId: string }[] = [];
    for (const p of planned) {
      write(deps, p, heads.get(p), now, onlineBefore, { items, deliveries, replacements }, localize);
    }
    if (items.length > 0) {
      // Numbered last, just before the inserts: the stream rows stay locked only until the commit.
      await numberStreams(uow, items);
      await uow.insertNotifications(items);
      if (replacements.length > 0) await uow.supersede(replacements);
      await uow.insertDeliveries(deliveries);
    }
    await within?.(uow, passes[0]!.created);
  }));
  const created = passes.flatMap((p) => p.created);
  deps.metrics.notificationsCreated(created.length);

  const online = await timed(deps.metrics, 'push', () => pushLive(deps, created.filter((c) => c.inInbox)));
  await timed(deps.metrics, 'settle', () => settleOnline(deps, created, online));
  for (const { redelivered } of passes) {
    if (redelivered) await deps.live.catchUpUsers(redelivered.userIds, idBefore(lowerBoundId(redelivered.since.getTime() - CLAIM_MARGIN_MS)));
  }
  return passes.map((p) => ({ created: p.created, online }));
}

/** One chunk's items, delivery rows and group replacements, appended to the pass's lists. */
function write(
  deps: AppDeps,
  p: Pass,
  heads: Map<string, Notification> | undefined,
  now: Date,
  onlineBefore: Set<string>,
  out: { items: InboxItem[]; deliveries: DeliveryRow[]; replacements: { recipientId: string; oldId: string; newId: string }[] },
  localize?: InAppWords,
): void {
  const { draft, senderId } = p.input;
  for (const recipientId of p.claimed) {
    const decisions = p.plans.get(recipientId)!;
    const at = { id: deps.newId(now), createdAt: now };
    const head = heads?.get(recipientId);
    let notification: Notification;
    if (head && draft.actor) {
      const merged = mergeIntoGroup(groupHeadOf(head), draft.actor, now, deps.groupWindowMs);
      // The same person again (unlike, like): the item already says it, so nothing new to announce.
      if (merged.merge && merged.repeat) continue;
      notification = merged.merge ? groupSuccessor(head, draft, merged, at) : toNotification(draft, at);
      if (merged.merge) out.replacements.push({ recipientId, oldId: head.id, newId: notification.id });
    } else {
      notification = toNotification(draft, at);
    }
    localize?.(notification, recipientId, draft);
    const listedHere = inInbox(decisions);
    const { rows, fallback } = deliveryRows(notification.id, recipientId, decisions, now, deps.fallbackDelayMs);
    const online = onlineBefore.has(recipientId);
    const timer = fallback && listedHere && online ? seenLive(fallback, notification, now, deps.escalateAfterMs) : fallback;
    out.items.push({ recipientId, notification, inInbox: listedHere, fallback: timer, ...(senderId ? { senderId } : {}) });
    for (const row of rows) out.deliveries.push(row);
    p.created.push({ recipientId, notification, inInbox: listedHere, fallback: timer !== null && !online });
  }
}

/** Numbers the listed items in their recipients' streams; a person with two items gets two numbers, in order. */
async function numberStreams(uow: InboxUnitOfWork, items: readonly InboxItem[]): Promise<void> {
  const streamed = items.filter((i) => i.inInbox !== false);
  if (streamed.length === 0) return;
  const highest = await uow.nextSeqs(streamed.map((i) => i.recipientId));
  const taken = new Map<string, number>();
  for (const i of streamed) taken.set(i.recipientId, (taken.get(i.recipientId) ?? 0) + 1);
  const next = new Map<string, number>();
  for (const [recipientId, count] of taken) next.set(recipientId, highest.get(recipientId)! - count + 1);
  for (const item of streamed) {
    const seq = next.get(item.recipientId)!;
    item.notification.seq = seq;
    next.set(item.recipientId, seq + 1);
  }
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
async function alreadyClaimed(uow: InboxUnitOfWork, p: Pass): Promise<Pass['redelivered']> {
  const fresh = new Set(p.claimed);
  const userIds = [...p.plans].filter(([userId, decisions]) => !fresh.has(userId) && !p.input.reachedBefore?.has(userId) && inInbox(decisions)).map(([userId]) => userId);
  if (userIds.length === 0) return undefined;
  const since = await uow.claimedSince(p.input.eventId, userIds);
  return since ? { userIds, since } : undefined;
}

/** Someone online when it was created: no timer (reason delivered_live), or for critical the escalation time. */
function seenLive(fallback: FallbackPlan, notification: Notification, createdAt: Date, escalateAfterMs: number): InboxItem['fallback'] {
  if (notification.priority === 'critical') return { at: new Date(createdAt.getTime() + escalateAfterMs), channels: fallback.channels };
  return { at: null, channels: fallback.channels, reason: 'delivered_live' };
}

async function decideAll(deps: AppDeps, inputs: readonly ChunkInput[], now: Date): Promise<Pass[]> {
  const chunks = inputs.map((input) => {
    const actorId = input.draft.actor?.id.toLowerCase();
    const recipients = [...new Set(input.recipientIds.map((id) => id.toLowerCase()))].filter((id) => id !== actorId);
    return { input, recipients, ...(actorId ? { actorId } : {}) };
  });
  const everyone = [...new Set(chunks.flatMap((c) => c.recipients))];
  if (everyone.length === 0) return inputs.map((input) => ({ input, plans: new Map(), claimed: [], created: [] }));
  // Muted or blocked the actor, or a deleted account on either side (docs/security.md "Data lifecycle").
  const [preferences, muted] = await Promise.all([
    deps.preferences.getMany(everyone),
    deps.projections.unreachableMany(chunks.map((c) => ({ recipientIds: c.recipients, ...(c.actorId ? { actorId: c.actorId } : {}) }))),
  ]);
  return chunks.map((c, i) => {
    const only = c.input.channels ? new Set(c.input.channels) : undefined;
    const plans = new Map<string, Decisions>();
    for (const recipientId of c.recipients) {
      if (muted[i]!.has(recipientId)) continue;
      const decisions = decide(preferences.get(recipientId) ?? DEFAULT_PREFERENCES, c.input.draft, now, only);
      if (decisions) plans.set(recipientId, decisions);
    }
    return { input: c.input, plans, claimed: [], created: [] };
  });
}

// Someone who saw it live does not need the email too; a critical alert escalates if left unread.
async function settleOnline(deps: AppDeps, created: readonly Created[], online: Set<string>): Promise<void> {
  if (online.size === 0) return;
  const seen = created.filter((c) => c.inInbox && c.fallback && online.has(c.recipientId)).map((c) => ({ recipientId: c.recipientId, notificationId: c.notification.id }));
  if (seen.length === 0) return;
  try {
    await deps.inbox.settleOnline(seen, deps.escalateAfterMs);
  } catch (err) {
    // Already committed and announced; a retry of the event would not redo this, so do not fail it.
    // The cost of not settling is an email the worker will still skip if the item was read.
    deps.logger.warn({ err, count: seen.length }, 'could not clear the fallback timers of online recipients');
  }
}
