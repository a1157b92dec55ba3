import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient, type NotificationPrisma } from '../../src/adapters/prisma-client.js';
import { MemoryPushSubscriptionStore } from '../../src/adapters/memory-push-subscription-store.js';
import { PrismaPushSubscriptionStore, pushTables, usersWithPushSubscriptions } from '../../src/adapters/prisma-push-subscription-store.js';
import { PrismaUserErasure } from '../../src/adapters/prisma-user-erasure.js';
import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushSubscriptionKeys, type PushSubscriptionStore } from '../../src/domain/push.js';
import { MIGRATIONS_DIR } from '../../src/service.js';

const SCHEMA = 'notifications';
let n = 0;
/** A subscription as a browser would send it (the store trusts its caller to have validated it). */
const keys = (over: Partial<PushSubscriptionKeys> = {}): PushSubscriptionKeys => ({
  endpoint: `https://push.example.com/send/${++n}-${uuidv7()}`,
  p256dh: Buffer.alloc(65, n % 250).toString('base64url'),
  auth: Buffer.alloc(16, n % 250).toString('base64url'),
  ...over,
});

/** What every PushSubscriptionStore must do; run against memory and PostgreSQL through Prisma. */
function pushSubscriptionStoreContract(name: string, make: () => Promise<PushSubscriptionStore>): void {
  describe(`PushSubscriptionStore contract: ${name}`, () => {
    let store: PushSubscriptionStore;
    beforeAll(async () => {
      store = await make();
    });

    it('saves a subscription under a new id, and the same endpoint again under the same id with its new keys', async () => {
      const user = uuidv7();
      const first = keys();
      const id = uuidv7();
      expect(await store.save(user, first, id)).toEqual({ id, created: true });
      const refreshed = { ...first, p256dh: keys().p256dh, auth: keys().auth };
      expect(await store.save(user, refreshed, uuidv7())).toEqual({ id, created: false });
      const [only, ...rest] = await store.forUser(user);
      expect(rest).toEqual([]);
      expect(only).toMatchObject({ id, userId: user, endpoint: first.endpoint, p256dh: refreshed.p256dh, auth: refreshed.auth });
      expect(Date.parse(only!.createdAt)).not.toBeNaN();
    });

    it('lists a person’s subscriptions oldest first, and nobody else’s', async () => {
      const [ana, bo] = [uuidv7(), uuidv7()];
      const a1 = await store.save(ana, keys(), uuidv7());
      const b1 = await store.save(bo, keys(), uuidv7());
      const a2 = await store.save(ana, keys(), uuidv7());
      expect((await store.forUser(ana)).map((s) => s.id)).toEqual([a1.id, a2.id]);
      expect((await store.forUser(bo)).map((s) => s.id)).toEqual([b1.id]);
      expect(await store.forUser(uuidv7())).toEqual([]);
    });

    it('moves an endpoint saved by someone else to them under a new id (a shared browser)', async () => {
      const [ana, bo] = [uuidv7(), uuidv7()];
      const shared = keys();
      const mine = await store.save(ana, shared, uuidv7());
      const theirsId = uuidv7();
      expect(await store.save(bo, shared, theirsId)).toEqual({ id: theirsId, created: true });
      expect(await store.forUser(ana)).toEqual([]);
      expect((await store.forUser(bo)).map((s) => s.id)).toEqual([theirsId]);
      // The old id names nothing now: its former owner cannot remove the new owner's row with it.
      expect(await store.remove(ana, mine.id)).toBe(false);
      expect(await store.remove(bo, mine.id)).toBe(false);
    });

    it('removes only the owner’s own subscription, once', async () => {
      const [ana, bo] = [uuidv7(), uuidv7()];
      const { id } = await store.save(ana, keys(), uuidv7());
      expect(await store.remove(bo, id)).toBe(false);
      expect(await store.remove(ana, id)).toBe(true);
      expect(await store.remove(ana, id)).toBe(false);
      expect(await store.forUser(ana)).toEqual([]);
    });

    it('removes a gone subscription unless it was saved again with other keys since it was read', async () => {
      const user = uuidv7();
      const k = keys();
      const { id } = await store.save(user, k, uuidv7());
      const [read] = await store.forUser(user);
      await store.save(user, { ...k, p256dh: keys().p256dh }, uuidv7()); // the browser resubscribed
      expect(await store.removeGone(read!)).toBe(false);
      expect(await store.forUser(user)).toHaveLength(1);
      const [again] = await store.forUser(user);
      expect(await store.removeGone(again!)).toBe(true);
      expect(await store.forUser(user)).toEqual([]);
      expect(again!.id).toBe(id);
    });

    it(`keeps at most ${MAX_PUSH_SUBSCRIPTIONS_PER_USER} per person: a new one replaces the oldest`, async () => {
      const user = uuidv7();
      const ids: string[] = [];
      for (let i = 0; i < MAX_PUSH_SUBSCRIPTIONS_PER_USER + 2; i++) ids.push((await store.save(user, keys(), uuidv7())).id);
      expect((await store.forUser(user)).map((s) => s.id)).toEqual(ids.slice(2));
    });
  });
}

