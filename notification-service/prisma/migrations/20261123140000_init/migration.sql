-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "recipient_id" UUID NOT NULL,
    "type" VARCHAR(16) NOT NULL,
    "category" VARCHAR(16) NOT NULL,
    "priority" VARCHAR(16) NOT NULL,
    "actor" JSONB,
    "object_kind" VARCHAR(16),
    "object_id" UUID,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "group_key" TEXT,
    "count" INTEGER,
    "in_inbox" BOOLEAN NOT NULL DEFAULT true,
    "sender_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "read_at" TIMESTAMPTZ(3),
    "superseded_by" UUID,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "receipts" (
    "event_id" UUID NOT NULL,
    "recipient_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "receipts_pkey" PRIMARY KEY ("event_id","recipient_id")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "notification_id" UUID NOT NULL,
    "channel" VARCHAR(8) NOT NULL,
    "recipient_id" UUID NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(32),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "not_before" TIMESTAMPTZ(3),
    "digest" VARCHAR(8),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("notification_id","channel")
);

-- CreateTable
CREATE TABLE "preferences" (
    "user_id" UUID NOT NULL,
    "preferences" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "preferences_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "username" VARCHAR(32) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "phone" VARCHAR(32),
    "locale" VARCHAR(35) NOT NULL,
    "timezone" VARCHAR(64) NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "follows" (
    "followee_id" UUID NOT NULL,
    "follower_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "follows_pkey" PRIMARY KEY ("followee_id","follower_id")
);

-- CreateTable
CREATE TABLE "mutes" (
    "user_id" UUID NOT NULL,
    "muted_user_id" UUID NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mutes_pkey" PRIMARY KEY ("user_id","muted_user_id")
);

-- CreateTable
CREATE TABLE "send_requests" (
    "sender_id" UUID NOT NULL,
    "idempotency_key" VARCHAR(255) NOT NULL,
    "event_id" UUID NOT NULL,
    "request_hash" VARCHAR(64) NOT NULL,
    "ids" UUID[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "send_requests_pkey" PRIMARY KEY ("sender_id","idempotency_key")
);

-- CreateTable (the transactional outbox: OUTBOX_TABLE_SQL from @herald/platform, verbatim)
CREATE TABLE "outbox" (
  "id" UUID NOT NULL,
  "routing_key" TEXT NOT NULL,
  "payload" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "published_at" TIMESTAMPTZ(3),
  CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "outbox_pending_idx" ON "outbox" ("created_at", "id") WHERE "published_at" IS NULL;
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();

-- CreateIndex
CREATE INDEX "notifications_inbox_idx" ON "notifications"("recipient_id", "id") WHERE ((superseded_by IS NULL) AND in_inbox);

-- CreateIndex
CREATE INDEX "notifications_unread_idx" ON "notifications"("recipient_id", "id") WHERE ((read_at IS NULL) AND (superseded_by IS NULL) AND in_inbox);

-- CreateIndex
CREATE INDEX "notifications_open_group_idx" ON "notifications"("recipient_id", "group_key", "id") WHERE ((group_key IS NOT NULL) AND (read_at IS NULL) AND (superseded_by IS NULL) AND in_inbox);

-- CreateIndex
CREATE INDEX "deliveries_work_idx" ON "deliveries"("channel", "status", "not_before");

-- CreateIndex
CREATE INDEX "deliveries_digest_idx" ON "deliveries"("digest", "recipient_id") WHERE ((digest IS NOT NULL) AND ((status)::text = 'pending'::text));

-- CreateIndex
CREATE INDEX "mutes_muted_user_id_user_id_idx" ON "mutes"("muted_user_id", "user_id");

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_notification_id_fkey" FOREIGN KEY ("notification_id") REFERENCES "notifications"("id") ON DELETE CASCADE ON UPDATE CASCADE;
