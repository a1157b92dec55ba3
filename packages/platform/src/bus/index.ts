export * from './types.js';
export { topicMatches } from './topic.js';
export type { BusLogger } from './logger.js';
export {
  ATTEMPT_HEADER,
  ATTEMPTS_HEADER,
  ERROR_HEADER,
  FAILED_AT_HEADER,
  REASON_HEADER,
  ROUTING_KEY_HEADER,
  DEFAULT_PREFETCH,
  DEFAULT_RETRY_DELAYS_MS,
  type DeadLetterReason,
} from './redelivery-policy.js';
export { MemoryEventBus, type MemoryEventBusOptions, type DeadLetter } from './memory-bus.js';
export { AmqpEventBus, type AmqpEventBusOptions } from './amqp-bus.js';
export { deadLetterQueueName, retryQueueName } from './amqp-topology.js';
