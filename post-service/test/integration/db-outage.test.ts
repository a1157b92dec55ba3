import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { DEFAULT_RETRY_DELAYS_MS, deadLetterQueueName, generateTokenKeys, retryQueueName, TokenSigner } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import amqp from 'amqplib';
import { aUser } from '../support/fixtures.js';
import { DatabaseOutage, watchProcessFailures } from '@herald/platform/testing';
import { bearer, SCHEMA, startHarness, waitFor, type Harness } from '../support/harness.js';
import { startPostServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { USERS_QUEUE } from '../../src/adapters/user-registered-consumer.js';

/**
 * A managed-database failover: every connection terminated, again and again, and new ones refused,
 * for a few seconds. The service must keep running, answer 503 meanwhile (never 500), say so on
 * /readyz, and take posts again once the database is back, without a restart.
 */
const CUT_MS = 3000;

interface Answer {
  status: number;
  body: string;
}

interface Request {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: object;
}

/** What clients must see during the cut: the request worked, or a clean 503 in the error shape. */
function expectSucceededOr503(answers: Answer[], ok: number) {
  for (const a of answers) {
    expect([ok, 503], a.body).toContain(a.status);
    if (a.status === 503) expect(JSON.parse(a.body)).toEqual({ error: { code: 'database_unavailable', message: expect.any(String) } });
  }
}

function expectReadyzNamesPostgres(a: Answer) {
  expect(a.status).toBe(503);
  const body = JSON.parse(a.body);
  expect(body.error.code).toBe('dependency_unavailable');
  expect(body.error.message).toContain('postgres');
  expect(Object.keys(body.error.details.failing)).toEqual(['postgres']);
}

describe('post-service when PostgreSQL drops every connection (in process)', () => {
  let h: Harness;
  let watch: ReturnType<typeof watchProcessFailures>;
  const alice = aUser();
  const created: string[] = [];

  beforeAll(async () => {
    h = await startHarness('post_db_outage');
    await h.bus.subscribe({ queue: 'spy', bindings: ['post.created'] }, async (m) => {
      created.push((m.body as { data: { postId: string } }).data.postId);
    });
    await h.register(alice);
    watch = watchProcessFailures();
  });
  afterAll(async () => {
    watch?.stop();
    await h?.close();
  });

  const call = async (opts: Request): Promise<Answer> => {
    const res = await h.service.app.inject(opts);
    return { status: res.statusCode, body: res.body };
  };
  const post = (text: string) => call({ method: 'POST', url: '/api/v1/posts', headers: bearer(h.tokenFor(alice)), payload: { text } });

  it('answers 503 during the cut, names postgres on /readyz, and takes posts again once it is back', async () => {
    const first = await post('before the cut');
    expect(first.status).toBe(201);
    const postId = JSON.parse(first.body).post.id as string;

    const outage = await DatabaseOutage.begin(h.db.name);
    const posts: Answer[] = [];
    const reads: Answer[] = [];
    const readiness: Answer[] = [];
    try {
      await waitFor(async () => (await call({ url: '/readyz' })).status === 503, '/readyz to notice the cut');
      const until = Date.now() + CUT_MS;
      while (Date.now() < until) {
        posts.push(await post('during the cut'));
        reads.push(await call({ url: `/api/v1/posts/${postId}`, headers: bearer(h.tokenFor(alice)) }));
        reads.push(await call({ url: `/api/v1/users/${alice.id}/posts`, headers: bearer(h.tokenFor(alice)) }));
        readiness.push(await call({ url: '/readyz' }));
        expect((await call({ url: '/healthz' })).status).toBe(200);
      }
    } finally {
      await outage.end();
    }

    expect(outage.terminated).toBeGreaterThan(0);
    expectSucceededOr503(posts, 201);
    expectSucceededOr503(reads, 200);
    expect(posts.some((a) => a.status === 503)).toBe(true);
    for (const a of readiness) expectReadyzNamesPostgres(a);

    let after: Answer | undefined;
    await waitFor(async () => (after = await post('after the cut')).status === 201, 'a post to succeed after the cut', 20_000);
    const afterId = JSON.parse(after!.body).post.id as string;
    await waitFor(async () => (await call({ url: '/readyz' })).status === 200, '/readyz to recover', 20_000);
    // The outbox relay (and its LISTEN session) came back too: the new post's event goes out.
    await waitFor(() => created.includes(afterId), 'post.created for the post made after the cut', 20_000);
    expect(watch.failures).toEqual([]);
  });
});

describe('post-service when PostgreSQL drops every connection (its own process, src/main.ts)', () => {
  const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const suffix = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const exchange = `test.post-outage.${suffix}`;
  const prefix = `test.post-outage.${suffix}.`;
  const keys = generateTokenKeys();
  const user = aUser();
  const token = new TokenSigner(keys.privateKey).sign({ userId: user.id, username: user.username, scopes: [] });
  let db: TestDatabase;
  let proc: ServiceProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('post_db_outage_proc');
    proc = await startPostServiceProcess({ DATABASE_URL: db.url, AMQP_URL, AMQP_EXCHANGE: exchange, AMQP_QUEUE_PREFIX: prefix, JWT_PUBLIC_KEY: keys.publicKey });
    await waitFor(
      async () => {
        if (proc!.exited() !== undefined) throw new Error(`post-service exited (${proc!.exited()}):\n${proc!.output()}`);
        return (await fetch(`${proc!.url}/readyz`).catch(() => undefined))?.status === 200;
      },
      'post-service to start',
      60_000,
    );
    // The projection is fed by user.registered; writing the row directly keeps this test about the database.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO ${SCHEMA}.users (id, username, username_lower, display_name) VALUES ($1, $2, $3, $4)`, [user.id, user.username, user.username.toLowerCase(), user.displayName]);
    await client.end();
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    await deleteTopology(AMQP_URL, prefix + USERS_QUEUE, exchange);
    await db?.drop();
  });

  const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${proc!.url}${path}`, init);
    return { status: res.status, body: await res.text() };
  };
  const post = (text: string) =>
    call('/api/v1/posts', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ text }) });

  it('keeps running through the cut and takes posts again without a restart', async () => {
    expect((await post('before the cut')).status).toBe(201);

    const outage = await DatabaseOutage.begin(db.name);
    const posts: Answer[] = [];
    try {
      await waitFor(async () => (await call('/readyz')).status === 503, '/readyz to notice the cut');
      const until = Date.now() + CUT_MS;
      while (Date.now() < until) {
        posts.push(await post('during the cut'));
        expectReadyzNamesPostgres(await call('/readyz'));
      }
    } finally {
      await outage.end();
    }
    expect(proc!.exited(), proc!.output()).toBeUndefined();
    expectSucceededOr503(posts, 201);
    expect(posts.some((a) => a.status === 503)).toBe(true);

    await waitFor(async () => (await post('after the cut')).status === 201, 'a post to succeed after the cut', 20_000);
    await waitFor(async () => (await call('/readyz')).status === 200, '/readyz to recover', 20_000);
    expect(proc!.exited(), proc!.output()).toBeUndefined();
  });
});

/** Removes what the process declared on the shared broker. */
async function deleteTopology(url: string, queue: string, exchange: string): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    for (const name of [queue, deadLetterQueueName(queue), ...DEFAULT_RETRY_DELAYS_MS.map((ms) => retryQueueName(queue, ms))]) {
      // One channel per delete: an error closes the channel it happened on.
      const ch = await conn.createChannel();
      ch.on('error', () => {});
      await ch.deleteQueue(name).catch(() => {});
      await ch.close().catch(() => {});
    }
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    await ch.deleteExchange(exchange).catch(() => {});
    await ch.close().catch(() => {});
  } finally {
    await conn.close().catch(() => {});
  }
}
