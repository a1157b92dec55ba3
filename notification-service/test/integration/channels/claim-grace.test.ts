import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient } from '../../../src/adapters/prisma-client.js';
import { PrismaChannelStore } from '../../../src/adapters/prisma-channel-store.js';
import type { ClaimResult } from '../../../src/domain/channel-ports.js';
import { MIGRATIONS_DIR } from '../../../src/service.js';
import { SCHEMA } from '../../support/harness.js';

const LEASE_MS = 300; // the grace is min(lease, 5 s): 300 ms here
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A worker's claim ran out without an outcome: the worker may be dead, or alive and retrying the
 * record of a send the provider accepted while the database was away. The next claimer waits a
 * grace for that record before it sends again (against PostgreSQL).
 */
describe('claiming a delivery whose previous claim ran out', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PrismaChannelStore;

  beforeAll(async () => {
    db = await createTestDatabase('notif_claim_grace');
    pool = createPgPool(db.url, { max: 4 });
    await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
    store = new PrismaChannelStore(createPrismaClient(pool, SCHEMA), SCHEMA);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function dispatchedEmail(): Promise<string> {
    const id = uuidv7();
    await pool.query(
      `WITH n AS (
         INSERT INTO "${SCHEMA}".notifications (id, recipient_id, type, category, priority, title, body, data, created_at)
         VALUES ($1, gen_random_uuid(), 'follow', 'informational', 'normal', 'New follower', 'Ana followed you', '{}'::jsonb, now())
         RETURNING id, recipient_id)
       INSERT INTO "${SCHEMA}".deliveries (notification_id, channel, recipient_id, status, address, dispatched_at)
       SELECT id, 'email', recipient_id, 'queued', 'ana@example.com', now() FROM n`,
      [id],
    );
    return id;
  }

  const claimed = (r: ClaimResult) => {
    if (r.kind !== 'claimed') throw new Error(`expected a claim, got ${r.kind}`);
    return r.delivery;
  };

  async function row(id: string) {
    const { rows } = await pool.query(`SELECT status, attempts, claim_lost_at, next_attempt_at, claimed_at FROM "${SCHEMA}".deliveries WHERE notification_id = $1`, [id]);
    return rows[0];
  }

  it('waits the grace, and the first worker\'s late record of its send ends it: sent once', async () => {
    const id = await dispatchedEmail();
    const first = claimed(await store.claim(id, 'email', LEASE_MS));
    expect(first.previousClaimLost).toBe(false);
    await sleep(LEASE_MS + 50); // the claim runs out while "the database is away" for the first worker

    expect((await store.claim(id, 'email', LEASE_MS)).kind).toBe('busy');
    const waiting = await row(id);
    expect(waiting.claim_lost_at).not.toBeNull();
    expect(waiting.next_attempt_at.getTime() - waiting.claim_lost_at.getTime()).toBe(LEASE_MS);
    expect((await store.claim(id, 'email', LEASE_MS)).kind).toBe('busy'); // still within the grace

    await store.recordSent(first, { provider: 'smtp', status: 'sent', sentAt: new Date() }, []);
    expect((await store.claim(id, 'email', LEASE_MS)).kind).toBe('gone');
    expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('sends after the grace when no record came (the worker died): an ambiguous send, counted', async () => {
    const id = await dispatchedEmail();
    claimed(await store.claim(id, 'email', LEASE_MS));
    await sleep(LEASE_MS + 50);
    expect((await store.claim(id, 'email', LEASE_MS)).kind).toBe('busy');
    await sleep(LEASE_MS + 50);

    const second = claimed(await store.claim(id, 'email', LEASE_MS));
    expect(second.previousClaimLost).toBe(true);
    expect(second.attempts).toBe(2);
    expect(await row(id)).toMatchObject({ status: 'queued', claim_lost_at: null, next_attempt_at: null });
  });

  it('a claim that ends in a retry leaves nothing to wait for: the retry claims at once', async () => {
    const id = await dispatchedEmail();
    const first = claimed(await store.claim(id, 'email', LEASE_MS));
    await store.recordRetry(first, new Date(Date.now() - 1), 'transient: 451', 'smtp', []);
    await pool.query(`UPDATE "${SCHEMA}".deliveries SET dispatched_at = now() WHERE notification_id = $1`, [id]);
    const second = claimed(await store.claim(id, 'email', LEASE_MS));
    expect(second.previousClaimLost).toBe(false);
  });
});
