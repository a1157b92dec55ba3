import type { EventBus, Logger, Subscription } from '@herald/platform';
import type { AppDeps } from '../app/deps.js';
import { handleEvent, handleWorkChunk } from '../app/handle-event.js';
import { workMessageId, type WorkChunk, type WorkQueue } from '../app/work-message.js';

export const EVENTS_QUEUE = 'notification-service.events';
export const FANOUT_QUEUE = 'notification-service.fanout';
export const FANOUT_ROUTING_KEY = 'fanout.chunk';

export interface QueueNames {
  events: string;
  fanout: string;
}

/** Queue names with AMQP_QUEUE_PREFIX, so test runs sharing a broker never share a queue. */
export const queueNames = (prefix = ''): QueueNames => ({ events: `${prefix}${EVENTS_QUEUE}`, fanout: `${prefix}${FANOUT_QUEUE}` });

/** Fan-out chunks on the internal work exchange (a second bus): any instance may take any chunk. */
export function busWorkQueue(workBus: EventBus): WorkQueue {
  return {
    enqueue: (chunks: readonly WorkChunk[]) =>
      workBus.publish(chunks.map((chunk) => ({ routingKey: FANOUT_ROUTING_KEY, messageId: workMessageId(chunk), body: chunk }))),
  };
}

/**
 * The two consumers. Every domain event type is bound ('#'): unknown ones are counted and acked,
 * which is how a newer producer is noticed. A fan-out chunk writes up to CHUNK_SIZE rows, so fewer
 * run at once than events do. Events have a prefetch of 64 so that, under load, the chunk batcher
 * has enough in hand to write many one-to-one events in one pass (docs/adr/0013).
 */
export async function startConsumers(opts: { bus: EventBus; workBus: EventBus; deps: AppDeps; queues: QueueNames; logger: Logger }): Promise<Subscription[]> {
  const { deps, logger } = opts;
  const withLog = (handler: (d: AppDeps, body: unknown) => Promise<void>) => async (message: { messageId?: string; routingKey: string; attempt: number; body: unknown }) => {
    const log = logger.child({ messageId: message.messageId, routingKey: message.routingKey, attempt: message.attempt });
    await handler({ ...deps, logger: log }, message.body);
  };
  // The fan-out queue first: a chunk published to the work exchange before its queue is bound
  // would be dropped (unroutable), and the events consumer may publish chunks at once.
  const fanout = await opts.workBus.subscribe({ queue: opts.queues.fanout, bindings: [FANOUT_ROUTING_KEY], prefetch: 4 }, withLog(handleWorkChunk));
  try {
    const events = await opts.bus.subscribe({ queue: opts.queues.events, bindings: ['#'], prefetch: 64 }, withLog(handleEvent));
    return [fanout, events];
  } catch (err) {
    await fanout.cancel();
    throw err;
  }
}
