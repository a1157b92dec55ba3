import { Registry } from 'prom-client';
import { TokenSigner, TokenVerifier, createHttpApp, createLogger, generateTokenKeys, type HttpApp } from '@herald/platform';
import type { Presence } from '../../../src/domain/ports.js';
import { createLiveHub, type LiveHub } from '../../../src/live/hub.js';
import type { LiveOptions } from '../../../src/live/options.js';
import type { LiveTransport } from '../../../src/live/transport.js';
import { MemoryPresence } from '../../../src/adapters/memory-presence.js';
import { MemoryLiveTransport } from '../../../src/adapters/memory-live-transport.js';
import { MemoryInbox } from './memory-inbox.js';

/** One key pair for every test in a file; the signer stands in for user-service. */
export function testTokens() {
  const keys = generateTokenKeys();
  const signer = new TokenSigner(keys.privateKey);
  return {
    keys,
    verifier: new TokenVerifier(keys.publicKey),
    tokenFor: (userId: string) => signer.sign({ userId, username: `u${userId.slice(-4)}`, scopes: [] }),
  };
}

export interface LiveServer {
  app: HttpApp;
  hub: LiveHub;
  inbox: MemoryInbox;
  registry: Registry;
  /** ws://127.0.0.1:<port>/ws (empty until listen) */
  url: string;
  close(): Promise<void>;
}

export interface LiveServerOptions {
  verifier: TokenVerifier;
  instanceId?: string;
  presence?: Presence;
  transport?: LiveTransport;
  inbox?: MemoryInbox;
  options?: Partial<LiveOptions>;
  /** Listen on 127.0.0.1 (real sockets); false for app.injectWS only. */
  listen?: boolean;
}

/** The hub wired the way service.ts wires it: Herald's HTTP app, its own registry, start() then listen. */
export async function startLiveServer(opts: LiveServerOptions): Promise<LiveServer> {
  const registry = new Registry();
  const logger = createLogger('notification-service-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const inbox = opts.inbox ?? new MemoryInbox();
  const app = await createHttpApp({ service: 'notification-service', logger, registry });
  const hub = createLiveHub({
    instanceId: opts.instanceId ?? `test-${Math.random().toString(36).slice(2, 10)}`,
    presence: opts.presence ?? new MemoryPresence(),
    transport: opts.transport ?? new MemoryLiveTransport(),
    inbox,
    verifier: opts.verifier,
    logger,
    registry,
    options: opts.options,
  });
  await hub.registerRoutes(app);
  await hub.start();
  let url = '';
  if (opts.listen !== false) {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = `${address.replace('http', 'ws')}/ws`;
  } else {
    await app.ready();
  }
  return {
    app,
    hub,
    inbox,
    registry,
    url,
    async close() {
      await hub.close();
      await app.close();
    },
  };
}

/** The current value of a counter or gauge in the registry. */
export async function metric(registry: Registry, name: string): Promise<number> {
  const found = await registry.getSingleMetric(name)?.get();
  return found?.values[0]?.value ?? Number.NaN;
}

/** The current value of one labelled series, e.g. `live_resyncs_total{reason="requested"}`. */
export async function labelledMetric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const found = await registry.getSingleMetric(name)?.get();
  const value = found?.values.find((v) => Object.entries(labels).every(([key, wanted]) => v.labels[key] === wanted));
  return value?.value ?? Number.NaN;
}
