import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import {
  checkPostgres,
  applyMigrations,
  createHttpApp,
  createRetentionRunner,
  OutboxRelay,
  uuidv7,
  type ConfigOf,
  type EventBus,
  type HttpApp,
  type Logger,
  type RetentionRunner,
  type Subscription,
  type TokenVerifier,
} from '@herald/platform';
import type { AppDeps } from './app/deps.js';
import { ChunkBatcher, DEFAULT_BATCHING } from './app/chunk-batcher.js';
import { deliverChunks } from './app/deliver-chunk.js';
import type { Clock, Presence } from './domain/ports.js';
import { busWorkQueue, queueNames, startConsumers } from './adapters/bus-consumers.js';
import { MemoryLiveTransport } from './adapters/memory-live-transport.js';
import { MemoryPresence } from './adapters/memory-presence.js';
import { createPrismaClient } from './adapters/prisma-client.js';
import { PrismaInboxStore } from './adapters/prisma-inbox-store.js';
import { PrismaPreferenceStore } from './adapters/prisma-preference-store.js';
import { PrismaProjectionStore } from './adapters/prisma-projection-store.js';
import { PrismaUserErasure } from './adapters/prisma-user-erasure.js';
import { notificationRetentionTasks } from './adapters/prisma-retention.js';
import { RETENTION_DEFAULTS, type RetentionSettings } from './retention.js';
import { promBatchSizes, promPipelineMetrics } from './adapters/prom-metrics.js';
import { parseApiKeys } from './http/api-keys.js';
import { registerRoutes } from './http/routes.js';
import { registerChannelRoutes } from './http/channel-routes.js';
import { PrismaChannelStore } from './adapters/prisma-channel-store.js';
import type { channelEnvSpec } from './channels/config.js';
import { channelMetrics, providerPaceCounter, trackingCounter } from './channels/metrics.js';
import { createProviderPace, paceMaxWaitMs } from './channels/provider-pace.js';
import { MemoryPaceStore } from './adapters/memory-pace-store.js';
import type { PaceStore } from './domain/provider-pace.js';
import { DEFAULT_THROTTLES } from './domain/throttle.js';
import { failureNotifier } from './channels/notice.js';
import { buildChannelRegistry, type ChannelRegistry } from './channels/registry.js';
import { createChannelRuntime, type ChannelRuntime } from './channels/runtime.js';
import { PrismaDigestStore } from './adapters/prisma-digest-store.js';
import { createDigestRuntime, type DigestRuntime } from './channels/digest-runtime.js';
import { registerDigestRoutes } from './http/digest-routes.js';
import { TrackingSigner } from './channels/tracking.js';
import { PrismaDigestTracking } from './adapters/prisma-digest-tracking.js';
import { PrismaWebhookStore } from './adapters/prisma-webhook-store.js';
import { registerWebhookRoutes } from './http/webhook-routes.js';
import { createWebhookSender, type WebhookSender } from './webhooks/sender.js';
import { PrismaTemplateStore } from './adapters/prisma-template-store.js';
import { PgRecipientDirectory } from './adapters/pg-recipient-directory.js';
import { registerTemplateRoutes } from './http/template-routes.js';
import { Templates } from './templates/templates.js';
import { createLiveHub, type LiveHub, type LiveInbox, type LiveOptions, type LiveTransport } from './live/index.js';
import { PrismaPushSubscriptionStore } from './adapters/prisma-push-subscription-store.js';
import { registerPushRoutes } from './http/push-routes.js';
import { withPushDetails } from './channels/push.js';
import { DEFAULT_VAPID_SUBJECT } from './channels/vapid.js';

export const SERVICE_NAME = 'notification-service';
export const MIGRATIONS_DIR = fileURLToPath(new URL('../prisma/migrations', import.meta.url));

