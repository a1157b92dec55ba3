import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { MemoryTemplateStore } from '../../src/adapters/memory-template-store.js';
import { createPrismaClient, type NotificationPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaTemplateStore } from '../../src/adapters/prisma-template-store.js';
import { MIGRATIONS_DIR } from '../../src/service.js';
import type { TemplateStore } from '../../src/templates/store.js';

// The template versions store, the same rules in memory and on PostgreSQL (migration 20261211130000_templates).
let setup: Promise<{ db: TestDatabase; pool: pg.Pool; prisma: NotificationPrisma }> | undefined;
const prismaStore = async () => {
  setup ??= (async () => {
    const db = await createTestDatabase('notif_template_store');
    const pool = createPgPool(db.url, { max: 4 });
    await applyMigrations({ pool, schema: 'notifications', migrationsDir: MIGRATIONS_DIR });
    return { db, pool, prisma: createPrismaClient(pool, 'notifications') };
  })();
  const { prisma, pool } = await setup;
  await pool.query('TRUNCATE notifications.templates');
  return new PrismaTemplateStore(prisma, 'notifications');
};

afterAll(async () => {
  if (!setup) return;
  const { db, pool, prisma } = await setup;
  await prisma.$disconnect();
  await pool.end();
  await db.drop();
});

describe.each([
  ['memory', async () => new MemoryTemplateStore() as TemplateStore],
  ['prisma', prismaStore as () => Promise<TemplateStore>],
])('TemplateStore (%s)', (_name, make) => {
  it('appends numbered versions per template, keeps them newest first, and says which is newest', async () => {
    const store = await make();
    const empty = await store.stamp();
    const v1 = await store.append({ type: 'like', channel: 'sms', locale: 'es', source: 'custom', parts: { body: 'uno' }, createdBy: 'api:ops' });
    await store.append({ type: 'like', channel: 'sms', locale: 'en', source: 'custom', parts: { body: 'one' }, createdBy: 'api:ops' });
    const afterTwo = await store.stamp();
    const v2 = await store.append({ type: 'like', channel: 'sms', locale: 'es', source: 'builtin', parts: null, createdBy: 'api:other' });
    const v3 = await store.append({ type: 'like', channel: 'email', locale: 'es', source: 'custom', parts: { subject: 'Asunto', preheader: 'p', body: '<mj-section></mj-section>' }, createdBy: 'api:ops' });
    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 1]);
    expect(new Set([empty, afterTwo, await store.stamp()]).size).toBe(3);
    expect(v1).toMatchObject({ type: 'like', channel: 'sms', locale: 'es', source: 'custom', parts: { body: 'uno' }, createdBy: 'api:ops', createdAt: expect.stringMatching(/^\d{4}-/) });

    const history = await store.history('like', 'sms', 'es');
    expect(history.map((v) => [v.version, v.source, v.parts])).toEqual([
      [2, 'builtin', null],
      [1, 'custom', { body: 'uno' }],
    ]);
    const latest = (await store.latest()).map((v) => `${v.type}/${v.channel}/${v.locale}@${v.version}:${v.source}`).sort();
    expect(latest).toEqual(['like/email/es@1:custom', 'like/sms/en@1:custom', 'like/sms/es@2:builtin']);
    expect((await store.latest()).find((v) => v.channel === 'email')?.parts).toEqual({ subject: 'Asunto', preheader: 'p', body: '<mj-section></mj-section>' });
    expect(await store.history('like', 'push', 'es')).toEqual([]);
  });

  it('concurrent appends to one template each get their own number', async () => {
    const store = await make();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => store.append({ type: 'post', channel: 'slack', locale: 'en', source: 'custom', parts: { body: `v${i}` }, createdBy: 'api:ops' })));
    expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
