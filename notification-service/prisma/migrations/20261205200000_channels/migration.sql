-- Out-of-band channels (docs/channels.md, docs/adr/0010-timers-in-postgresql.md).
-- The fallback timer lives on the notification itself: one nullable timestamp and the channels it
-- may use, so fan-out writes nothing per channel per recipient; a partial index finds what is due.
ALTER TABLE "notifications"
  ADD COLUMN "fallback_at" TIMESTAMPTZ(3),
  ADD COLUMN "fallback_channels" VARCHAR(8)[],
  ADD COLUMN "fallback_reason" VARCHAR(16);
CREATE INDEX "notifications_fallback_due_idx" ON "notifications"("fallback_at") WHERE (fallback_at IS NOT NULL);

-- A delivery row exists only for what is really attempted (or held for a digest).
ALTER TABLE "deliveries"
  ADD COLUMN "address" TEXT,
  ADD COLUMN "provider" VARCHAR(32),
  ADD COLUMN "provider_message_id" VARCHAR(255),
  ADD COLUMN "urgent" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "next_attempt_at" TIMESTAMPTZ(3),
  ADD COLUMN "claimed_at" TIMESTAMPTZ(3),
  ADD COLUMN "sent_at" TIMESTAMPTZ(3);
ALTER TABLE "deliveries" ALTER COLUMN "status" TYPE VARCHAR(16);
-- Retries waiting for their backoff (and replays) come due here.
CREATE INDEX "deliveries_retry_due_idx" ON "deliveries"("next_attempt_at") WHERE (next_attempt_at IS NOT NULL);
-- Provider receipts (SMS status callbacks) find their delivery by the provider's id.
CREATE UNIQUE INDEX "deliveries_provider_message_idx" ON "deliveries"("provider_message_id") WHERE (provider_message_id IS NOT NULL);
-- The age of the oldest due item per channel (metrics) and stuck claims.
CREATE INDEX "deliveries_queued_idx" ON "deliveries"("channel", "updated_at") WHERE ((status)::text = 'queued'::text);

-- Every try against a provider.
CREATE TABLE "delivery_attempts" (
    "id" BIGSERIAL NOT NULL,
    "notification_id" UUID NOT NULL,
    "channel" VARCHAR(8) NOT NULL,
    "attempt" INTEGER NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "outcome" VARCHAR(16) NOT NULL,
    "error_class" VARCHAR(48),
    "error" TEXT,
    "latency_ms" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "delivery_attempts_delivery_idx" ON "delivery_attempts"("notification_id", "channel");

-- The last failure of a delivery, for operators to list and replay.
CREATE TABLE "dead_letters" (
    "id" UUID NOT NULL,
    "notification_id" UUID NOT NULL,
    "channel" VARCHAR(8) NOT NULL,
    "recipient_id" UUID NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(32) NOT NULL,
    "last_error" TEXT,
    "attempts" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "dead_letters_open_idx" ON "dead_letters"("channel", "created_at") WHERE (replayed_at IS NULL);

-- Addresses that bounced: nothing more is sent to them until the person changes the address.
CREATE TABLE "undeliverable_addresses" (
    "user_id" UUID NOT NULL,
    "channel" VARCHAR(8) NOT NULL,
    "address" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "undeliverable_addresses_pkey" PRIMARY KEY ("user_id", "channel", "address")
);