export interface NotificationServiceDeps {
  logger: Logger;
  registry: Registry;
  /** Owned by the caller (it may be the one shared connection of the embedded mode); never ended here. */
  pool: pg.Pool;
  /**
   * Where the decide step's prepared reads run (preferences, mutes and blocks, languages:
   * adapters/pg-prepared.ts); main.ts gives a few connections that always use generic plans. Owned
   * by the caller. Default: `pool`.
   */
  readPool?: pg.Pool;
  schema: string;
  /** herald.events: the domain events this service consumes. */
  bus: EventBus;
  /** The internal work exchange (AMQP_WORK_EXCHANGE) carrying fan-out chunks between instances. */
  workBus: EventBus;
  verifier: TokenVerifier;
  /** `name:key` pairs, comma-separated (SEND_API_KEYS): backends calling the send API without a token. */
  sendApiKeys?: string;
  /** LISTEN for outbox inserts on a dedicated connection (real PostgreSQL only). */
  listen: boolean;
  /** Prefix of every queue name (AMQP_QUEUE_PREFIX); tests give each file its own. */
  queuePrefix?: string;
  chunkSize?: number;
  groupWindowMs?: number;
  clock?: Clock;
  /** Presence and transport of the live layer: Redis in real mode, in memory (one instance) by default. */
  instanceId?: string;
  presence?: Presence;
  transport?: LiveTransport;
  liveOptions?: Partial<LiveOptions>;
  /** Replaces the live hub altogether (tests); it gets the inbox the hub would read. */
  live?: (inbox: LiveInbox) => LiveHub;
  /** Checked by /readyz when given (the connection behind presence and transport). */
  redis?: Pick<Redis, 'ping'>;
  /**
   * Where providers' rate-limit slots are reserved (PROVIDER_RATE_<NAME>): Redis in standalone mode,
   * shared by every instance; this process's memory by default (embedded: one process).
   */
  paceStore?: PaceStore;
  outboxPollMs?: number;
  /** Out-of-band channels: timers, retries, providers (channels/config.ts); defaults as documented. */
  channels?: Partial<ChannelSettings>;
  /** Status webhooks' sender (docs/channels.md "Status webhooks"); defaults as documented. */
  webhooks?: Partial<WebhookSettings>;
  /** The retention job (RETENTION_*, docs/operations.md "Retention"); defaults as documented. */
  retention?: Partial<RetentionSettings>;
  /** Templates (docs/templates.md): how often an instance checks for operators' changes (default 5 s), and the built-in files. */
  templates?: { refreshMs?: number; dir?: string };
}

/** The status webhook sender's schedule (not in the environment: the defaults suit every deployment so far). */
export interface WebhookSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Per request. */
  timeoutMs: number;
  /** A claimed message is due again after this long if its sender died. */
  leaseMs: number;
  /** How often due messages are looked for (default CHANNEL_SWEEP_MS). */
  intervalMs?: number;
  batchSize: number;
}

const WEBHOOK_DEFAULTS: WebhookSettings = { maxAttempts: 8, retryBaseMs: 60_000, retryMaxMs: 6 * 3_600_000, timeoutMs: 10_000, leaseMs: 60_000, batchSize: 50 };

/** channels/config.ts's values plus what only the composition root decides. */
export type ChannelSettings = ConfigOf<typeof channelEnvSpec> & {
  /** Embedded: channels without a provider are captured and shown at /dev/outbox. */
  captureUnconfigured: boolean;
  slackRequireHttps?: boolean;
  breaker?: { failureThreshold?: number; halfOpenAfterMs?: number };
};

