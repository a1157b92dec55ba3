-- Digests, sent (docs/channels.md "Digests"). A channel held for a daily or weekly digest keeps a
-- `pending` delivery row with `digest` set; the digest sweep takes those rows per person and period
-- and sends ONE message per channel through the channel queues, with the same claims, leases,
-- retries and dead letters as any other delivery.

-- The run key: one row per (person, frequency, local period), claimed with INSERT ... ON CONFLICT
-- DO NOTHING in the transaction that takes the person's pending rows. Whoever inserts it sends
-- that period's digest; every other sweep (another instance, a rerun, an operator's run) finds it
-- taken and sends nothing. `period` is the local date (`2026-03-29`) or ISO week (`2026-W13`) in
-- the person's zone; `due_at` the instant the period's digest became due.
CREATE TABLE "digest_runs" (
    "recipient_id" UUID NOT NULL,
    "frequency" VARCHAR(8) NOT NULL,
    "period" VARCHAR(10) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "digest_runs_pkey" PRIMARY KEY ("recipient_id", "frequency", "period")
);

-- One digest message on one channel: the delivery record of the digest itself (status, attempts,
-- the claim of a worker sending it, the retry it waits for), in the columns and meanings of
-- `deliveries`. `notification_ids` are the items it took (the live heads of their groups); the
-- items' own delivery rows point back with `deliveries.digest_id`.
CREATE TABLE "digests" (
    "id" UUID NOT NULL,
    "recipient_id" UUID NOT NULL,
    "frequency" VARCHAR(8) NOT NULL,
    "period" VARCHAR(10) NOT NULL,
    "channel" VARCHAR(8) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(32),
    "notification_ids" UUID[] NOT NULL,
    "item_count" INTEGER NOT NULL,
    "address" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "provider" VARCHAR(32),
    "provider_message_id" VARCHAR(255),
    "next_attempt_at" TIMESTAMPTZ(3),
    "claimed_at" TIMESTAMPTZ(3),
    "claim_lost_at" TIMESTAMPTZ(3),
    "dispatched_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "digests_pkey" PRIMARY KEY ("id")
);
-- At most one digest per person, frequency, period and channel (the run key's second line), and a
-- person's digests by the leading column (erasure).
CREATE UNIQUE INDEX "digests_run_channel_key" ON "digests"("recipient_id", "frequency", "period", "channel");
-- Digests due for publishing: new ones, retries whose backoff ended, re-dispatches, replays.
CREATE INDEX "digests_due_idx" ON "digests"("next_attempt_at") WHERE (next_attempt_at IS NOT NULL);
-- Claims abandoned by a worker that died.
CREATE INDEX "digests_claimed_idx" ON "digests"("claimed_at") WHERE ((status)::text = 'queued'::text);

-- The digest that took an item's delivery row (NULL until a digest takes it).
ALTER TABLE "deliveries" ADD COLUMN "digest_id" UUID;
