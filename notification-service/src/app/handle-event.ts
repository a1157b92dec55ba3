import { InvalidEventError, parseEvent, UnknownEventTypeError, type DomainEvent } from '@herald/contracts';
import { PermanentError } from '@herald/platform';
import { planEvent } from '../domain/plan.js';
import { secondsSince, type AppDeps } from './deps.js';
import { deliverChunk } from './deliver-chunk.js';
import { fanOutToFollowers } from './fan-out.js';
import { InvalidWorkChunkError, parseWorkChunk } from './work-message.js';

/**
 * One message from the events queue. A malformed event can never succeed: it is counted and thrown
 * as a PermanentError, which the bus dead-letters at once. An event of a type we do not know (a
 * newer producer) is counted and acked. Otherwise: projections first (a follow must be known
 * before the followee is told), then erasures (user.deleted), then revocations, then every target. Returning acks the message, so it returns only
 * once every effect is committed or every work chunk confirmed.
 */
export async function handleEvent(deps: AppDeps, body: unknown): Promise<void> {
  let event: DomainEvent;
  try {
    event = parseEvent(body);
  } catch (err) {
    if (err instanceof UnknownEventTypeError) {
      deps.metrics.eventUnknown();
      deps.logger.info({ type: err.type }, 'ignoring event of unknown type');
      return;
    }
    if (err instanceof InvalidEventError) {
      deps.metrics.eventMalformed();
      throw new PermanentError(err.message);
    }
    throw err;
  }

  deps.metrics.stage('event_lag', secondsSince(event.occurredAt));
  const plan = planEvent(event);
  if (plan.projections.length > 0) await deps.projections.applyChanges(plan.projections);
  for (const { userId, deletedAt } of plan.erasures ?? []) {
    const erased = await deps.erasure.eraseUser(userId, new Date(deletedAt));
    deps.logger.info({ userId, erased }, 'deleted account erased');
  }
  for (const revocation of plan.revocations ?? []) await deps.live.revoke(revocation);
  // A person in two targets (the post's author, also mentioned) gets the first; the second finds the
  // receipt claimed, which is not a redelivery that needs a catch-up.
  const reached = new Set<string>();
  for (const [index, target] of plan.targets.entries()) {
    if (target.audience.kind === 'users') {
      await deliverChunk(deps, { eventId: event.id, draft: target.draft, recipientIds: target.audience.userIds, reachedBefore: reached });
      for (const userId of target.audience.userIds) reached.add(userId.toLowerCase());
    } else {
      await fanOutToFollowers(deps, event, index, target.audience, target.draft, reached);
    }
  }
}

/**
 * One message from the fan-out queue: a chunk of a followers audience. The draft is planned again
 * from the event, and the target's exclusions applied again, so a chunk cannot address anyone the
 * event would not.
 */
export async function handleWorkChunk(deps: AppDeps, body: unknown): Promise<void> {
  let work;
  try {
    work = parseWorkChunk(body);
  } catch (err) {
    if (err instanceof InvalidWorkChunkError) throw new PermanentError(err.message);
    throw err;
  }
  deps.metrics.stage('chunk_lag', secondsSince(work.event.occurredAt));
  const target = planEvent(work.event).targets[work.target];
  if (!target || target.audience.kind !== 'followers') throw new PermanentError(`event ${work.event.id} has no followers target ${work.target}`);
  const excluded = new Set(target.audience.exclude.map((id) => id.toLowerCase()));
  const recipientIds = work.recipients.filter((id) => !excluded.has(id.toLowerCase()));
  await deliverChunk(deps, { eventId: work.event.id, draft: target.draft, recipientIds });
}