const CHANNEL_DEFAULTS: ChannelSettings = {
  fallbackDelayMs: 120_000, escalateAfterMs: 300_000, channelMaxAttempts: 6, channelRetryBaseMs: 1000, channelRetryMaxMs: 300_000,
  channelConcurrency: 16, channelSweepMs: 1000, digestSweepMs: 60_000, channelClaimLeaseMs: 60_000, channelRedispatchMs: 600_000, mailFrom: 'Herald <notifications@herald.local>',
  slackWebhookHosts: 'hooks.slack.com', publicUrl: 'http://localhost:3000', captureUnconfigured: false,
  smtpUrl: undefined, smtpFallbackUrl: undefined, smsProviderUrl: undefined, smsFallbackProviderUrl: undefined, smsAccountSid: undefined,
  smsAuthToken: undefined, smsFrom: undefined, trackingSecret: undefined, webhookAllowHttp: false,
  vapidKeys: undefined, vapidSubject: DEFAULT_VAPID_SUBJECT, pushAllowHttp: false,
  throttles: DEFAULT_THROTTLES, providerRates: {},
};

export interface NotificationService {
  app: HttpApp;
  /** The use cases' dependencies, as wired (tests reach the stores through it). */
  deps: AppDeps;
  live: LiveHub;
  /** The out-of-band channels: their store, providers and worker runtime (tests drive sweeps through it). */
  channels: { store: PrismaChannelStore; runtime: ChannelRuntime; registry: ChannelRegistry; pushSubscriptions: PrismaPushSubscriptionStore };
  /** Daily and weekly digests (docs/channels.md "Digests"): their store and timers (tests run sweeps through it). */
  digests: { store: PrismaDigestStore; runtime: DigestRuntime };
  /** Status webhooks: their store and sender (tests run rounds through it). */
  webhooks: { store: PrismaWebhookStore; sender: WebhookSender };
  /** The retention job: scheduled by start() every RETENTION_INTERVAL_MS; tests call runOnce(). */
  retention: RetentionRunner;
  /** Message templates per type × channel × locale: renders and the operators' versions. */
  templates: Templates;
  /** Migrates, starts the outbox relay, the live hub and the consumers, then listens (when a port is given). */
  start(opts?: { port: number; host: string }): Promise<void>;
  /** Stops consuming, closes sockets and the app; the pool, buses and Redis belong to the caller. */
  close(): Promise<void>;
}

