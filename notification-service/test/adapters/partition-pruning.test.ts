import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import type pg from 'pg';
import { createPrismaClient, type NotificationPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaChannelStore } from '../../src/adapters/prisma-channel-store.js';
import { PrismaInboxStore } from '../../src/adapters/prisma-inbox-store.js';
import { notificationRetentionTasks } from '../../src/adapters/prisma-retention.js';
import { PrismaUserErasure } from '../../src/adapters/prisma-user-erasure.js';
import { RETENTION_DEFAULTS } from '../../src/retention.js';
import { MIGRATIONS_DIR } from '../../src/service.js';
import { item, many, seed } from '../contract/stores.js';

/**
 * `notifications` is partitioned by hash of the recipient (docs/notification-service.md
 * "Partitioning"). Every statement the stores send that names the table is run first as
 * EXPLAIN (ANALYZE, FORMAT JSON), on the same connection, in the same transaction, just before the
 * statement itself (then rolled back to a savepoint), so the plan is the one the statement gets,
 * with its parameters, on the data it sees. A partition counts as scanned when a scan node of it ran
 * at least once: pruned at plan time it is absent, pruned at run time (a join on the recipient) it
 * shows zero loops. `PRUNING_REPORT=1` prints every statement with the partitions it read.
 */

const SCHEMA = 'notifications';
const PARTITIONS = 16;
const INBOX = /"notifications"\."notifications/;
const PARTITION = /^notifications_p\d{2}$/;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

interface Probe {
  text: string;
  values: unknown[];
  plan: PlanNode;
}

type Query = (...args: unknown[]) => Promise<pg.QueryResult>;

let db: TestDatabase;
let pool: pg.Pool;
let prisma: NotificationPrisma;
let inbox: PrismaInboxStore;
let channels: PrismaChannelStore;
let erasure: PrismaUserErasure;
let probing = false;
let recorded: Probe[] = [];
const report: string[] = [];

