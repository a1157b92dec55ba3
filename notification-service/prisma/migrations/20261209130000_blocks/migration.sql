-- The full block, owned by user-service (user.blocked / user.unblocked, docs/api.md "Blocks"). The
-- newest state of each pair, ordered by the event's occurredAt (as_of); an unblock keeps the row with
-- active = false so a late, older user.blocked cannot bring the block back. While a pair is active
-- the blocker's mutes row of the blocked person has kind `block`, written in the same transaction.
CREATE TABLE "blocks" (
    "user_id" UUID NOT NULL,
    "blocked_user_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("user_id","blocked_user_id")
);

-- Erasing a person finds the blocks of them (the primary key leads with the blocker).
CREATE INDEX "blocks_blocked_user_idx" ON "blocks"("blocked_user_id");
