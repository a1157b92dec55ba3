import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import {
  ConfigError,
  MemoryEventBus,
  TokenSigner,
  TokenVerifier,
  createLogger,
  createMetricsRegistry,
  loadConfig,
  loadOrCreateTokenKeys,
  startEmbeddedPostgres,
  type Logger,
} from '@herald/platform';
import { createUserService, userRetentionEnvSpec } from '@herald/user-service';
import { createPostService } from '@herald/post-service';
import { channelEnvSpec, createNotificationService, loadOrCreateVapidKeys, retentionEnvSpec, retentionSettings } from '@herald/notification-service';
import { createGateway, readGatewayConfig } from '@herald/gateway';
import { MIN_API_KEY_LENGTH, embeddedConfigSpec, maskKey } from './config.js';
import { secureDataDir } from './data-dir.js';

export interface HeraldOptions {
  /** Where the embedded database and the token keys live (HERALD_DATA_DIR). */
  dataDir: string;
  /** The gateway's port; 0 picks a free one. */
  port: number;
  /** The gateway's bind address; else HOST from `env`, else 127.0.0.1. */
  host?: string;
  logger?: Logger;
  /**
   * Where the empty cluster copied into a new data directory is kept (instead of running initdb,
   * 3-5 s, at each first start); false: initdb every time. Default: node_modules/.cache/herald of
   * the checkout this code is in, none if there is no node_modules above it.
   */
  clusterCacheDir?: string | false;
  /**
   * Settings as environment variables: ACCESS_TOKEN_TTL_SECONDS, SEND_API_KEYS, HOST, the
   * retention ones (RETENTION_*), and the channel and gateway ones (rate limits, CORS). A bad value
   * throws a ConfigError naming it.
   */
  env?: Record<string, string | undefined>;
}

export interface Herald {
  url: string;
  /** The in-process event bus, for tests that watch events like a consumer would. */
  bus: MemoryEventBus;
  /** Where the gateway listens (127.0.0.1 unless HOST says otherwise). */
  address: AddressInfo;
  /**
   * The generated `X-API-Key` with every scope, kept in HERALD_DATA_DIR/keys/send-api-key;
   * undefined when SEND_API_KEYS names the keys instead.
   */
  sendApiKey?: string;
  /** True on the start that generated sendApiKey: the one start whose banner shows it in full. */
  sendApiKeyCreated: boolean;
  /** The send API keys as they may be logged: name, scopes and the key masked (`hk_…abcd`). */
  sendApiKeysForLog: Array<{ name: string; key: string; scopes: string }>;
  close(): Promise<void>;
}

/**
 * Every service and the gateway in one process, on embedded PostgreSQL (PGlite), an in-process
 * event bus and in-memory presence: the same service modules as the real deployment, with embedded
 * adapters. Services listen on loopback ports of their own and the gateway proxies to them exactly
 * as it does between processes.
 */