/** The composition root: adapters in, use cases wired to routes and consumers, one app out. */
export async function createNotificationService(deps: NotificationServiceDeps): Promise<NotificationService> {
  const { logger, pool, schema, bus, workBus, registry } = deps;
  const ch: ChannelSettings = { ...CHANNEL_DEFAULTS, ...withoutUndefined(deps.channels ?? {}) };
  const prisma = createPrismaClient(pool, schema);
  const reads = deps.readPool ?? pool;
  const inbox = new PrismaInboxStore(prisma, schema, pool);
  const clock = deps.clock ?? { now: () => new Date() };
  const live =
    deps.live?.(inbox) ??
    createLiveHub({
      instanceId: deps.instanceId ?? randomUUID(),
      presence: deps.presence ?? new MemoryPresence(),
      transport: deps.transport ?? new MemoryLiveTransport(),
      inbox,
      verifier: deps.verifier,
      logger,
      registry,
      options: deps.liveOptions,
      clock,
    });
  // Events this service emits (user.address_bounced when a channel bounces) go through the outbox,
  // so they get the same no-loss guarantee as everyone else's.
  const relay = new OutboxRelay({ pool, schema, bus, logger, listen: deps.listen, pollIntervalMs: deps.outboxPollMs });

  const appDeps: AppDeps = {
    inbox,
    preferences: new PrismaPreferenceStore(prisma, schema, reads),
    projections: new PrismaProjectionStore(prisma, schema, reads),
    erasure: new PrismaUserErasure(prisma, schema),
    live,
    work: busWorkQueue(workBus),
    metrics: promPipelineMetrics(registry),
    clock,
    newId: (at) => uuidv7(at.getTime()),
    logger,
    chunkSize: deps.chunkSize ?? 1000,
    groupWindowMs: deps.groupWindowMs ?? 3_600_000,
    fallbackDelayMs: ch.fallbackDelayMs,
    escalateAfterMs: ch.escalateAfterMs,
  };
  const batchDeps = appDeps;
  appDeps.chunks = new ChunkBatcher((inputs) => deliverChunks(batchDeps, inputs), { ...DEFAULT_BATCHING, maxRecipients: appDeps.chunkSize }, promBatchSizes(registry));

  const channelStore = new PrismaChannelStore(prisma, schema, ch.throttles);
  const pushSubscriptions = new PrismaPushSubscriptionStore(prisma, schema);
  const pace = createProviderPace({
    rates: ch.providerRates,
    store: deps.paceStore ?? new MemoryPaceStore(),
    maxWaitMs: paceMaxWaitMs(ch.channelClaimLeaseMs),
    logger: logger.child({ component: 'provider-pace' }),
    count: providerPaceCounter(registry, Object.keys(ch.providerRates)),
  });
  const channelRegistry = buildChannelRegistry(ch, { pushSubscriptions, ...(pace ? { pace } : {}) });
  if (!ch.trackingSecret) logger.warn('TRACKING_SECRET is not set: tracking links are signed with a per-process key and stop working after a restart');
  const signer = new TrackingSigner(ch.trackingSecret ?? randomBytes(32).toString('base64url'));
  const templates = await Templates.create({
    store: new PrismaTemplateStore(prisma, schema),
    directory: new PgRecipientDirectory(reads, schema),
    publicUrl: ch.publicUrl,
    signer,
    logger: logger.child({ component: 'templates' }),
    clock,
    ...withoutUndefined(deps.templates ?? {}),
  });
  appDeps.inApp = templates.inApp;
  const digestStore = new PrismaDigestStore(prisma, schema);
  const digestRuntime = createDigestRuntime({
    workBus,
    store: digestStore,
    publicUrl: ch.publicUrl,
    signer,
    templates,
    clock,
    newId: appDeps.newId,
    leaseMs: ch.channelClaimLeaseMs,
    redispatchMs: ch.channelRedispatchMs,
    dispatchIntervalMs: ch.channelSweepMs,
    runIntervalMs: ch.digestSweepMs,
    logger: logger.child({ component: 'digests' }),
  });
  const runtime = createChannelRuntime({
    workBus,
    queuePrefix: deps.queuePrefix ?? '',
    concurrency: ch.channelConcurrency,
    sweepIntervalMs: ch.channelSweepMs,
    logger: logger.child({ component: 'channels' }),
    fire: { store: channelStore, clock, redispatchMs: ch.channelRedispatchMs, leaseMs: ch.channelClaimLeaseMs },
    send: {
      store: channelStore,
      senders: channelRegistry.senders,
      render: async (d) => withPushDetails(await templates.renderDelivery(d), d),
      retry: { maxAttempts: ch.channelMaxAttempts, baseMs: ch.channelRetryBaseMs, maxMs: ch.channelRetryMaxMs },
      leaseMs: ch.channelClaimLeaseMs,
      clock,
      newId: appDeps.newId,
      metrics: channelMetrics(registry, channelStore, () => channelRegistry.senders),
      logger,
      notifyFailure: failureNotifier(() => appDeps),
    },
    digests: digestRuntime.worker,
  });

  const webhookSettings: WebhookSettings = { ...WEBHOOK_DEFAULTS, ...withoutUndefined(deps.webhooks ?? {}) };
  const webhookStore = new PrismaWebhookStore(prisma, schema);
  // Embedded mode (captureUnconfigured) is local development: http and local receivers are fine there.
  const webhookAllowHttp = ch.webhookAllowHttp || ch.captureUnconfigured;
  const webhookSender = createWebhookSender({
    store: webhookStore,
    retry: { maxAttempts: webhookSettings.maxAttempts, baseMs: webhookSettings.retryBaseMs, maxMs: webhookSettings.retryMaxMs },
    timeoutMs: webhookSettings.timeoutMs,
    leaseMs: webhookSettings.leaseMs,
    intervalMs: webhookSettings.intervalMs ?? ch.channelSweepMs,
    batchSize: webhookSettings.batchSize,
    allowHttp: webhookAllowHttp,
    logger: logger.child({ component: 'webhooks' }),
    registry,
  });

  const retention: RetentionSettings = { ...RETENTION_DEFAULTS, ...withoutUndefined(deps.retention ?? {}) };
  const retentionRunner = createRetentionRunner({
    tasks: notificationRetentionTasks(prisma, schema, retention),
    intervalMs: retention.intervalMs,
    batchSize: retention.batchSize,
    logger: logger.child({ component: 'retention' }),
    registry,
    clock,
  });

  const readiness: Record<string, () => Promise<unknown>> = { postgres: () => checkPostgres(pool), bus: () => bus.check() };
  if (workBus !== bus) readiness.workBus = () => workBus.check();
  if (deps.redis) readiness.redis = () => deps.redis!.ping();
  const app = await createHttpApp({
    service: SERVICE_NAME,
    logger,
    registry,
    readiness,
    openapi: { title: 'Herald notification-service', description: 'Inbox, delivery status, preferences, mutes, the send API and live delivery (/ws)' },
  });
  await live.registerRoutes(app);
  const apiKeys = parseApiKeys(deps.sendApiKeys ?? '');
  await registerRoutes(app, appDeps, deps.verifier, apiKeys);
  await registerChannelRoutes(app, {
    store: channelStore,
    signer,
    sweep: () => runtime.sweep(),
    replayDigest: (id, now) => digestStore.replay(id, now),
    digests: new PrismaDigestTracking(prisma, schema),
    publicUrl: ch.publicUrl,
    ...(ch.smsAuthToken ? { smsAuthToken: ch.smsAuthToken } : {}),
    ...(channelRegistry.capture ? { capture: channelRegistry.capture } : {}),
    countTracking: trackingCounter(registry),
  }, apiKeys);
  await registerPushRoutes(app, { store: pushSubscriptions, ...(ch.vapidKeys ? { vapidPublicKey: ch.vapidKeys.publicKey } : {}), allowLoopbackHttp: ch.pushAllowHttp, newId: appDeps.newId }, deps.verifier, apiKeys);
  await registerWebhookRoutes(app, { store: webhookStore, allowHttp: webhookAllowHttp, newId: appDeps.newId }, deps.verifier, apiKeys);
  await registerTemplateRoutes(app, templates, apiKeys);
  await registerDigestRoutes(app, { run: (at) => digestRuntime.run(at) }, apiKeys);

  let subscriptions: Subscription[] = [];
  return {
    app,
    deps: appDeps,
    live,
    channels: { store: channelStore, runtime, registry: channelRegistry, pushSubscriptions },
    digests: { store: digestStore, runtime: digestRuntime },
    webhooks: { store: webhookStore, sender: webhookSender },
    retention: retentionRunner,
    templates,
    async start(opts) {
      await applyMigrations({ pool, schema, migrationsDir: MIGRATIONS_DIR, logger });
      await templates.refresh(true);
      await relay.start();
      await live.start();
      subscriptions = await startConsumers({ bus, workBus, deps: appDeps, queues: queueNames(deps.queuePrefix), logger });
      await runtime.start();
      digestRuntime.start();
      webhookSender.start();
      retentionRunner.start();
      if (opts) await app.listen({ port: opts.port, host: opts.host });
      else await app.ready();
    },
    async close() {
      await retentionRunner.stop();
      await digestRuntime.stop();
      await runtime.stop();
      await webhookSender.stop();
      await Promise.all(subscriptions.map((s) => s.cancel()));
      await live.close();
      await app.close();
      await relay.stop();
      await channelRegistry.close();
      await prisma.$disconnect();
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
