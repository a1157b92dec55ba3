export { createNotificationService, SERVICE_NAME, MIGRATIONS_DIR, type NotificationService, type NotificationServiceDeps } from './service.js';
export { readNotificationServiceConfig, notificationServiceConfigSpec, type NotificationServiceConfig } from './config.js';
export { EVENTS_QUEUE, FANOUT_QUEUE, FANOUT_ROUTING_KEY, queueNames } from './adapters/bus-consumers.js';
export { channelQueueNames } from './channels/runtime.js';
export { MemoryPresence } from './adapters/memory-presence.js';
export { MemoryLiveTransport } from './adapters/memory-live-transport.js';
export { channelEnvSpec } from './channels/config.js';
export { retentionEnvSpec, retentionSettings, RETENTION_DEFAULTS, type RetentionSettings } from './retention.js';
export { readSendApiKeys, MIN_API_KEY_LENGTH, type SendApiKey } from './http/api-keys.js';
