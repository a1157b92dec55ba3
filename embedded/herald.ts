import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
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
import { createUserService } from '@herald/user-service';
import { createPostService } from '@herald/post-service';
import { channelEnvSpec, createNotificationService } from '@herald/notification-service';
import { createGateway, readGatewayConfig } from '@herald/gateway';

export interface HeraldOptions {
  /** Where the embedded database and the token keys live (HERALD_DATA_DIR). */
  dataDir: string;
  /** The gateway's port; 0 picks a free one. */
  port: number;
  host?: string;
  logger?: Logger;
  /** Extra gateway settings (rate limits, CORS), as environment variables. */
  env?: Record<string, string | undefined>;
}

export interface Herald {
  url: string;
  /** The in-process event bus, for tests that watch events like a consumer would. */
  bus: MemoryEventBus;
  /** `X-API-Key` for backends calling the send API (kept in HERALD_DATA_DIR/keys). */
  sendApiKey: string;
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
  const dataDir = path.resolve(opts.dataDir);
  const keys = loadOrCreateTokenKeys(dataDir);
  const sendApiKey = loadOrCreateSecret(path.join(dataDir, 'keys', 'send-api-key'));
  const verifier = new TokenVerifier(keys.publicKey);
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err) => logger.warn({ err }, 'error while closing'));
  };
  try {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg') });
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
      signer: new TokenSigner(keys.privateKey),
    });
    const post = await createPostService({ ...common, logger: logger.child({ name: 'post-service' }), registry: createMetricsRegistry('post-service'), schema: 'posts' });
    const notification = await createNotificationService({
      ...common,
      workBus,
      logger: logger.child({ name: 'notification-service' }),
      registry: createMetricsRegistry('notification-service'),
      schema: 'notifications',
      // The embedded key carries every scope: the send API and the operator routes.
      sendApiKeys: `embedded:${sendApiKey}:*`,
      channels: {
        ...loadConfig(channelEnvSpec, opts.env ?? {}),
        publicUrl: opts.env?.PUBLIC_URL || `http://localhost:${opts.port || 3000}`,
        trackingSecret: opts.env?.TRACKING_SECRET || loadOrCreateSecret(path.join(dataDir, 'keys', 'tracking-secret')),
        captureUnconfigured: true,
      },
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
      HOST: opts.host ?? '0.0.0.0',
      USER_SERVICE_URL: userUrl,
      POST_SERVICE_URL: postUrl,
      NOTIFICATION_SERVICE_URL: notificationUrl,
      JWT_PUBLIC_KEY: keys.publicKey,
      HERALD_DATA_DIR: dataDir,
    });
    const gateway = await createGateway({ config, logger: logger.child({ name: 'gateway' }), registry: createMetricsRegistry('gateway'), verifier });
    const address = await gateway.start({ port: config.port, host: config.host });
    closers.push(() => gateway.close());
    const port = (gateway.app.server.address() as AddressInfo).port;
    logger.debug({ address }, 'gateway listening');
    return { url: `http://localhost:${port}`, bus, sendApiKey, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function loadOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `hk_${randomBytes(24).toString('base64url')}`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
