import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { EventBus } from '../bus/types.js';
import { HeldClient } from '../db/held-client.js';

/**
 * Transactional outbox relay. Producers insert rows into `<schema>.outbox` in the same transaction
 * as their change (see outboxTableSql); this relay publishes them with publisher confirms and marks
 * them sent. Rows are claimed with FOR UPDATE SKIP LOCKED so any number of relays can run at once,
 * and the claim is held until the broker confirms, so a crash mid-batch republishes (at-least-once;
 * consumers de-duplicate by event id). It wakes on NOTIFY, on wake() after an in-process commit, and
 * polls as a backstop for lost notifications. When the database drops its connections (failover,
 * restart) publishing fails and is retried with backoff, and the LISTEN session reconnects with
 * backoff, draining once it is back since notifications sent meanwhile were lost.
 */
export interface OutboxRelayOptions {
  pool: pg.Pool;
  schema: string;
  bus: Pick<EventBus, 'publish'>;
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Open a dedicated connection and LISTEN for inserts (real PostgreSQL; off on embedded). */
  listen?: boolean;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
}

export interface OutboxRow {
  id: string;
  routingKey: string;
  payload: unknown;
}

export class OutboxRelay {
  private readonly table: string;
  private readonly channel: string;
  private timer?: NodeJS.Timeout;
  private listener?: HeldClient;
  private listenTimer?: NodeJS.Timeout;
  private listenFailures = 0;
  private running = false;
  private draining?: Promise<void>;
  private again = false;
  private failures = 0;
  private lastCleanup = 0;
  published = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.table = `"${opts.schema}".outbox`;
    this.channel = outboxChannel(opts.schema);
  }

  async start(): Promise<void> {
    this.running = true;
    if (this.opts.listen) await this.listen();
    this.schedule(0);
  }

  /** Drains now; call after committing a transaction that wrote outbox rows. */
  wake(): void {
    // While publishing fails the backoff timer retries: a commit must not turn into a retry (and a log line) each.
    if (!this.running || this.failures > 0) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.listenTimer);
    this.listenTimer = undefined;
    await this.draining?.catch(() => {});
    if (this.listener) {
      this.listener.client.removeAllListeners('notification');
      // Destroyed rather than pooled: a pooled connection would stay subscribed to the channel.
      this.listener.release(true);
      this.listener = undefined;
    }
  }

  /** Publishes everything pending; resolves when the table is empty or publishing fails. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishBatch();
      total += n;
      if (n < (this.opts.batchSize ?? 200)) return total;
    }
  }

  private schedule(delayMs: number) {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick() {
    if (this.draining) return;
    this.again = false;
    this.draining = this.drain()
      .then(() => {
        if (this.failures > 0) this.opts.logger.info({ failures: this.failures }, 'outbox publishing again');
        this.failures = 0;
      })
      .catch((err) => {
        this.failures++;
        // The first failure and then every 8th: an outage is one line every few seconds, not one per commit.
        if (this.failures % 8 === 1) this.opts.logger.warn({ err: err instanceof Error ? err.message : err, failures: this.failures }, 'outbox publish failed; will retry');
      });
    await this.draining;
    this.draining = undefined;
    await this.cleanup();
    const backoff = this.failures ? Math.min(200 * 2 ** this.failures, 2_000) : undefined;
    this.schedule(backoff ?? (this.again ? 0 : this.opts.pollIntervalMs ?? 1000));
  }

  private async publishBatch(): Promise<number> {
    const held = await HeldClient.acquire(this.opts.pool);
    const client = held.client;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; routing_key: string; payload: unknown }>(
        `SELECT id, routing_key, payload FROM ${this.table}
         WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.opts.batchSize ?? 200],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      await this.opts.bus.publish(rows.map((r) => ({ routingKey: r.routing_key, messageId: r.id, body: r.payload })));
      await client.query(`UPDATE ${this.table} SET published_at = now() WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      this.published += rows.length;
      return rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      // A connection that failed to roll back may still hold the row locks: never reuse it.
      held.release(broken);
    }
  }

  private async cleanup() {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const retention = this.opts.retentionMs ?? 24 * 3600_000;
    await this.opts.pool
      .query(`DELETE FROM ${this.table} WHERE published_at < now() - make_interval(secs => $1)`, [retention / 1000])
      .catch((err) => this.opts.logger.warn({ err }, 'outbox cleanup failed'));
  }

  private async listen(): Promise<void> {
    this.listenTimer = undefined;
    if (!this.running || this.listener) return;
    let held: HeldClient | undefined;
    try {
      held = await HeldClient.acquire(this.opts.pool, (err, lost) => this.listenerLost(lost, err));
      held.client.on('notification', () => this.wake());
      await held.client.query(`LISTEN ${this.channel}`);
      // Lost between LISTEN's answer and here: listenerLost ignored it, as it was not ours yet.
      if (held.lost) throw held.lost;
      if (!this.running) {
        held.release(true);
        return;
      }
      this.listener = held;
      if (this.listenFailures > 0) this.opts.logger.info({ channel: this.channel }, 'outbox listener back');
      this.listenFailures = 0;
      // Notifications sent while nobody listened are gone; rows may be waiting.
      this.wake();
    } catch (err) {
      held?.release(true);
      this.listenFailures++;
      this.opts.logger.warn({ err, failures: this.listenFailures }, 'cannot LISTEN for outbox inserts; polling until it works');
      this.scheduleListen();
    }
  }

  /** Runs once per lost session, however many errors the dying connection reports. */
  private listenerLost(held: HeldClient, err: Error): void {
    // Still connecting or sending LISTEN: listen() sees the failure and retries itself.
    if (this.listener !== held) return;
    this.listener = undefined;
    held.release(true);
    this.opts.logger.warn({ err }, 'outbox listener lost; polling until it is back');
    this.scheduleListen();
  }

  private scheduleListen(): void {
    if (!this.running || this.listenTimer) return;
    // Quick first retry (a failover is usually over in seconds), capped so a long outage costs
    // one attempt every few seconds; the poll keeps publishing meanwhile.
    const delay = Math.min(250 * 2 ** Math.max(this.listenFailures - 1, 0), 5000);
    this.listenTimer = setTimeout(() => void this.listen(), delay);
    this.listenTimer.unref();
  }
}

/** Must match the trigger in OUTBOX_TABLE_SQL; schema names are plain lowercase identifiers. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}
