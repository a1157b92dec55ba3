-- Web Push subscriptions (docs/channels.md "Web Push"): one row per browser that said yes, with
-- the keys its messages are encrypted to (RFC 8291). The endpoint names the browser: saved again
-- by the same person it keeps its id; saved by someone else it moves to them. A push service's
-- 404/410 deletes the row; so does erasing the account.
CREATE TABLE "push_subscriptions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    -- The push service's URL for this browser (RFC 8030), https.
    "endpoint" VARCHAR(2048) NOT NULL,
    -- base64url, unpadded: the browser's P-256 public key (65 bytes) and auth secret (16 bytes).
    "p256dh" VARCHAR(100) NOT NULL,
    "auth" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_subscriptions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "push_subscriptions_endpoint_key" ON "push_subscriptions"("endpoint");
-- A person's subscriptions, oldest first: the sender, the settings page, erasure and the per-person cap.
CREATE INDEX "push_subscriptions_user_idx" ON "push_subscriptions"("user_id", "created_at");
