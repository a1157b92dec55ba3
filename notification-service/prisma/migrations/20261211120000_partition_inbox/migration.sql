-- The inbox partitioned by hash of the recipient (docs/notification-service.md "Partitioning",
-- docs/adr/0014-partitioned-inbox.md). Every inbox query names one person, so with `recipient_id` as
-- the partition key each of them reads one partition; a partition is 1/16 of the table for vacuum,
-- index builds and the retention walk; and the same key is the distribution column should the inbox
-- ever move to Citus. The whole move is this one transaction: the table is rebuilt, not altered.

-- Nothing reads or writes the inbox (or its deliveries) while its rows move: instances still
-- running the previous version wait here, and find the new table when this commits.
LOCK TABLE "notifications" IN ACCESS EXCLUSIVE MODE;
LOCK TABLE "deliveries" IN SHARE ROW EXCLUSIVE MODE;

-- The indexes are recreated by name below. An index this file does not know (added by a migration
-- it never saw) would vanish with the old table: stop instead, so it is added below first.
DO $$
DECLARE unknown text;
BEGIN
  SELECT string_agg(i.relname, ', ') INTO unknown
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
  WHERE x.indrelid = 'notifications'::regclass
    AND i.relname NOT IN ('notifications_pkey', 'notifications_inbox_idx', 'notifications_unread_idx', 'notifications_open_group_idx',
                          'notifications_fallback_due_idx', 'notifications_recipient_hidden_idx');
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'notifications has indexes this migration would drop: %', unknown;
  END IF;
END $$;

-- 1. The new table: the same columns, types, NOT NULLs and defaults as the old one (LIKE copies
-- whatever the migrations before this one gave it), partitioned by hash of the recipient.
CREATE TABLE "notifications_partitioned" (LIKE "notifications" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)
  PARTITION BY HASH ("recipient_id");

-- 2. Sixteen partitions, a fixed number: a hash partition's rows are spread by the modulus, so
-- changing the count means moving rows again. Sixteen keeps each partition a sixteenth of the inbox
-- (vacuumed, indexed and walked by retention on its own) while the few queries that must visit
-- every partition (the due-timer sweep, the oldest-timer metric, a sender reading the status of what
-- it sent) stay at sixteen small index probes, and planning stays cheap. A power of two, so a
-- partition that grows too hot can later be split alone into two of modulus 32 (remainders r and
-- r + 16) without touching the others.
-- Autovacuum per partition: the inbox is appended to all the time and each item is updated a few
-- times (read, superseded, timer cleared) and deleted by retention. At the default scale factors
-- (20 % of a partition) dead rows and never-vacuumed pages pile up for a long time on big
-- partitions; at 2 % vacuum comes often and stays short, and the insert-driven vacuum keeps the
-- visibility map current, so the unread count stays an index-only scan of the unread index.
CREATE TABLE "notifications_p00" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  0) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p01" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  1) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p02" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  2) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p03" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  3) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p04" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  4) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p05" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  5) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p06" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  6) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p07" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  7) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p08" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  8) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p09" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER  9) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p10" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 10) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p11" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 11) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p12" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 12) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p13" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 13) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p14" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 14) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
CREATE TABLE "notifications_p15" PARTITION OF "notifications_partitioned" FOR VALUES WITH (MODULUS 16, REMAINDER 15) WITH (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);

-- 3. The rows (tuple routing puts each one in its recipient's partition).
INSERT INTO "notifications_partitioned" SELECT * FROM "notifications";

-- 4. Deliveries lose their foreign key. A unique key of the partitioned table must hold the
-- partition key, so the reference could only become (recipient_id, notification_id) →
-- notifications (recipient_id, id); but PostgreSQL checks such a reference once per inserted row
-- through the partitioned table, re-planning each check: measured on PostgreSQL 15, the INSERT of a
-- chunk's 1,000 in_app delivery rows took 150-300 ms instead of about 45 ms, inside the
-- transaction that holds the chunk's stream and group locks. What ON DELETE CASCADE
-- did is done by the two code paths that delete notifications, in the same transaction: account
-- erasure (src/adapters/prisma-user-erasure.ts) and retention (src/adapters/prisma-retention.ts).
-- Each delivery row carries its notification's recipient (the fan-out and the timer sweep write
-- both from the same item), which every join from deliveries to the inbox uses to find the
-- partition; should any row disagree, the notification is the truth.
UPDATE "deliveries" d SET "recipient_id" = n."recipient_id"
FROM "notifications" n
WHERE n."id" = d."notification_id" AND d."recipient_id" <> n."recipient_id";
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_notification_id_fkey";

-- 5. The swap.
DROP TABLE "notifications";
ALTER TABLE "notifications_partitioned" RENAME TO "notifications";

-- 6. Keys and indexes, built once over the copied rows; each is created on every partition.
-- A unique index of a partitioned table must contain the partition key: the primary key is
-- (recipient_id, id), and an id is found by its recipient's partition. Ids stay unique by
-- construction (UUIDv7, minted by the service).
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_pkey" PRIMARY KEY ("recipient_id", "id");
CREATE INDEX "notifications_inbox_idx" ON "notifications"("recipient_id", "id") WHERE ((superseded_by IS NULL) AND in_inbox);
CREATE INDEX "notifications_unread_idx" ON "notifications"("recipient_id", "id") WHERE ((read_at IS NULL) AND (superseded_by IS NULL) AND in_inbox);
CREATE INDEX "notifications_open_group_idx" ON "notifications"("recipient_id", "group_key", "id") WHERE ((group_key IS NOT NULL) AND (read_at IS NULL) AND (superseded_by IS NULL) AND in_inbox);
-- The timer sweep is by due time, across every partition: each one's partial index of live timers.
CREATE INDEX "notifications_fallback_due_idx" ON "notifications"("fallback_at") WHERE (fallback_at IS NOT NULL);
CREATE INDEX "notifications_recipient_hidden_idx" ON "notifications"("recipient_id") WHERE ((superseded_by IS NOT NULL) OR (NOT in_inbox));
-- Two lookups the old primary key on `id` used to serve without a recipient:
-- - a send-API caller reading the status of what it sent (it knows the ids, not the partitions):
--   only items sent through the API have a sender, so this index is small;
CREATE INDEX "notifications_sender_idx" ON "notifications"("sender_id", "id") WHERE (sender_id IS NOT NULL);
-- - retention, which walks each partition in id order (UUIDv7: creation order) over the items it
--   may delete. New items are unread and listed, so fan-out inserts never touch it; a read adds an
--   entry (that update already writes new entries in the other indexes).
CREATE INDEX "notifications_retention_idx" ON "notifications"("id") WHERE ((read_at IS NOT NULL) OR (superseded_by IS NOT NULL) OR (NOT in_inbox));

-- 7. Statistics for the planner now: autovacuum analyzes partitions, never the partitioned table itself.
ANALYZE "notifications";
