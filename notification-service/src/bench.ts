/**
 * What bench/ runs of notification-service besides its main entry (`@herald/notification-service`):
 * the live layer alone, on its Redis adapters, as the baseline in bench/lib/hub-server.ts. Imported
 * as `@herald/notification-service/bench`; not for production code.
 */
export { createLiveHub, type LiveInbox } from './live/index.js';
export { RedisLiveTransport } from './adapters/redis-live-transport.js';
export { RedisPresence } from './adapters/redis-presence.js';
export type { AddressedFrame } from './domain/ports.js';
