import { DELIVERY_STATUS_EVENT, type WebhookPayload } from '../domain/webhooks.js';
import { Prisma } from '../generated/prisma/client.js';
import type { NotificationPrisma, Tables } from './prisma-client.js';
import { pgArray, pgText } from './pg-safe.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema-qualified names of the webhook tables, for raw SQL (as prisma-client.ts `tables`). */
export function webhookTables(schema: string) {
  if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return {
    endpoints: Prisma.raw(`"${schema}"."webhook_endpoints"`),
    messages: Prisma.raw(`"${schema}"."webhook_deliveries"`),
  };
}

export type WebhookTables = ReturnType<typeof webhookTables>;

/**
 * The INSERT that owes one `delivery.status` message to every live endpoint of the notification's
 * sender whose events match, for each row of `changed`: a data-modifying CTE of the status update,
 * RETURNING CHANGED_COLUMNS (with the recipient, which finds the notification in its partition).
 * Appended to that update, it runs in the same statement, so a status change and its webhooks commit
 * together or not at all, and an update that changed nothing (a status that would move backwards)
 * owes nothing.
 */
export function enqueueStatusWebhooks(t: Tables, w: WebhookTables, changed: Prisma.Sql = Prisma.raw('changed')): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO ${w.messages} (id, endpoint_id, event_type, payload, next_attempt_at)
    SELECT gen_random_uuid(), e.id, ${DELIVERY_STATUS_EVENT}::text, jsonb_build_object(
        'type', ${DELIVERY_STATUS_EVENT}::text,
        'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'data', jsonb_strip_nulls(jsonb_build_object(
          'notificationId', c.notification_id, 'channel', c.channel, 'status', c.status,
          'reason', c.reason, 'provider', c.provider, 'attempts', c.attempts))),
      now()
    FROM ${changed} c
    JOIN ${t.notifications} n ON n.recipient_id = c.recipient_id AND n.id = c.notification_id
    JOIN ${w.endpoints} e ON e.owner_id = n.sender_id AND e.disabled_at IS NULL
    WHERE e.events IS NULL OR ('delivery.' || c.status) = ANY(e.events)`;
}

/** What a status update must RETURN for enqueueStatusWebhooks. */
export const CHANGED_COLUMNS = Prisma.sql`notification_id, recipient_id, channel, status, reason, provider, attempts`;

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** null: every event. */
  events: string[] | null;
  createdAt: string;
}

/** One message claimed for one attempt. */
export interface ClaimedWebhook {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  /** Removed since it was owed: ended without a request. */
  endpointDisabled: boolean;
  payload: WebhookPayload;
  /** Including this one. */
  attempts: number;
}

export interface WebhookStore {
  create(endpoint: { id: string; ownerId: string; url: string; secret: string; events: string[] | null }): Promise<WebhookEndpoint>;
  countLive(ownerId: string): Promise<number>;
  list(ownerId: string): Promise<WebhookEndpoint[]>;
  /** Disables it and ends what it was still owed; false if it is not the owner's or already gone. */
  remove(ownerId: string, id: string): Promise<boolean>;
  /** Claims up to `limit` due messages: attempts + 1, due again after `leaseMs` should the sender die. */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedWebhook[]>;
  delivered(m: ClaimedWebhook): Promise<void>;
  retry(m: ClaimedWebhook, at: Date, error: string): Promise<void>;
  failed(m: ClaimedWebhook, error: string): Promise<void>;
  /** Messages still owed and the age of the oldest due one (metrics). */
  backlog(): Promise<{ pending: number; oldestDueSeconds: number }>;
}

type EndpointRow = { id: string; url: string; events: string[] | null; created_at: Date };
const endpointOf = (r: EndpointRow): WebhookEndpoint => ({ id: r.id, url: r.url, events: r.events, createdAt: r.created_at.toISOString() });

/**
 * Webhook endpoints and the messages owed to them, on PostgreSQL. Claims are single statements
 * (FOR UPDATE SKIP LOCKED, then the row carries a lease in next_attempt_at), so no transaction is
 * held while a request is in flight and any number of instances send without overlapping.
 */
export class PrismaWebhookStore implements WebhookStore {
  private readonly w: WebhookTables;

  constructor(
    private readonly prisma: NotificationPrisma,
    schema: string,
  ) {
    this.w = webhookTables(schema);
  }

  async create(e: { id: string; ownerId: string; url: string; secret: string; events: string[] | null }): Promise<WebhookEndpoint> {
    const events = e.events === null ? null : pgArray(e.events);
    const rows = await this.prisma.$queryRaw<EndpointRow[]>`
      INSERT INTO ${this.w.endpoints} (id, owner_id, url, secret, events)
      VALUES (${e.id}::uuid, ${e.ownerId}::uuid, ${pgText(e.url)}, ${e.secret}, ${events}::text[])
      RETURNING id, url, events, created_at`;
    return endpointOf(rows[0]!);
  }

  async countLive(ownerId: string): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ${this.w.endpoints} WHERE owner_id = ${ownerId}::uuid AND disabled_at IS NULL`;
    return rows[0]?.n ?? 0;
  }

  async list(ownerId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.prisma.$queryRaw<EndpointRow[]>`
      SELECT id, url, events, created_at FROM ${this.w.endpoints}
      WHERE owner_id = ${ownerId}::uuid AND disabled_at IS NULL ORDER BY created_at, id`;
    return rows.map(endpointOf);
  }

  async remove(ownerId: string, id: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH gone AS (
        UPDATE ${this.w.endpoints} SET disabled_at = now()
        WHERE id = ${id}::uuid AND owner_id = ${ownerId}::uuid AND disabled_at IS NULL RETURNING id
      ), ended AS (
        UPDATE ${this.w.messages} m SET status = 'failed', last_error = 'endpoint removed', next_attempt_at = NULL, updated_at = now()
        FROM gone WHERE m.endpoint_id = gone.id AND m.status = 'pending'
      )
      SELECT id FROM gone`;
    return rows.length > 0;
  }

  async claimDue(limit: number, leaseMs: number): Promise<ClaimedWebhook[]> {
    const rows = await this.prisma.$queryRaw<{ id: string; endpoint_id: string; url: string; secret: string; disabled: boolean; payload: WebhookPayload | string; attempts: number }[]>`
      WITH due AS (
        SELECT id FROM ${this.w.messages}
        WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      UPDATE ${this.w.messages} m SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
      FROM due, ${this.w.endpoints} e
      WHERE m.id = due.id AND e.id = m.endpoint_id
      RETURNING m.id, m.endpoint_id, e.url, e.secret, (e.disabled_at IS NOT NULL) AS disabled, m.payload, m.attempts`;
    return rows.map((r) => ({
      id: r.id, endpointId: r.endpoint_id, url: r.url, secret: r.secret, endpointDisabled: r.disabled, attempts: r.attempts,
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as WebhookPayload,
    }));
  }

  // Each outcome applies only to the attempt that was claimed: a sender whose lease ran out (and whose
  // message another instance claimed again) records nothing over the newer attempt.
  async delivered(m: ClaimedWebhook): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.w.messages} SET status = 'delivered', next_attempt_at = NULL, last_error = NULL, updated_at = now()
      WHERE id = ${m.id}::uuid AND status = 'pending' AND attempts = ${m.attempts}`;
  }

  async retry(m: ClaimedWebhook, at: Date, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.w.messages} SET next_attempt_at = ${at}, last_error = ${pgText(error.slice(0, 1000))}, updated_at = now()
      WHERE id = ${m.id}::uuid AND status = 'pending' AND attempts = ${m.attempts}`;
  }

  async failed(m: ClaimedWebhook, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE ${this.w.messages} SET status = 'failed', next_attempt_at = NULL, last_error = ${pgText(error.slice(0, 1000))}, updated_at = now()
      WHERE id = ${m.id}::uuid AND status = 'pending' AND attempts = ${m.attempts}`;
  }

  async backlog(): Promise<{ pending: number; oldestDueSeconds: number }> {
    const rows = await this.prisma.$queryRaw<{ pending: number; oldest: number | null }[]>`
      SELECT count(*)::int AS pending,
        extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now()))::float8 AS oldest
      FROM ${this.w.messages} WHERE status = 'pending'`;
    return { pending: rows[0]?.pending ?? 0, oldestDueSeconds: Math.max(0, rows[0]?.oldest ?? 0) };
  }
}
