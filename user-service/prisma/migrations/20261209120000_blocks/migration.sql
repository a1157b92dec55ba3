-- People control who reaches them (docs/api.md "Blocks", docs/adr/0012).

-- Whom the person accepts direct messages from; post-service enforces it from user.updated. The
-- default keeps what every account had before this column existed.
ALTER TABLE "users" ADD COLUMN "direct_messages" VARCHAR(16) NOT NULL DEFAULT 'everyone',
ADD COLUMN "blocks_changed_at" TIMESTAMPTZ(3),
ADD CONSTRAINT "users_direct_messages_check" CHECK ("direct_messages" IN ('everyone', 'following'));

-- A block: while the row exists neither person can follow, message or mention the other. Its uuidv7
-- id orders the blocker's list. `blocks_changed_at` above is the occurredAt of the blocker's newest
-- user.blocked / user.unblocked, so the next one is always later, whatever the clocks say.
CREATE TABLE "blocks" (
    "id" UUID NOT NULL,
    "blocker_id" UUID NOT NULL,
    "blocked_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "blocks_blocker_id_blocked_id_key" ON "blocks"("blocker_id", "blocked_id");

-- CreateIndex
CREATE INDEX "blocks_blocker_id_id_idx" ON "blocks"("blocker_id", "id");

-- CreateIndex: the other direction of "is there a block between these two", and the cascade.
CREATE INDEX "blocks_blocked_id_idx" ON "blocks"("blocked_id");

-- AddForeignKey
ALTER TABLE "blocks" ADD CONSTRAINT "blocks_blocker_id_fkey" FOREIGN KEY ("blocker_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "blocks" ADD CONSTRAINT "blocks_blocked_id_fkey" FOREIGN KEY ("blocked_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