pushSubscriptionStoreContract('memory', async () => new MemoryPushSubscriptionStore());

let setup: Promise<{ db: TestDatabase; pool: pg.Pool; prisma: NotificationPrisma }> | undefined;
const prismaSetup = () =>
  (setup ??= (async () => {
    const db = await createTestDatabase('notif_push_subs');
    const pool = createPgPool(db.url, { max: 4 });
    await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
    return { db, pool, prisma: createPrismaClient(pool, SCHEMA) };
  })());

afterAll(async () => {
  if (!setup) return;
  const { db, pool, prisma } = await setup;
  await prisma.$disconnect();
  await pool.end();
  await db.drop();
});

pushSubscriptionStoreContract('prisma', async () => new PrismaPushSubscriptionStore((await prismaSetup()).prisma, SCHEMA));

describe('push subscriptions on PostgreSQL', () => {
  it('the timer sweep learns who has a subscription in one query', async () => {
    const { prisma } = await prismaSetup();
    const store = new PrismaPushSubscriptionStore(prisma, SCHEMA);
    const [ana, bo, cy] = [uuidv7(), uuidv7(), uuidv7()];
    await store.save(ana, keys(), uuidv7());
    await store.save(ana, keys(), uuidv7());
    await store.save(cy, keys(), uuidv7());
    expect(await usersWithPushSubscriptions(prisma, pushTables(SCHEMA), [ana, bo, cy, ana])).toEqual(new Set([ana, cy]));
    expect(await usersWithPushSubscriptions(prisma, pushTables(SCHEMA), [])).toEqual(new Set());
  });

  it('one endpoint is one row, whoever saves it concurrently', async () => {
    const { prisma, pool } = await prismaSetup();
    const store = new PrismaPushSubscriptionStore(prisma, SCHEMA);
    const user = uuidv7();
    const k = keys();
    const results = await Promise.all(Array.from({ length: 8 }, () => store.save(user, k, uuidv7())));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.push_subscriptions WHERE endpoint = $1`, [k.endpoint]);
    expect(rows[0].n).toBe(1);
  });

  it('erasing an account removes its subscriptions and nobody else’s', async () => {
    const { prisma } = await prismaSetup();
    const store = new PrismaPushSubscriptionStore(prisma, SCHEMA);
    const [gone, stays] = [uuidv7(), uuidv7()];
    await store.save(gone, keys(), uuidv7());
    await store.save(gone, keys(), uuidv7());
    await store.save(stays, keys(), uuidv7());
    const erased = await new PrismaUserErasure(prisma, SCHEMA).eraseUser(gone, new Date());
    expect(erased.pushSubscriptions).toBe(2);
    expect(await store.forUser(gone)).toEqual([]);
    expect(await store.forUser(stays)).toHaveLength(1);
  });
});
