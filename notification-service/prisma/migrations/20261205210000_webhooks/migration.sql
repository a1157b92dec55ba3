-- Status webhooks (docs/channels.md "Status webhooks"): a send-API caller's endpoints, and one row
-- per message owed to one of them. A delivery status change inserts its messages in the same
-- statement (src/adapters/prisma-channel-store.ts); the sender claims due ones FOR UPDATE SKIP LOCKED.
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    -- The sender id of the API key (or token) that registered it: notifications.sender_id.
    "owner_id" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    -- `whsec_` + base64 of 24 random bytes: the HMAC key, readable because it must sign.
    "secret" VARCHAR(64) NOT NULL,
    -- `delivery.<status>` names; NULL = every event.
    "events" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set by DELETE: nothing more is enqueued or sent to it; its history stays.
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);
-- A status change finds the live endpoints of the notification's sender.
CREATE INDEX "webhook_endpoints_owner_idx" ON "webhook_endpoints"("owner_id") WHERE (disabled_at IS NULL);

CREATE TABLE "webhook_deliveries" (
    -- The `webhook-id` header: the same on every retry, so receivers can drop duplicates.
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "event_type" VARCHAR(32) NOT NULL,
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    -- When it is due: now, after a backoff, or (while an attempt is in flight) when its claim expires.
    "next_attempt_at" TIMESTAMPTZ(3),
    -- pending | delivered | failed
    "status" VARCHAR(16) NOT NULL DEFAULT 'pending',
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- What the sender claims: only pending rows, so it stays small however long the history grows.
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at") WHERE ((status)::text = 'pending'::text);
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries"("endpoint_id", "created_at");
