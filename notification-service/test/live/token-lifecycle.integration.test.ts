import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner, TokenVerifier, createLogger, generateTokenKeys } from '@herald/platform';
import { waitFor } from '@herald/platform/testing';
import { RedisLiveTransport } from '../../src/adapters/redis-live-transport.js';
import { RedisPresence } from '../../src/adapters/redis-presence.js';
import { newUserId } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { startLiveServer, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';
import type { LiveOptions } from '../../src/live/options.js';

// A socket must not outlive its token: at `exp` it closes with 4401, and when its session ends
// (logout, logout everywhere, password change, stolen refresh token) it closes with 4401 on
// whichever instance holds it. Two instances share the real Redis, as in production.
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:tokens:${randomUUID()}:`;
const keys = generateTokenKeys();
const verifier = new TokenVerifier(keys.publicKey);
const signer = (ttlSeconds: number) => new TokenSigner(keys.privateKey, ttlSeconds);
const inbox = new MemoryInbox();
const connections: Redis[] = [];
const clients: TestClient[] = [];
let a: LiveServer;
let b: LiveServer;

async function instance(instanceId: string, options: Partial<LiveOptions> = {}): Promise<LiveServer> {
  const redis = new Redis(redisUrl);
  connections.push(redis);
  return startLiveServer({
    verifier,
    instanceId,
    inbox,
    presence: new RedisPresence({ redis, prefix }),
    transport: new RedisLiveTransport({ redis, prefix, logger: createLogger('test', 'silent') }),
    options,
  });
}

async function connect(server: LiveServer, userId: string, sessionId?: string, ttlSeconds = 600): Promise<TestClient> {
  const token = signer(ttlSeconds).sign({ userId, username: 'ana', scopes: [], ...(sessionId ? { sessionId } : {}) });
  const client = await TestClient.connect(server.url, { token });
  clients.push(client);
  await client.next('hello');
  return client;
}

beforeAll(async () => {
  [a, b] = await Promise.all([instance(`a-${randomUUID()}`), instance(`b-${randomUUID()}`)]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  const found = await connections[0]!.keys(`${prefix}*`);
  if (found.length) await connections[0]!.del(...found);
  await Promise.all(connections.map((r) => r.quit()));
});

const closedWithin = (client: TestClient, ms = 3_000) =>
  Promise.race([client.closed, sleep(ms).then(() => undefined)]);

describe('a socket closes with 4401 when its token stops being good', () => {
  it('at the expiry of its access token, and not before', async () => {
    const userId = newUserId();
    // jsonwebtoken counts in whole seconds: a 2 s token expires 1-2 s from now.
    const client = await connect(a, userId, randomUUID(), 2);
    await sleep(900);
    expect(client.closeEvent).toBeUndefined();
    const closed = await closedWithin(client, 3_000);
    expect(closed).toMatchObject({ code: 4401 });
    expect(closed?.reason).toContain('expired');
  });

  it('when its session is revoked on another instance; other sessions of the same person stay open', async () => {
    const userId = newUserId();
    const [laptopSid, phoneSid] = [randomUUID(), randomUUID()];
    const laptopOnB = await connect(b, userId, laptopSid);
    const laptopOnA = await connect(a, userId, laptopSid);
    const phoneOnB = await connect(b, userId, phoneSid);

    await a.hub.revoke({ userId, sessionIds: [laptopSid] });
    expect(await closedWithin(laptopOnA)).toMatchObject({ code: 4401 });
    expect(await closedWithin(laptopOnB)).toMatchObject({ code: 4401 });
    await sleep(200);
    expect(phoneOnB.closeEvent).toBeUndefined();
  });

  it('everywhere but the kept session (password change), including sockets whose token names no session', async () => {
    const userId = newUserId();
    const [kept, other] = [randomUUID(), randomUUID()];
    const keptSocket = await connect(a, userId, kept);
    const otherSocket = await connect(b, userId, other);
    const legacySocket = await connect(b, userId);
    const someoneElse = await connect(b, newUserId(), other);

    await b.hub.revoke({ userId, keepSessionId: kept });
    expect(await closedWithin(otherSocket)).toMatchObject({ code: 4401 });
    expect(await closedWithin(legacySocket)).toMatchObject({ code: 4401 });
    await sleep(200);
    expect(keptSocket.closeEvent).toBeUndefined();
    expect(someoneElse.closeEvent).toBeUndefined();
  });

  it('holds the per-user session cap across instances (WS_MAX_SESSIONS_PER_USER is global)', async () => {
    const capped = await Promise.all([instance(`c1-${randomUUID()}`, { maxSessionsPerUser: 2 }), instance(`c2-${randomUUID()}`, { maxSessionsPerUser: 2 })]);
    try {
      const userId = newUserId();
      await connect(capped[0]!, userId);
      await connect(capped[1]!, userId);
      const token = signer(600).sign({ userId, username: 'ana', scopes: [] });
      const refused = await TestClient.refused(`${capped[0]!.url}?token=${token}`);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: 'too_many_sessions' } });
      // Closing one frees a place, on either instance.
      await clients.pop()!.close();
      // Once the server has counted the close, the next upgrade is let in (refused until then).
      await waitFor(() => connect(capped[0]!, userId).then(() => true, () => false), { what: 'a place freed by the close', timeoutMs: 5_000 });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(capped.map((c) => c.close()));
    }
  });

  it('counts what it closed, by reason', async () => {
    const text = await a.registry.metrics();
    expect(text).toMatch(/live_token_closes_total\{reason="expired"\} [1-9]/);
    expect(text).toMatch(/live_token_closes_total\{reason="revoked"\} [1-9]/);
  });
});