/** Runs EXPLAIN ANALYZE of the statement where it is about to run, leaving nothing behind. */
async function explain(query: Query, inTransaction: boolean, text: string, values: unknown[]): Promise<PlanNode> {
  await query(inTransaction ? 'SAVEPOINT partition_probe' : 'BEGIN');
  try {
    const result = await query({ text: `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values });
    return (result.rows[0] as { 'QUERY PLAN': { Plan: PlanNode }[] })['QUERY PLAN'][0]!.Plan;
  } finally {
    await query(inTransaction ? 'ROLLBACK TO SAVEPOINT partition_probe' : 'ROLLBACK');
  }
}

/** Wraps a pooled connection's query (promise and callback forms) to probe inbox statements. */
function instrument(client: pg.PoolClient): void {
  const query = client.query.bind(client) as unknown as Query;
  let inTransaction = false;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const callback = typeof args.at(-1) === 'function' ? (args.pop() as (err: Error | null, res?: pg.QueryResult) => void) : undefined;
    const run = async () => {
      const [config, maybeValues] = args as [string | pg.QueryConfig, unknown[] | undefined];
      const text = typeof config === 'string' ? config : config.text;
      const values = (typeof config === 'string' ? maybeValues : config.values) ?? [];
      if (probing && INBOX.test(text)) recorded.push({ text, values, plan: await explain(query, inTransaction, text, values) });
      const result = await query(...args);
      if (/^\s*BEGIN\b/i.test(text)) inTransaction = true;
      else if (/^\s*(COMMIT|ROLLBACK)\b/i.test(text)) inTransaction = false;
      return result;
    };
    if (!callback) return run();
    run().then((res) => callback(null, res), (err: Error) => callback(err));
    return undefined;
  };
}

/** The statements naming `notifications` that `work` sent, each with its plan. */
async function probe(name: string, work: () => Promise<unknown>): Promise<Probe[]> {
  recorded = [];
  probing = true;
  try {
    await work();
  } finally {
    probing = false;
  }
  for (const p of recorded) report.push(`${name}: ${describeScans(p.plan)}  <- ${p.text.replace(/\s+/g, ' ').trim().slice(0, 110)}`);
  return recorded;
}

/** Partitions of `notifications` the plan really read, each with the indexes (or scan type) used. */
function scanned(plan: PlanNode): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (node: PlanNode) => {
    const relation = node['Relation Name'];
    if (relation && PARTITION.test(relation) && node['Node Type'].includes('Scan') && (node['Actual Loops'] ?? 0) > 0) {
      const how = node['Index Name'] ?? node.Plans?.map((p) => p['Index Name']).filter(Boolean).join('+') ?? node['Node Type'];
      out.set(relation, (out.get(relation) ?? new Set()).add(how || node['Node Type']));
    }
    node.Plans?.forEach(visit);
  };
  visit(plan);
  return out;
}

function describeScans(plan: PlanNode): string {
  const scans = scanned(plan);
  return `${scans.size} partition(s) [${[...scans].map(([p, how]) => `${p}:${[...how].join('|')}`).join(', ')}]`;
}

/** The partition a recipient's rows live in, from the partition bounds (not from a row). */
async function partitionOf(userId: string): Promise<string> {
  const { rows } = await pool.query<{ relname: string }>(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = '"${SCHEMA}"."notifications"'::regclass
       AND satisfies_hash_partition(i.inhparent, substring(pg_get_expr(c.relpartbound, c.oid) from 'modulus (\\d+)')::int,
                                    substring(pg_get_expr(c.relpartbound, c.oid) from 'remainder (\\d+)')::int, $1::uuid)`,
    [userId],
  );
  return rows[0]!.relname;
}

/** Every probed statement read exactly the partitions of these people (one each). */
async function expectPartitionsOf(probes: Probe[], ...userIds: string[]): Promise<void> {
  const expected = [...new Set(await Promise.all(userIds.map(partitionOf)))].sort();
  expect(probes.length).toBeGreaterThan(0);
  for (const p of probes) expect([...scanned(p.plan).keys()].sort(), p.text).toEqual(expected);
}

/** Users whose rows fall in pairwise different partitions (and not in `avoid`'s). */
async function usersInDistinctPartitions(count: number, avoid: string[] = []): Promise<string[]> {
  const taken = new Set(await Promise.all(avoid.map(partitionOf)));
  const users: string[] = [];
  while (users.length < count) {
    const id = uuidv7();
    const partition = await partitionOf(id);
    if (taken.has(partition)) continue;
    taken.add(partition);
    users.push(id);
  }
  return users;
}

beforeAll(async () => {
  db = await createTestDatabase('notif_pruning');
  pool = createPgPool(db.url, { max: 4 });
  pool.on('connect', instrument);
  await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
  prisma = createPrismaClient(pool, SCHEMA);
  inbox = new PrismaInboxStore(prisma, SCHEMA, pool);
  channels = new PrismaChannelStore(prisma, SCHEMA);
  erasure = new PrismaUserErasure(prisma, SCHEMA);
  // Everyone else: 1,200 people with 20 items each in every partition, some read, some grouped,
  // some sent through the API, with timers due tomorrow; statistics as autovacuum would keep them.
  await pool.query(
    `INSERT INTO "${SCHEMA}".notifications (id, recipient_id, type, category, priority, title, body, data, created_at, read_at, group_key, sender_id, fallback_at, fallback_channels)
     SELECT gen_random_uuid(), r.id, 'like', 'social', 'normal', 't', 'b', '{}', now(), CASE WHEN g % 3 = 0 THEN now() END,
            CASE WHEN g % 4 = 0 THEN 'like:post:' || (g % 7) END, CASE WHEN g % 10 = 0 THEN r.sender END,
            CASE WHEN g % 5 = 0 THEN now() + interval '1 day' END, CASE WHEN g % 5 = 0 THEN ARRAY['email'] END
     FROM (SELECT gen_random_uuid() AS id, gen_random_uuid() AS sender FROM generate_series(1, 1200)) r, generate_series(1, 20) g`,
  );
  await pool.query(`INSERT INTO "${SCHEMA}".deliveries (notification_id, channel, recipient_id, status) SELECT id, 'in_app', recipient_id, 'delivered' FROM "${SCHEMA}".notifications`);
  await pool.query(`ANALYZE "${SCHEMA}".notifications`);
  await pool.query(`ANALYZE "${SCHEMA}".deliveries`);
}, 120_000);

afterAll(async () => {
  if (process.env.PRUNING_REPORT) console.log(report.join('\n'));
  await prisma?.$disconnect();
  await pool?.end();
  await db?.drop();
});

describe('the partitioned inbox: every inbox query reads one partition', () => {
  it('is partitioned by hash of recipient_id into 16 partitions, each with its autovacuum settings', async () => {
    const { rows } = await pool.query<{ relname: string; bound: string; reloptions: string[] }>(
      `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = '"${SCHEMA}"."notifications"'::regclass ORDER BY c.relname`,
    );
    expect(rows).toHaveLength(PARTITIONS);
    expect(rows.map((r) => r.bound)).toEqual(rows.map((_, i) => `FOR VALUES WITH (modulus 16, remainder ${i})`));
    for (const r of rows) expect(r.reloptions).toContain('autovacuum_vacuum_scale_factor=0.02');
    const key = await pool.query(`SELECT pg_get_partkeydef('"${SCHEMA}"."notifications"'::regclass) AS key`);
    expect(key.rows[0].key).toBe('HASH (recipient_id)');
    // Each person's rows are in one partition: there are people in every partition.
    const spread = await pool.query(`SELECT count(DISTINCT tableoid)::int AS n FROM "${SCHEMA}".notifications`);
    expect(spread.rows[0].n).toBe(PARTITIONS);
  });

  it('pages, the unread page, resume, the unread count and stream heads of one person', async () => {
    const ana = uuidv7();
    const items = await seed(inbox, ana, many(30));
    await inbox.markRead([items[3]!.id], ana, new Date());
    await expectPartitionsOf(await probe('list', () => inbox.list(ana, { limit: 10 })), ana);
    await expectPartitionsOf(await probe('list next page', () => inbox.list(ana, { limit: 10, cursor: items[20]!.id })), ana);
    await expectPartitionsOf(await probe('list unread', () => inbox.list(ana, { limit: 10, unreadOnly: true })), ana);
    await expectPartitionsOf(await probe('listAfter (resume)', () => inbox.listAfter(ana, items[5]!.id, 50)), ana);
    await expectPartitionsOf(await probe('unreadCount', () => inbox.unreadCount(ana)), ana);
    await expectPartitionsOf(await probe('unreadCounts', () => inbox.unreadCounts([ana])), ana);
    await expectPartitionsOf(await probe('streamHead', () => inbox.streamHead(ana)), ana);
    await expectPartitionsOf(await probe('streamHeads (one)', () => inbox.streamHeads([ana])), ana);
  });

  it('stream heads and unread counts of several people read one partition per distinct person', async () => {
    const people = await usersInDistinctPartitions(3);
    for (const p of people) await seed(inbox, p, many(3));
    await expectPartitionsOf(await probe('streamHeads (three)', () => inbox.streamHeads(people)), ...people);
    await expectPartitionsOf(await probe('unreadCounts (three)', () => inbox.unreadCounts(people)), ...people);
  });

  it('marking read (one, a superseded id, many, all), ownership and the status of own items', async () => {
    const ana = uuidv7();
    const key = `like:post:${uuidv7()}`;
    const items = await seed(inbox, ana, many(5));
    const [head] = await seed(inbox, ana, [{ groupKey: key, count: 1 }]);
    const successor = item({ groupKey: key, count: 2 });
    await inbox.transaction(async (uow) => {
      await uow.insertNotifications([{ recipientId: ana, notification: successor }]);
      await uow.supersede([{ recipientId: ana, oldId: head!.id, newId: successor.id }]);
    });
    await expectPartitionsOf(await probe('markRead (one)', () => inbox.markRead([items[0]!.id], ana, new Date())), ana);
    await expectPartitionsOf(await probe('markRead (superseded id)', () => inbox.markRead([head!.id], ana, new Date())), ana);
    await expectPartitionsOf(await probe('markRead (many)', () => inbox.markRead([items[1]!.id, items[2]!.id], ana, new Date())), ana);
    await expectPartitionsOf(await probe('ownedBy', () => inbox.ownedBy([items[3]!.id, uuidv7()], ana)), ana);
    await expectPartitionsOf(await probe('deliveryStatuses (recipient)', () => inbox.deliveryStatuses([items[3]!.id], ana)), ana);
    await expectPartitionsOf(await probe('settleOnline', () => inbox.settleOnline([{ recipientId: ana, notificationId: items[4]!.id }], 300_000)), ana);
    await expectPartitionsOf(await probe('markAllRead', () => inbox.markAllRead(ana, new Date())), ana);
  });

  it('a sender reading the status of what it sent: its own partition, then the sender index of each partition', async () => {
    const [ana, sender] = await usersInDistinctPartitions(2);
    const [sent] = await seed(inbox, ana!, [{}], { senderId: sender! });
    const probes = await probe('deliveryStatuses (sender)', () => inbox.deliveryStatuses([sent!.id], sender!));
    const own = probes.filter((p) => p.text.includes('n.recipient_id ='));
    const bySender = probes.filter((p) => p.text.includes('n.sender_id ='));
    expect(own.length + bySender.length).toBe(probes.length);
    await expectPartitionsOf(own, sender!);
    // The one lookup without a recipient (documented): every partition, through its small sender index only.
    expect(bySender.length).toBeGreaterThan(0);
    for (const p of bySender) {
      const scans = scanned(p.plan);
      expect(scans.size).toBe(PARTITIONS);
      for (const how of scans.values()) expect([...how].every((index) => index.endsWith('sender_id_id_idx'))).toBe(true);
    }
  });

  it('the chunk path: group heads, inserts (no reads), supersede', async () => {
    const ana = uuidv7();
    const key = `like:post:${uuidv7()}`;
    const [head] = await seed(inbox, ana, [{ groupKey: key, count: 1 }]);
    const successor = item({ groupKey: key, count: 2 });
    const probes = await probe('chunk transaction', () =>
      inbox.transaction(async (uow) => {
        await uow.openGroups([{ groupKey: key, recipientIds: [ana] }]);
        await uow.insertNotifications([{ recipientId: ana, notification: successor }]);
        await uow.supersede([{ recipientId: ana, oldId: head!.id, newId: successor.id }]);
        await uow.insertDeliveries([{ notificationId: successor.id, recipientId: ana, channel: 'in_app', status: 'delivered', reason: null, notBefore: null, digest: null }]);
      }),
    );
    // The INSERT routes each row to its partition and reads none.
    const inserts = probes.filter((p) => /^\s*INSERT INTO "notifications"\."notifications"/.test(p.text));
    expect(inserts).toHaveLength(1);
    expect(scanned(inserts[0]!.plan).size).toBe(0);
    await expectPartitionsOf(probes.filter((p) => !inserts.includes(p)), ana);
  });

  it('fallback timers: the sweep reads each partition by due time, and touches each row by its recipient', async () => {
    const ana = uuidv7();
    const [due] = await seed(inbox, ana);
    await pool.query(`UPDATE "${SCHEMA}".notifications SET fallback_at = now() - interval '1 second' WHERE recipient_id = $1 AND id = $2`, [ana, due!.id]);
    const [sweep, claim, ...rest] = await probe('fire: claimDue', () => channels.fire((batch) => batch.claimDue(new Date(), 500)));
    expect(rest).toEqual([]);
    // Due timers are everyone's: each partition's partial index of live timers, merged in due order...
    const scans = scanned(sweep!.plan);
    expect(scans.size).toBe(PARTITIONS);
    for (const how of scans.values()) expect([...how].every((i) => i.endsWith('fallback_at_idx'))).toBe(true);
    // ...and each claimed row is updated in its own partition only.
    await expectPartitionsOf([claim!], ana);
    await expectPartitionsOf(
      await probe('fire: defer', () => channels.fire((batch) => batch.defer([{ notificationId: due!.id, recipientId: ana, until: new Date(Date.now() + 60_000) }]))),
      ana,
    );
  });

  it('a worker claiming and recording a send, and its status webhook, find the notification by its recipient', async () => {
    const [ana, sender] = await usersInDistinctPartitions(2);
    const [sent] = await seed(inbox, ana!, [{}], { senderId: sender!, fallback: null });
    await pool.query(`INSERT INTO "${SCHEMA}".webhook_endpoints (id, owner_id, url, secret) VALUES ($1, $2, 'https://hooks.example.com/x', 'whsec_x')`, [uuidv7(), sender]);
    await pool.query(
      `INSERT INTO "${SCHEMA}".deliveries (notification_id, channel, recipient_id, status, address, dispatched_at) VALUES ($1, 'email', $2, 'queued', 'ana@example.com', now())`,
      [sent!.id, ana],
    );
    const got: { claim?: Awaited<ReturnType<PrismaChannelStore['claim']>> } = {};
    await expectPartitionsOf(await probe('channel claim', async () => (got.claim = await channels.claim(sent!.id, 'email', 60_000))), ana!);
    const delivery = got.claim?.kind === 'claimed' ? got.claim.delivery : undefined;
    expect(delivery).toBeDefined();
    await expectPartitionsOf(
      await probe('recordSent + webhook', () => channels.recordSent(delivery!, { provider: 'smtp', status: 'sent', sentAt: new Date() }, [])),
      ana!,
    );
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".webhook_deliveries`)).rows[0].n).toBe(1);
    // The metric over the last day's sends reads the partition of each recipient sent to.
    await expectPartitionsOf(await probe('sentAfterRead', () => channels.sentAfterRead()), ana!);
  });

  it('the oldest-timer metric reads each partition\'s due index (by design: timers are everyone\'s)', async () => {
    const [metric] = await probe('oldestDueAgeSeconds', () => channels.oldestDueAgeSeconds(new Date()));
    const scans = scanned(metric!.plan);
    expect(scans.size).toBe(PARTITIONS);
    for (const how of scans.values()) expect([...how].every((i) => i.endsWith('fallback_at_idx'))).toBe(true);
  });

  it('erasing a person reads and deletes in their partition only', async () => {
    const bo = uuidv7();
    const items = await seed(inbox, bo, many(4));
    await inbox.markRead([items[0]!.id], bo, new Date());
    await seed(inbox, bo, [{}], { inInbox: false });
    await expectPartitionsOf(await probe('eraseUser', () => erasure.eraseUser(bo, new Date())), bo);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".notifications WHERE recipient_id = $1`, [bo])).rows[0].n).toBe(0);
    expect((await pool.query(`SELECT count(*)::int AS n FROM "${SCHEMA}".deliveries WHERE recipient_id = $1`, [bo])).rows[0].n).toBe(0);
  });

  it('retention: each statement names one partition and reads only it; a run visits every partition', async () => {
    const task = notificationRetentionTasks(prisma, SCHEMA, RETENTION_DEFAULTS).find((t) => t.name === 'notifications')!;
    const probes = await probe('retention (notifications)', () => task.deleteBatch(new Date(), 100));
    expect(probes).toHaveLength(PARTITIONS);
    const visited = probes.map((p) => {
      const scans = [...scanned(p.plan)];
      expect(scans, p.text).toHaveLength(1);
      // The partition the statement names is the one it reads, through the retention index.
      const [partition, how] = scans[0]!;
      expect(p.text).toContain(`"${SCHEMA}"."${partition}"`);
      expect([...how]).toEqual([`${partition}_id_idx`]);
      return partition;
    });
    expect(visited).toEqual(Array.from({ length: PARTITIONS }, (_, i) => `notifications_p${String(i).padStart(2, '0')}`));
  });

  it('can fail: the same statements without their recipient condition read every partition', async () => {
    const ana = uuidv7();
    const items = await seed(inbox, ana, many(3));
    const [list] = await probe('list', () => inbox.list(ana, { limit: 10 }));
    const [settle] = await probe('settleOnline', () => inbox.settleOnline([{ recipientId: ana, notificationId: items[0]!.id }], 300_000));
    const unpruned = [
      // The parameter stays (typed), the condition goes.
      { ...list!, text: list!.text.replace(/recipient_id = \$1::uuid AND/, '$1::uuid IS NOT NULL AND') },
      { ...settle!, text: settle!.text.replace(/n\.recipient_id = ANY\((\$\d+)::uuid\[\]\) AND n\.recipient_id = u\.recipient_id AND/, '$1::uuid[] IS NOT NULL AND') },
    ];
    for (const p of unpruned) {
      expect(p.text).not.toBe(p === unpruned[0] ? list!.text : settle!.text);
      const client = await pool.connect();
      try {
        const plan = await explain(client.query.bind(client) as unknown as Query, false, p.text, p.values);
        expect(scanned(plan).size, p.text).toBe(PARTITIONS);
      } finally {
        client.release();
      }
    }
  });
});
