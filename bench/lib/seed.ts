import { createEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus, TokenSigner, uuidv7 } from '@herald/platform';
import type pg from 'pg';
import { waitUntil } from './clock.js';

export interface BenchUser {
  id: string;
  username: string;
  displayName: string;
  token: string;
}

const PRODUCER = 'user-service';
const BATCH = 500;
const IN_FLIGHT = 4;

/** The author and N followers, with access tokens signed by the run's private key. */
export function makeUsers(count: number, runId: string, privateKey: string): { author: BenchUser; followers: BenchUser[] } {
  const signer = new TokenSigner(privateKey, 4 * 3600);
  const make = (username: string): BenchUser => {
    const id = uuidv7();
    return { id, username, displayName: username, token: signer.sign({ userId: id, username, scopes: [] }) };
  };
  return { author: make(`author_${runId}`), followers: Array.from({ length: count }, (_, i) => make(`f${i}_${runId}`)) };
}

/** Publishes events with publisher confirms, BATCH per publish() call and IN_FLIGHT calls at a time. */
export async function publishAll(bus: AmqpEventBus, events: readonly DomainEvent[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < events.length) {
      const batch = events.slice(next, (next += BATCH));
      await bus.publish(batch.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

const registered = (u: BenchUser) =>
  createEvent(
    'user.registered',
    { userId: u.id, username: u.username, displayName: u.displayName, email: `${u.username}@bench.invalid`, phone: null, locale: 'en', timezone: 'UTC' },
    { producer: PRODUCER },
  );

const followed = (follower: BenchUser, followee: BenchUser) =>
  createEvent('user.followed', { follower: { id: follower.id, username: follower.username, displayName: follower.displayName }, followeeId: followee.id }, { producer: PRODUCER });

/**
 * Seeds through the front door of both consumers: the real user.registered and user.followed events
 * on the run's exchange, so notification-service and post-service build their projections exactly
 * as in production. Registrations go first and are waited for, so every follow lands on a known user.
 */
export async function seed(opts: { bus: AmqpEventBus; pool: pg.Pool; notificationsUrl: string; author: BenchUser; followers: BenchUser[]; timeoutMs: number }): Promise<{ registerMs: number; followMs: number }> {
  const { bus, pool, author, followers } = opts;
  const n = followers.length;
  const started = Date.now();
  await publishAll(bus, [author, ...followers].map(registered));
  await waitUntil(async () => (await count(pool, 'SELECT count(*) FROM notifications.users')) >= n + 1, 'notifications.users projection', opts.timeoutMs, 250);
  await waitUntil(async () => (await count(pool, 'SELECT count(*) FROM posts.users WHERE id = $1', [author.id])) === 1, 'the author in posts.users', opts.timeoutMs, 250);
  const registerMs = Date.now() - started;
  // A real account with 10,000 followers would not want 10,000 follow notifications during the seed
  // (they would be merged into one group item one by one); the author says so in their preferences.
  const res = await fetch(`${opts.notificationsUrl}/api/v1/users/me/preferences`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ types: { follow: { in_app: false, email: false } } }),
  });
  if (res.status !== 200) throw new Error(`PUT preferences: ${res.status} ${await res.text()}`);
  await publishAll(bus, followers.map((f) => followed(f, author)));
  await waitUntil(
    async () => (await count(pool, 'SELECT count(*) FROM notifications.follows WHERE followee_id = $1 AND active', [author.id])) >= n,
    'notifications.follows projection',
    opts.timeoutMs,
    250,
  );
  return { registerMs, followMs: Date.now() - started - registerMs };
}

export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(sql, params);
  return Number(rows[0]!.count);
}
