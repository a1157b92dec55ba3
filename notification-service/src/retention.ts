import { env, type ConfigOf } from '@herald/platform';
import type { NotificationRetentionSettings } from './adapters/prisma-retention.js';

/**
 * The retention job's settings (README.md "Configuration", docs/operations.md "Retention"), read by
 * the standalone service and the embedded mode alike.
 */
export const retentionEnvSpec = {
  /** How often the job runs on each instance; 0 switches it off. */
  retentionIntervalMs: env.int('RETENTION_INTERVAL_MS', 3_600_000, 0, 7 * 24 * 3_600_000),
  /** Rows per DELETE statement. */
  retentionBatchSize: env.int('RETENTION_BATCH_SIZE', 1000, 1, 100_000),
  retentionReceiptsDays: env.int('RETENTION_RECEIPTS_DAYS', 30, 1, 3650),
  retentionSendRequestsDays: env.int('RETENTION_SEND_REQUESTS_DAYS', 30, 1, 3650),
  retentionDeliveryAttemptsDays: env.int('RETENTION_DELIVERY_ATTEMPTS_DAYS', 90, 1, 3650),
  retentionReadNotificationsDays: env.int('RETENTION_READ_NOTIFICATIONS_DAYS', 180, 1, 3650),
  retentionWebhookDeliveriesDays: env.int('RETENTION_WEBHOOK_DELIVERIES_DAYS', 30, 1, 3650),
};

export interface RetentionSettings extends NotificationRetentionSettings {
  /** 0: the job never runs by itself (runOnce still works). */
  intervalMs: number;
  batchSize: number;
}

export const RETENTION_DEFAULTS: RetentionSettings = {
  intervalMs: 3_600_000,
  batchSize: 1000,
  receiptsDays: 30,
  sendRequestsDays: 30,
  deliveryAttemptsDays: 90,
  readNotificationsDays: 180,
  webhookDeliveriesDays: 30,
};

/** The service's settings from what retentionEnvSpec read. */
export function retentionSettings(config: ConfigOf<typeof retentionEnvSpec>): RetentionSettings {
  return {
    intervalMs: config.retentionIntervalMs,
    batchSize: config.retentionBatchSize,
    receiptsDays: config.retentionReceiptsDays,
    sendRequestsDays: config.retentionSendRequestsDays,
    deliveryAttemptsDays: config.retentionDeliveryAttemptsDays,
    readNotificationsDays: config.retentionReadNotificationsDays,
    webhookDeliveriesDays: config.retentionWebhookDeliveriesDays,
  };
}
