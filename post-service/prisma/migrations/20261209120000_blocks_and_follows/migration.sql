-- Blocks and the direct-message policy stop messages and mentions at their source (docs/adr/0012).

-- The projected person's policy from user.updated (`everyone` or `following`), with the occurredAt
-- of the event that set it. NULL: never set by an event, which means the default (everyone).
ALTER TABLE "users" ADD COLUMN "direct_messages" VARCHAR(16),
ADD COLUMN "direct_messages_as_of" TIMESTAMPTZ(3);

-- Projection of user.blocked / user.unblocked. An unblock keeps the row (active = false) so a late,
-- older user.blocked cannot bring the block back; as_of is the occurredAt of the event that set it.
CREATE TABLE "blocks" (
    "blocker_id" UUID NOT NULL,
    "blocked_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("blocker_id","blocked_id")
);

-- "Who blocks this author", for the mentions of one post, and erasing a person's blocks.
CREATE INDEX "blocks_blocked_id_blocker_id_idx" ON "blocks"("blocked_id", "blocker_id");

-- Projection of user.followed / user.unfollowed, with the same tombstone rule: it answers "does the
-- recipient follow the sender" for the `following` policy.
CREATE TABLE "follows" (
    "follower_id" UUID NOT NULL,
    "followee_id" UUID NOT NULL,
    "active" BOOLEAN NOT NULL,
    "as_of" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "follows_pkey" PRIMARY KEY ("follower_id","followee_id")
);

-- Erasing a person finds the edges where they are followed (the primary key leads with the follower).
CREATE INDEX "follows_followee_id_idx" ON "follows"("followee_id");
