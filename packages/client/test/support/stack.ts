/**
 * A real Herald for the SDK's tests: the embedded stack (`npm start`'s code path in process: PGlite,
 * the in-memory bus, every service behind the gateway), a TCP proxy in front of the gateway that a
 * test can cut or freeze like a network, and the few HTTP calls the tests need.
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createEvent } from '@herald/contracts';
import { TokenSigner, createLogger, loadOrCreateTokenKeys } from '@herald/platform';
export { waitFor } from '@herald/platform/testing';
import { startHerald, type Herald } from '../../../../embedded/herald.js';

export interface Stack {
  herald: Herald;
  /** http://127.0.0.1:<gateway port> */
  url: string;
  proxy: TcpProxy;
  /**
   * `count` direct messages from `sender` to `recipientId`, published on the event bus as
   * post-service publishes message.sent: notification-service stores and pushes each as a `message`
   * notification. Much faster than a send-API request per notification (the consumer batches).
   */
  messages(sender: Account, recipientId: string, count: number): Promise<void>;
  /** A token for `userId` that expires in `ttlSeconds`, signed with the stack's key (as user-service would). */
  shortToken(userId: string, username: string, ttlSeconds: number): string;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'herald-client-'));
  let herald: Herald;
  try {
    herald = await startHerald({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: createLogger('herald', process.env.TEST_LOG_LEVEL ?? 'silent'),
      // The tests send notifications quickly; the limiter has its own tests.
      env: { RATE_LIMIT_IP_PER_MINUTE: '10000000', RATE_LIMIT_USER_PER_MINUTE: '10000000', RATE_LIMIT_AUTH_PER_MINUTE: '10000000' },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${herald.address.port}`;
  const proxy = await TcpProxy.start(herald.address.port);
  const { privateKey } = loadOrCreateTokenKeys(dataDir);
  return {
    herald,
    url,
    proxy,
    async messages(sender, recipientId, count) {
      const from = { id: sender.user.id, username: sender.user.username, displayName: sender.user.username };
      for (let i = 0; i < count; i += 100) {
        const events = Array.from({ length: Math.min(100, count - i) }, (_, k) =>
          createEvent('message.sent', { messageId: randomUUID(), sender: from, recipientId, excerpt: `message ${i + k}` }, { producer: 'post-service' }),
        );
        await herald.bus.publish(events.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
      }
    },
    shortToken: (userId, username, ttlSeconds) => new TokenSigner(privateKey, ttlSeconds).sign({ userId, username, scopes: [] }),
    async close() {
      try {
        await proxy.close();
        await herald.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface Account {
  user: { id: string; username: string };
  accessToken: string;
  refreshToken: string;
}

export function api(stack: Stack) {
  async function call<T = any>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(`${stack.url}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    async register(prefix: string): Promise<Account> {
      const username = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
      const res = await call<Account>('POST', '/api/v1/auth/register', { username, email: `${username}@example.test`, password: 'correct horse battery' });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async refresh(account: Account): Promise<string> {
      const res = await call<{ accessToken: string; refreshToken: string }>('POST', '/api/v1/auth/refresh', { refreshToken: account.refreshToken });
      if (res.status !== 200) throw new Error(`refresh: ${res.status} ${JSON.stringify(res.body)}`);
      account.accessToken = res.body.accessToken;
      account.refreshToken = res.body.refreshToken;
      return res.body.accessToken;
    },
    /** `count` alerts to `userId` through the send API, `concurrency` requests at a time; their ids. */
    async send(userId: string, count: number, concurrency = 16): Promise<string[]> {
      const ids: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const res = await call<{ ids: string[] }>('POST', '/api/v1/notifications', { recipients: [userId], type: 'alert', title: `alert ${i}` }, { 'x-api-key': stack.herald.sendApiKey! });
          if (res.status !== 202) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
          ids.push(...res.body.ids);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
      return ids;
    },
    /** Every id in the person's inbox, oldest first. */
    async inboxIds(account: Account): Promise<string[]> {
      const ids: string[] = [];
      for (let cursor: string | null = null; ; ) {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const res = await call<{ items: Array<{ id: string }>; nextCursor: string | null }>('GET', `/api/v1/notifications?limit=100${query}`, undefined, bearer(account.accessToken));
        if (res.status !== 200) throw new Error(`inbox: ${res.status}`);
        ids.push(...res.body.items.map((n) => n.id));
        if (!res.body.nextCursor) return ids.reverse();
        cursor = res.body.nextCursor;
      }
    },
    async unreadCount(account: Account): Promise<number> {
      const res = await call<{ count: number }>('GET', '/api/v1/notifications/unread-count', undefined, bearer(account.accessToken));
      if (res.status !== 200) throw new Error(`unread-count: ${res.status}`);
      return res.body.count;
    },
  };
}

/**
 * A TCP proxy in front of the gateway that behaves like the network between a device and Herald:
 * `cut()` drops every connection (and refuses new ones until `restore()`), `freeze()` stops
 * carrying bytes on the open connections without closing them (a half-open socket: a laptop that
 * slept, a phone that changed networks) while new connections work.
 */
export class TcpProxy {
  private down = false;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly frozen = new Set<{ client: net.Socket; upstream: net.Socket }>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer((client) => proxy.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** ws://127.0.0.1:<port>/ws */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      this.frozen.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The network goes away: every connection is reset and new ones are refused. */
  cut(): void {
    this.down = true;
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** The open connections stop carrying bytes, both ways, and stay open; new connections work. */
  freeze(): void {
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
      this.frozen.add(pair);
    }
    this.pairs.clear();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    for (const { client, upstream } of this.frozen) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
