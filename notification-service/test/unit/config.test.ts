import { describe, expect, it } from 'vitest';
import { ConfigError } from '@herald/platform';
import { readNotificationServiceConfig } from '../../src/config.js';

const required = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/herald', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', REDIS_URL: 'redis://127.0.0.1:6379', JWT_PUBLIC_KEY: '/keys/jwt-public.pem' };

function problems(source: Record<string, string>): string[] {
  try {
    readNotificationServiceConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('notification-service config', () => {
  it('has the documented defaults', () => {
    const config = readNotificationServiceConfig(required);
    expect(config).toMatchObject({
      port: 3003,
      host: '127.0.0.1',
      databaseSchema: 'notifications',
      amqpExchange: 'herald.events',
      amqpWorkExchange: 'herald.notification.work',
      amqpQueuePrefix: '',
      redisPrefix: 'herald:',
      chunkSize: 1000,
      groupWindowMs: 3_600_000,
      wsMaxFrameBytes: 16 * 1024,
      presenceTtlMs: 30_000,
    });
    expect(config.instanceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads the retention settings, with the documented defaults; 0 switches the job off', () => {
    expect(readNotificationServiceConfig(required)).toMatchObject({
      retentionIntervalMs: 3_600_000,
      retentionBatchSize: 1000,
      retentionReceiptsDays: 30,
      retentionSendRequestsDays: 30,
      retentionDeliveryAttemptsDays: 90,
      retentionReadNotificationsDays: 180,
      retentionWebhookDeliveriesDays: 30,
    });
    expect(readNotificationServiceConfig({ ...required, RETENTION_INTERVAL_MS: '0', RETENTION_READ_NOTIFICATIONS_DAYS: '365' })).toMatchObject({ retentionIntervalMs: 0, retentionReadNotificationsDays: 365 });
    const found = problems({ ...required, RETENTION_RECEIPTS_DAYS: '0', RETENTION_INTERVAL_MS: 'hourly' });
    for (const name of ['RETENTION_RECEIPTS_DAYS', 'RETENTION_INTERVAL_MS']) expect(found.some((p) => p.startsWith(name)), name).toBe(true);
  });

  it('reads overrides', () => {
    const config = readNotificationServiceConfig({ ...required, CHUNK_SIZE: '250', AMQP_QUEUE_PREFIX: 'ci-42.', INSTANCE_ID: 'pod-3', DATABASE_SCHEMA: 'notif_b' });
    expect(config).toMatchObject({ chunkSize: 250, amqpQueuePrefix: 'ci-42.', instanceId: 'pod-3', databaseSchema: 'notif_b' });
  });

  it('names every missing or bad variable at once', () => {
    const found = problems({ CHUNK_SIZE: '0', DATABASE_SCHEMA: 'Notifications; DROP', AMQP_QUEUE_PREFIX: 'a b', REDIS_URL: 'http://x', WS_HEARTBEAT_MS: 'soon' });
    for (const name of ['DATABASE_URL', 'AMQP_URL', 'JWT_PUBLIC_KEY', 'CHUNK_SIZE', 'DATABASE_SCHEMA', 'AMQP_QUEUE_PREFIX', 'REDIS_URL', 'WS_HEARTBEAT_MS']) {
      expect(found.some((p) => p.startsWith(name)), name).toBe(true);
    }
  });
});
