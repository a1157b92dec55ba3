import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../src/testing.js';

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('createTestDatabase', () => {
  it('creates a fresh, uniquely named database that its url points at', async () => {
    const [a, b] = await Promise.all([createTestDatabase('Platform-Check'), createTestDatabase('Platform-Check')]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.name).toMatch(/^platform_check_/);
      const client = new pg.Client({ connectionString: a.url });
      await client.connect();
      const { rows } = await client.query('SELECT current_database() AS name, count(*)::int AS tables FROM pg_tables WHERE schemaname = $1', ['public']);
      await client.end();
      expect(rows).toEqual([{ name: a.name, tables: 0 }]);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drops the database even with connections still open, and tolerates a second drop', async () => {
    const db = await createTestDatabase('platform_drop');
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    await db.drop();
    expect(await databaseExists(db.name)).toBe(false);
    await db.drop();
    await client.end().catch(() => undefined);
  });
});
