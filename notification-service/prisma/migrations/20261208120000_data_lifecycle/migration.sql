-- Data lifecycle (docs/security.md "Data lifecycle", docs/operations.md "Retention").

-- user.deleted keeps the projected user as a tombstone: `deleted_at` set, every profile field NULL.
-- No later-arriving event writes to it, follows with it are not projected, and nothing is delivered
-- to it or on its behalf. The partial index holds tombstones only: checking a whole chunk of
-- recipients against it costs next to nothing.
ALTER TABLE "users" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);
CREATE INDEX "users_deleted_idx" ON "users"("id") WHERE (deleted_at IS NOT NULL);

-- Erasing a person finds the edges where they follow someone (the primary key leads with the followee).
CREATE INDEX "follows_follower_idx" ON "follows"("follower_id");

-- ... and their notifications the inbox index does not hold (superseded ones, and items kept only
-- for their fallback deliveries). New items are in neither state, so fan-out inserts never touch it.
CREATE INDEX "notifications_recipient_hidden_idx" ON "notifications"("recipient_id") WHERE ((superseded_by IS NOT NULL) OR (NOT in_inbox));

-- The retention job deletes by age. These tables are appended to in time order, so a BRIN index
-- (a few pages, next to nothing to maintain on insert) finds the oldest rows.
CREATE INDEX "receipts_created_idx" ON "receipts" USING brin ("created_at");
CREATE INDEX "send_requests_created_idx" ON "send_requests" USING brin ("created_at");
CREATE INDEX "delivery_attempts_created_idx" ON "delivery_attempts" USING brin ("created_at");
CREATE INDEX "webhook_deliveries_created_idx" ON "webhook_deliveries" USING brin ("created_at");
