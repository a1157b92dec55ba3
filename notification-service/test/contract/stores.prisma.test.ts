import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient, type NotificationPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaInboxStore } from '../../src/adapters/prisma-inbox-store.js';
import { PrismaPreferenceStore } from '../../src/adapters/prisma-preference-store.js';
import { PrismaProjectionStore } from '../../src/adapters/prisma-projection-store.js';
import { PrismaUserErasure } from '../../src/adapters/prisma-user-erasure.js';
import { erasureContract } from './erasure.contract.js';
import { MIGRATIONS_DIR } from '../../src/service.js';
import { inboxStoreContract } from './inbox-store.contract.js';
import { preferenceStoreContract } from './preference-store.contract.js';
import { projectionStoreContract } from './projection-store.contract.js';
import { item, newUser, type MakeStores, type Stores } from './stores.js';

// One fresh database for this file, migrated by the real runner; every test uses its own user ids.
const SCHEMA = 'notifications';
let setup: Promise<{ db: TestDatabase; pool: pg.Pool; reads: pg.Pool; prisma: NotificationPrisma; stores: Stores }> | undefined;

const make: MakeStores = async () => {
  setup ??= (async () => {
    const db = await createTestDatabase('notif_stores');
    // Several connections, so the concurrency cases really run side by side.
    const pool = createPgPool(db.url, { max: 8 });
    await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
    // The decide step's prepared reads on connections that always use generic plans, as main.ts runs them.
    const reads = createPgPool(db.url, { max: 4, options: '-c plan_cache_mode=force_generic_plan' });
    const prisma = createPrismaClient(pool, SCHEMA);
    const stores = {
      inbox: new PrismaInboxStore(prisma, SCHEMA, pool),
      preferences: new PrismaPreferenceStore(prisma, SCHEMA, reads),
      projections: new PrismaProjectionStore(prisma, SCHEMA, reads),
      erasure: new PrismaUserErasure(prisma, SCHEMA),
    };
    return { db, pool, reads, prisma, stores };
  })();
  return (await setup).stores;
};

afterAll(async () => {
  if (!setup) return;
  const { db, pool, reads, prisma } = await setup;
  await prisma.$disconnect();
  await pool.end();
  await reads.end();
  await db.drop();
});

inboxStoreContract('prisma', make);
preferenceStoreContract('prisma', make);
projectionStoreContract('prisma', make);
erasureContract('prisma', make);

describe('PrismaInboxStore: text PostgreSQL refuses', () => {
  // Events from other producers may carry NUL or lone surrogates (cleaned, not fatal), and anything
  // an array literal must escape (quotes, backslashes, braces, commas, NULL), which must come back as sent.
  it('stores an item whose title, body, actor and data hold NUL, lone surrogates and array-literal syntax', async () => {
    const { inbox } = await make();
    const user = newUser();
    const odd = 'a\u0000b\uD800c\uDC00d 🌻 "q" \\ {x,y} NULL';
    const n = item({ title: odd, body: odd, actor: { id: newUser(), username: 'ana', displayName: odd }, data: { [odd]: [odd, { nested: odd }] } });
    await inbox.transaction((uow) => uow.insertNotifications([{ recipientId: user, notification: n }]));
    const clean = 'ab\uFFFDc\uFFFDd 🌻 "q" \\ {x,y} NULL';
    const [stored] = (await inbox.list(user, { limit: 1 })).items;
    expect(stored).toMatchObject({ id: n.id, title: clean, body: clean, actor: { displayName: clean }, data: { [clean]: [clean, { nested: clean }] } });
  });
});