export async function startHerald(opts: HeraldOptions): Promise<Herald> {
  const logger = opts.logger ?? createLogger('herald');
  // Before anything touches the disk: a bad value stops start-up with its name.
  const settings = loadConfig(
    {
      host: embeddedConfigSpec.host,
      accessTokenTtlSeconds: embeddedConfigSpec.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: embeddedConfigSpec.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: embeddedConfigSpec.refreshReuseGraceSeconds,
      sendApiKeys: embeddedConfigSpec.sendApiKeys,
      // user-service's and notification-service's own readers (the interval and batch size are shared).
      ...userRetentionEnvSpec,
      ...retentionEnvSpec,
    },
    opts.env ?? {},
  );
  const host = opts.host ?? settings.host;
  const dataDir = path.resolve(opts.dataDir);
  secureDataDir(dataDir, logger);
  const keys = loadOrCreateTokenKeys(dataDir);
  const generated = settings.sendApiKeys ? undefined : loadOrCreateSecret(path.join(dataDir, 'keys', 'send-api-key'), logger);
  // The generated key carries every scope: the send API and the operator routes.
  const sendApiKeys = settings.sendApiKeys ?? [{ name: 'embedded', key: generated!.secret, scopes: '*' }];
  const verifier = new TokenVerifier(keys.publicKey);
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err) => logger.warn({ err }, 'error while closing'));
  };
  try {
    const clusterCacheDir = opts.clusterCacheDir === false ? undefined : (opts.clusterCacheDir ?? defaultCacheDir());
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), clusterCacheDir, logger });
    closers.push(() => pg.close());
    const bus = new MemoryEventBus({ exchange: 'herald.events', logger });
    const workBus = new MemoryEventBus({ exchange: 'herald.notification.work', logger });
    closers.push(() => bus.close(), () => workBus.close());

    const common = { pool: pg.pool, bus, verifier, listen: false };
    const user = await createUserService({
      ...common,
      logger: logger.child({ name: 'user-service' }),
      registry: createMetricsRegistry('user-service'),
      schema: 'users',
      signer: new TokenSigner(keys.privateKey, settings.accessTokenTtlSeconds),
      refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: settings.refreshReuseGraceSeconds,
      retention: {
        intervalMs: settings.retentionIntervalMs,
        batchSize: settings.retentionBatchSize,
        sessionsDays: settings.retentionSessionsDays,
        loginFailuresHours: settings.retentionLoginFailuresHours,
      },
    });
    const post = await createPostService({ ...common, logger: logger.child({ name: 'post-service' }), registry: createMetricsRegistry('post-service'), schema: 'posts' });
    const channels = loadConfig(channelEnvSpec, opts.env ?? {});
    const notification = await createNotificationService({
      ...common,
      workBus,
      logger: logger.child({ name: 'notification-service' }),
      registry: createMetricsRegistry('notification-service'),
      schema: 'notifications',
      sendApiKeys: sendApiKeys.map((k) => [k.name, k.key, ...(k.scopes ? [k.scopes] : [])].join(':')).join(','),
      channels: {
        ...channels,
        // Web Push: VAPID_* from the environment, else a pair generated once and kept, so the
        // browsers' subscriptions stay valid across restarts.
        vapidKeys: channels.vapidKeys ?? loadOrCreateVapidKeys(path.join(dataDir, 'keys', 'vapid.json')).keys,
        publicUrl: opts.env?.PUBLIC_URL || `http://localhost:${opts.port || 3000}`,
        trackingSecret: opts.env?.TRACKING_SECRET || loadOrCreateSecret(path.join(dataDir, 'keys', 'tracking-secret'), logger).secret,
        captureUnconfigured: true,
      },
      retention: retentionSettings(settings),
    });
    const internalUrl = async (svc: { app: { server: { address(): unknown } }; start(o: { port: number; host: string }): Promise<unknown>; close(): Promise<unknown> }) => {
      await svc.start({ port: 0, host: '127.0.0.1' });
      closers.push(() => svc.close());
      return `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
    };
    // One at a time: they share the one embedded connection, and migrations take a lock each.
    const userUrl = await internalUrl(user);
    const postUrl = await internalUrl(post);
    const notificationUrl = await internalUrl(notification);

    const config = readGatewayConfig({
      ...opts.env,
      PORT: String(opts.port),
      HOST: host,
      USER_SERVICE_URL: userUrl,
      POST_SERVICE_URL: postUrl,
      NOTIFICATION_SERVICE_URL: notificationUrl,
      JWT_PUBLIC_KEY: keys.publicKey,
      HERALD_DATA_DIR: dataDir,
    });
    const gateway = await createGateway({ config, logger: logger.child({ name: 'gateway' }), registry: createMetricsRegistry('gateway'), verifier });
    closers.push(() => gateway.close());
    await gateway.start({ port: config.port, host: config.host }).catch((err: NodeJS.ErrnoException) => {
      // Name the setting, as for any other bad value: the address is not this machine's, or the port is taken.
      if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(err.code ?? '')) throw new ConfigError([`HOST=${JSON.stringify(host)} cannot be bound here (${err.code})`]);
      if (['EADDRINUSE', 'EACCES'].includes(err.code ?? '')) throw new ConfigError([`PORT=${opts.port} cannot be bound on ${host} (${err.code})`]);
      throw err;
    });
    const address = gateway.app.server.address() as AddressInfo;
    logger.debug({ address }, 'gateway listening');
    if (address.address === '0.0.0.0' || address.address === '::') {
      logger.warn({ host }, 'HOST makes the embedded mode reachable from other machines; it is a development runtime (README.md, "Configuration")');
    }
    return {
      url: `http://${urlHost(host)}:${address.port}`,
      address,
      bus,
      sendApiKey: generated?.secret,
      sendApiKeyCreated: generated?.created ?? false,
      sendApiKeysForLog: sendApiKeys.map((k) => ({ name: k.name, key: maskKey(k.key), scopes: k.scopes || 'send' })),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** node_modules/.cache/herald of the nearest node_modules above this file (embedded/ or embedded/dist/). */
function defaultCacheDir(): string | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules', '.cache', 'herald');
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A browser reaches a loopback or wildcard bind at localhost; any other address by itself. */
function urlHost(host: string): string {
  if (['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * A random secret kept in `file` (0600). One that is missing or too short to be a secret (an
 * empty file would make an empty X-API-Key valid) is generated again; `created` says so.
 */
function loadOrCreateSecret(file: string, logger: Logger): { secret: string; created: boolean } {
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_API_KEY_LENGTH) return { secret: stored, created: false };
    logger.warn({ file }, 'stored secret is empty or too short; generating a new one');
  }
  const secret = `hk_${randomBytes(24).toString('base64url')}`;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
