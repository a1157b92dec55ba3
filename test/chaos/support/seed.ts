import { createEvent, type DomainEvent } from '@herald/contracts';
import { AmqpEventBus, TokenSigner, uuidv7 } from '@herald/platform';
import pg from 'pg';
import { AMQP_URL } from '../../support/real-stack.js';
import type { ChaosStack } from './stack.js';

export interface ChaosUser {
  id: string;
  username: string;
  email: string;
  token: string;
}

export interface Population {
  author: ChaosUser;
  followers: ChaosUser[];
  /** Followers with a live socket (email off). */
  live: ChaosUser[];
  /** Followers who stay away with email on: each post becomes an email FALLBACK_DELAY_MS later. */
  mail: ChaosUser[];
  /** Followers who send the direct messages (away, email off). */
  senders: ChaosUser[];
  /** Not a follower: the client of scenario 5 (offline while messages pile up, then resume). */
  away: ChaosUser;
}

export interface PopulationSize {
  followers: number;
  live: number;
  mail: number;
  senders: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Users exist the way Herald's consumers learn of them: user.registered and user.followed events
 * published on the stack's exchange (straight to the broker, not through the proxies, before any
 * fault), so notification-service and post-service build their projections the normal way.
 * Registering 2,000 people through user-service would spend minutes in scrypt; tokens are signed
 * with the stack's key pair instead, as user-service would. Preferences go through the real API.
 */
export async function seedPopulation(stack: ChaosStack, size: PopulationSize, log: (m: string) => void): Promise<Population> {
  const signer = new TokenSigner(stack.keys.privateKey, 4 * 3600);
  const make = (username: string): ChaosUser => {
    const id = uuidv7();
    return { id, username, email: `${username}@chaos.test`, token: signer.sign({ userId: id, username, scopes: [] }) };
  };
  const author = make(`author_${stack.id}`);
  const followers = Array.from({ length: size.followers }, (_, i) => make(`f${i}_${stack.id}`));
  const away = make(`away_${stack.id}`);
  const live = followers.slice(0, size.live);
  const mail = followers.slice(size.live, size.live + size.mail);
  const senders = followers.slice(size.live + size.mail, size.live + size.mail + size.senders);
  const everyone = [author, away, ...followers];

  const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: stack.exchange, connectionName: 'chaos seed' });
  const db = new pg.Pool({ connectionString: stack.db.url, max: 2 });
  try {
    const publish = async (events: DomainEvent[]) => {
      for (let i = 0; i < events.length; i += 500) {
        const batch = events.slice(i, i + 500);
        await bus.publish(batch.map((e) => ({ routingKey: e.type, messageId: e.id, body: e })));
      }
    };
    const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);
    const waitCount = async (what: string, sql: string, params: unknown[], n: number, timeoutMs = 120_000) => {
      const t0 = Date.now();
      while ((await count(sql, params)) < n) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`seed: ${what} not reached in ${timeoutMs} ms`);
        await sleep(250);
      }
    };

    const t0 = Date.now();
    await publish(
      everyone.map((u) =>
        createEvent('user.registered', { userId: u.id, username: u.username, displayName: u.username, email: u.email, phone: null, locale: 'en', timezone: 'UTC' }, { producer: 'user-service' }),
      ),
    );
    await waitCount('notifications.users', 'SELECT count(*) AS n FROM notifications.users', [], everyone.length);
    await waitCount('posts.users', 'SELECT count(*) AS n FROM posts.users', [], everyone.length);
    log(`seed: ${everyone.length} users projected in ${Date.now() - t0} ms`);

    // Email stays on only for the `mail` people. The author does not want 2,000 follow items either.
    const t1 = Date.now();
    const ns = stack.services.ns1.url;
    const put = async (u: ChaosUser, body: unknown) => {
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${ns}/api/v1/users/me/preferences`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.status === 200) return void (await res.body?.cancel());
        if (attempt > 3) throw new Error(`PUT preferences for ${u.username}: ${res.status} ${await res.text()}`);
        await sleep(200);
      }
    };
    const mailIds = new Set(mail.map((u) => u.id));
    const quiet = everyone.filter((u) => !mailIds.has(u.id));
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < quiet.length) {
          const u = quiet[next++]!;
          await put(u, u === author ? { channels: { email: false }, types: { follow: { in_app: false } } } : { channels: { email: false } });
        }
      }),
    );
    log(`seed: preferences of ${quiet.length} users in ${Date.now() - t1} ms`);

    const t2 = Date.now();
    await publish(
      followers.map((f) => createEvent('user.followed', { follower: { id: f.id, username: f.username, displayName: f.username }, followeeId: author.id }, { producer: 'user-service' })),
    );
    await waitCount('follows', 'SELECT count(*) AS n FROM notifications.follows WHERE followee_id = $1 AND active', [author.id], followers.length);
    log(`seed: ${followers.length} follows projected in ${Date.now() - t2} ms`);
  } finally {
    await bus.close().catch(() => {});
    await db.end().catch(() => {});
  }
  return { author, followers, live, mail, senders, away };
}
