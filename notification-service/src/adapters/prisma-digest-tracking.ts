import type { OutOfBandChannel } from '../domain/channels.js';
import type { DigestTracking } from '../domain/digest-ports.js';
import { Prisma } from '../generated/prisma/client.js';
import { deliveryStatusRankSql as rank, tables, type NotificationPrisma, type Tables } from './prisma-client.js';
import { CHANGED_COLUMNS, enqueueStatusWebhooks, webhookTables, type WebhookTables } from './prisma-webhook-store.js';

/** Moves forward only, only once sent (rank 3 = sent), never past or out of a final status (rank ≥ 7: read, failed, ...). */
const canMove = (column: Prisma.Sql, to: Prisma.Sql) => Prisma.sql`${rank(column)} BETWEEN 3 AND 6 AND ${rank(column)} < ${rank(to)}`;

/**
 * Digest tracking on PostgreSQL, in one statement: the digest's own row (`digests.status`, its
 * status on that channel) and its items' delivery rows (`digest_id` = the digest; what
 * GET /api/v1/notifications/status shows), with the status webhooks the item rows owe.
 */
export class PrismaDigestTracking implements DigestTracking {
  private readonly t: Tables;
  private readonly w: WebhookTables;
  private readonly digests: Prisma.Sql;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    this.t = tables(schema);
    this.w = webhookTables(schema);
    this.digests = Prisma.raw(`"${schema}"."digests"`);
  }

  async trackedDigest(input: { digestId: string; channel: OutOfBandChannel; status: 'opened' | 'clicked'; notificationId?: string }): Promise<void> {
    const { digestId, channel, status } = input;
    // An item's row: `clicked` for the item whose link it was, `opened` for the rest (a click shows
    // the message was seen, not that every item was followed).
    const itemStatus = Prisma.sql`(CASE WHEN ${status}::text = 'clicked' AND notification_id = ${input.notificationId ?? null}::uuid THEN 'clicked' ELSE 'opened' END)`;
    await this.prisma.$executeRaw`
      WITH digest AS (
        SELECT id, notification_ids FROM ${this.digests} WHERE id = ${digestId}::uuid AND channel = ${channel}
      ), moved AS (
        UPDATE ${this.digests} SET status = ${status}, updated_at = now()
        WHERE id = (SELECT id FROM digest) AND ${canMove(Prisma.sql`status`, Prisma.sql`${status}::text`)}
      ), changed AS (
        UPDATE ${this.t.deliveries} SET status = ${itemStatus}, updated_at = now() FROM digest
        WHERE notification_id = ANY(digest.notification_ids) AND channel = ${channel} AND digest_id = ${digestId}::uuid
          AND ${canMove(Prisma.sql`status`, itemStatus)}
        RETURNING ${CHANGED_COLUMNS}
      ) ${enqueueStatusWebhooks(this.t, this.w)}`;
  }
}
