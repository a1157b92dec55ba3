import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { PrismaPg } from '@prisma/adapter-pg';
import { createLogger, createRetentionRunner, uuidv7 } from '@herald/platform';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { userRetentionTasks } from '../../src/adapters/prisma-retention.js';
import { signUp, startTestService, type TestService } from '../support/test-service.js';

const DAY = 24 * 3_600_000;
const NOW = new Date('2027-03-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const logger = createLogger('user-service-retention-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** The retention job on a real PostgreSQL, with a fixed clock and rows of chosen ages inserted directly. */
describe('user-service retention', () => {
  let t: TestService;
  let userId: string;
  const clients: PrismaClient[] = [];
  beforeAll(async () => {
    t = await startTestService();
    userId = (await signUp(t.app, { username: 'keeper', email: 'keeper@example.com', password: 'keeper password' })).user.id;
  });
  afterAll(async () => {
    for (const c of clients) await c.$disconnect();
    await t?.close();
  });

  /** A runner as a second instance would have it: its own Prisma client on the same database. */
  const runner = (registry = new Registry(), batchSize = 100) => {
    const prisma = new PrismaClient({ adapter: new PrismaPg(t.pool, { schema: t.schema }) });
    clients.push(prisma);
    return createRetentionRunner({ tasks: userRetentionTasks(prisma, t.schema, { sessionsDays: 30, loginFailuresHours: 24 }), intervalMs: 0, batchSize, logger, registry, clock: { now: () => NOW } });
  };
  const session = async (opts: { created: Date; expires: Date; revoked?: Date }) => {
    const id = uuidv7();
    await t.pool.query(
      `INSERT INTO "${t.schema}".sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason) VALUES ($1, $2, $3, $3, $4, $5, $6)`,
      [id, userId, opts.created, opts.expires, opts.revoked ?? null, opts.revoked ? 'logout' : null],
    );
    await t.pool.query(`INSERT INTO "${t.schema}".refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)`, [randomBytes(32).toString('hex'), id, opts.created]);
    return id;
  };
  const ids = async (table: string, column: string) => new Set((await t.pool.query(`SELECT ${column} AS id FROM "${t.schema}".${table}`)).rows.map((r) => r.id as string));

  it('deletes sessions revoked or lapsed more than 30 days ago with their refresh tokens, and keeps every other one', async () => {
    await t.pool.query(`DELETE FROM "${t.schema}".sessions`);
    const live = await session({ created: ago(40 * DAY), expires: new Date(NOW.getTime() + DAY) });
    const lapsedRecently = await session({ created: ago(70 * DAY), expires: ago(29 * DAY) });
    const revokedRecently = await session({ created: ago(90 * DAY), expires: new Date(NOW.getTime() + DAY), revoked: ago(29 * DAY) });
    const lapsedLongAgo = await session({ created: ago(90 * DAY), expires: ago(31 * DAY) });
    const revokedLongAgo = await session({ created: ago(90 * DAY), expires: new Date(NOW.getTime() + DAY), revoked: ago(31 * DAY) });

    const registry = new Registry();
    const counts = await runner(registry).runOnce();
    expect(counts.sessions).toBe(2);
    expect(await ids('sessions', 'id')).toEqual(new Set([live, lapsedRecently, revokedRecently]));
    expect(await ids('refresh_tokens', 'session_id')).toEqual(new Set([live, lapsedRecently, revokedRecently]));
    expect(lapsedLongAgo).not.toBe(revokedLongAgo);
    const metric = await registry.getSingleMetric('herald_retention_deleted_total')!.get();
    expect(metric.values.find((v) => v.labels.table === 'sessions')?.value).toBe(2);
    // Nothing left to do: a second run deletes nothing.
    expect((await runner().runOnce()).sessions).toBe(0);
  });

  it('deletes login-failure counters untouched for a day, never one that is still locked', async () => {
    const insert = (key: string, updated: Date, lockedUntil: Date | null) =>
      t.pool.query(`INSERT INTO "${t.schema}".login_failures (login_key, failures, locked_until, updated_at) VALUES ($1, 3, $2, $3)`, [key, lockedUntil, updated]);
    await insert('old', ago(25 * 3_600_000), null);
    await insert('old-lock-over', ago(25 * 3_600_000), ago(24 * 3_600_000));
    await insert('fresh', ago(23 * 3_600_000), null);
    await insert('old-but-locked', ago(25 * 3_600_000), new Date(NOW.getTime() + 60_000));
    expect((await runner().runOnce()).login_failures).toBe(2);
    expect(await ids('login_failures', 'login_key')).toEqual(new Set(['fresh', 'old-but-locked']));
  });

  it('two instances running at once split the work in batches and delete each row once', async () => {
    await t.pool.query(`DELETE FROM "${t.schema}".sessions`);
    await t.pool.query(
      `INSERT INTO "${t.schema}".sessions (id, user_id, created_at, last_used_at, expires_at)
       SELECT gen_random_uuid(), $1, $2, $2, $2 FROM generate_series(1, 3000)`,
      [userId, ago(60 * DAY)],
    );
    const [a, b] = await Promise.all([runner(new Registry(), 100).runOnce(), runner(new Registry(), 100).runOnce()]);
    expect(a.sessions! + b.sessions!).toBe(3000);
    expect(a.sessions).toBeGreaterThan(0);
    expect(b.sessions).toBeGreaterThan(0);
    expect((await ids('sessions', 'id')).size).toBe(0);
  });

  it('the service wires the job and exposes its counter on /metrics', async () => {
    expect(await t.service.retention.runOnce()).toEqual({ sessions: expect.any(Number), login_failures: expect.any(Number) });
    const metrics = await t.app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('herald_retention_deleted_total{table="sessions"');
  });
});
