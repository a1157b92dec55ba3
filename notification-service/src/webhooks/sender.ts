import type { Logger } from '@herald/platform';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Webhook } from 'standardwebhooks';
import type { RetryPolicy } from '../domain/fallback-rules.js';
import { afterWebhookAttempt, parseRetryAfter, webhookBody } from '../domain/webhooks.js';
import type { ClaimedWebhook, WebhookStore } from '../adapters/prisma-webhook-store.js';
import { postWebhook, type PostResult } from './outbound.js';

export interface WebhookSenderOptions {
  store: WebhookStore;
  retry: RetryPolicy;
  /** Per request, connect to last byte of the answer. */
  timeoutMs: number;
  /** How long a claimed message is left alone before another sender may take it (a dead sender's). */
  leaseMs: number;
  /** How often due messages are looked for (a full batch looks again at once). */
  intervalMs: number;
  /** Messages claimed, and sent concurrently, per round. */
  batchSize: number;
  /** False in production: https to public addresses only. */
  allowHttp: boolean;
  logger: Logger;
  registry?: Registry;
  /** Tests: the request itself. */
  post?: typeof postWebhook;
}

export interface WebhookSender {
  /** One round now; resolves with how many messages it handled (tests). */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Sends what the webhook_deliveries table owes (docs/channels.md "Status webhooks"): claims due rows
 * in batches (FOR UPDATE SKIP LOCKED, any number of instances), signs each per Standard Webhooks
 * (`webhook-id` = the row id, the same on every retry; `webhook-timestamp` = now), POSTs it, and
 * records the answer: 2xx delivered; anything else retried at a backoff with full jitter until the
 * last attempt, then failed. Delivery is at least once: receivers drop duplicates by `webhook-id`.
 */
export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const { store, logger } = opts;
  const post = opts.post ?? postWebhook;
  const outcomes = opts.registry
    ? new Counter({ name: 'herald_webhook_attempts_total', help: 'Webhook requests by outcome (delivered, retry, failed)', labelNames: ['outcome'], registers: [opts.registry] })
    : undefined;
  for (const outcome of ['delivered', 'retry', 'failed']) outcomes?.inc({ outcome }, 0);
  if (opts.registry) {
    new Gauge({
      name: 'herald_webhook_oldest_due_seconds',
      help: 'Age of the oldest status webhook message that is due and not yet sent',
      registers: [opts.registry],
      async collect() {
        this.set((await store.backlog().catch(() => ({ oldestDueSeconds: 0 }))).oldestDueSeconds);
      },
    });
  }

  const sendOne = async (m: ClaimedWebhook): Promise<void> => {
    if (m.endpointDisabled) {
      await store.failed(m, 'endpoint removed');
      return;
    }
    const body = webhookBody(m.payload);
    const now = new Date();
    let result: PostResult;
    try {
      const signature = new Webhook(m.secret).sign(m.id, now, body);
      const headers = { 'webhook-id': m.id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
      result = await post(m.url, body, headers, { timeoutMs: opts.timeoutMs, publicOnly: !opts.allowHttp });
    } catch (err) {
      result = { error: err instanceof Error ? err.message : String(err) };
    }
    const next = afterWebhookAttempt({ ...(result.status !== undefined ? { status: result.status } : {}), ...retryAfterOf(result) }, m.attempts, opts.retry, new Date());
    outcomes?.inc({ outcome: next.action });
    const error = result.error ?? 'no answer';
    if (next.action === 'delivered') return store.delivered(m);
    if (next.action === 'retry') return store.retry(m, next.at, error);
    logger.warn({ webhookId: m.id, endpointId: m.endpointId, attempts: m.attempts, error }, 'status webhook failed for good');
    return store.failed(m, error);
  };

  const runOnce = async (): Promise<number> => {
    const claimed = await store.claimDue(opts.batchSize, opts.leaseMs);
    await Promise.all(
      claimed.map((m) =>
        sendOne(m).catch((err) => {
          // Recording failed (the database is away): the lease brings it back, at worst sent twice.
          logger.warn({ err: err instanceof Error ? err.message : err, webhookId: m.id }, 'could not record a webhook attempt');
        }),
      ),
    );
    return claimed.length;
  };

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let failures = 0;
  const tick = async () => {
    if (!running) return;
    round = (async () => {
      while (running && (await runOnce()) === opts.batchSize);
    })()
      .then(() => {
        failures = 0;
      })
      .catch((err) => {
        failures++;
        logger.warn({ err: err instanceof Error ? err.message : err, failures }, 'webhook round failed; will retry');
      });
    await round;
    round = undefined;
    if (running) timer = setTimeout(() => void tick(), failures ? Math.min(opts.intervalMs * 2 ** failures, 30_000) : opts.intervalMs);
  };

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(() => void tick(), 0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await round;
    },
  };
}

function retryAfterOf(result: PostResult): { retryAfterMs?: number } {
  const ms = parseRetryAfter(result.retryAfter, new Date());
  return ms === undefined ? {} : { retryAfterMs: ms };
}
