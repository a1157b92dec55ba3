import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, bearer, tokenFor } from '../support/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../support/upstreams.js';
import type { Gateway } from '../../src/gateway.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

// Counters in the real Redis under a prefix of this file's own; two gateways share them.
describe('rate limits on Redis', () => {
  const prefix = `herald:test:gateway:${randomBytes(4).toString('hex')}:`;
  let redis: Redis;
  let upstream: EchoUpstream;
  let a: Gateway;
  let b: Gateway;

  const env = () => ({
    USER_SERVICE_URL: upstream.url,
    POST_SERVICE_URL: upstream.url,
    NOTIFICATION_SERVICE_URL: upstream.url,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PREFIX: prefix,
    RATE_LIMIT_IP_PER_MINUTE: '5',
    RATE_LIMIT_USER_PER_MINUTE: '3',
    RATE_LIMIT_AUTH_PER_MINUTE: '2',
  });

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    upstream = await startEchoUpstream('user-service');
    a = await buildGateway(env(), redis);
    b = await buildGateway(env(), redis);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), upstream?.close()]);
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  });

  const get = (gw: Gateway, ip: string, headers: Record<string, string> = {}) =>
    gw.app.inject({ method: 'GET', url: '/api/v1/users/me', headers, remoteAddress: ip });

  it('limits each IP across both gateway instances, with Retry-After and the error shape', async () => {
    const ip = '198.51.100.1';
    const statuses: number[] = [];
    // Alternate instances: one shared count of 5, whichever replica a request lands on.
    for (let i = 0; i < 5; i++) statuses.push((await get(i % 2 ? b : a, ip)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]); // counted before the token is even looked at
    const refused = await get(b, ip, bearer(tokenFor()));
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringContaining('this address'), details: { scope: 'ip', limit: 5, retryAfterSeconds: retryAfter } },
    });
    expect(await redis.get(`${prefix}ip:${ip}`)).toBe('6');
    // Another address is not affected.
    expect((await get(a, '198.51.100.2', bearer(tokenFor()))).statusCode).toBe(200);
  });

  it('limits each user (the token sub) across instances and addresses', async () => {
    const token = tokenFor();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(i % 2 ? a : b, `203.0.113.${i + 1}`, bearer(token))).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await get(a, '203.0.113.9', bearer(token));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json().error).toMatchObject({ code: 'rate_limited', details: { scope: 'user', limit: 3 } });
    // Someone else on the same address is not.
    expect((await get(a, '203.0.113.9', bearer(tokenFor()))).statusCode).toBe(200);
  });

  it('holds sign-in to its stricter per-IP budget', async () => {
    const login = (gw: Gateway) =>
      gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: 'ana', password: 'guess' }, remoteAddress: '192.0.2.7' });
    expect((await login(a)).statusCode).toBe(200);
    expect((await login(b)).statusCode).toBe(200);
    const refused = await login(a);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.details).toMatchObject({ scope: 'auth', limit: 2 });
    // The same address still has its general budget for other routes.
    expect((await get(a, '192.0.2.7', bearer(tokenFor()))).statusCode).toBe(200);
  });

  it('reports remaining budget on allowed requests and never limits health probes', async () => {
    const ok = await get(a, '198.51.100.50', bearer(tokenFor()));
    expect(ok.headers['x-ratelimit-limit']).toBe('3');
    expect(ok.headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 8; i++) {
      expect((await a.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.60' })).statusCode).toBe(200);
    }
  });

  it('counts in Redis under the configured prefix only', async () => {
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${prefix}(ip|user|auth):`));
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
  });

  it('is ready with Redis reachable', async () => {
    const res = await a.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
  });
});

describe('rate limits without Redis', () => {
  let upstream: EchoUpstream;
  let limited: Gateway;
  let unlimited: Gateway;

  beforeAll(async () => {
    upstream = await startEchoUpstream('user-service');
    const base = { USER_SERVICE_URL: upstream.url, RATE_LIMIT_IP_PER_MINUTE: '2' };
    limited = await buildGateway({ ...base, RATE_LIMIT_ENABLED: 'true' });
    unlimited = await buildGateway({ ...base, RATE_LIMIT_ENABLED: 'false' });
  });
  afterAll(async () => {
    await Promise.all([limited?.close(), unlimited?.close(), upstream?.close()]);
  });

  it('counts in memory, per instance', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(tokenFor()) })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('can be switched off', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await unlimited.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(tokenFor()) })).statusCode).toBe(200);
    }
  });
});

describe('rate limits when Redis is down', () => {
  it('fail open: requests pass, and /readyz names redis', async () => {
    const upstream = await startEchoUpstream('user-service');
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, commandTimeout: 300, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => {});
    const gw = await buildGateway({ USER_SERVICE_URL: upstream.url, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_IP_PER_MINUTE: '1' }, dead);
    try {
      for (let i = 0; i < 3; i++) {
        expect((await gw.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(tokenFor()) })).statusCode).toBe(200);
      }
      const ready = await gw.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error.details.failing).toHaveProperty('redis');
    } finally {
      await gw.close();
      await upstream.close();
      dead.disconnect();
    }
  });
});
