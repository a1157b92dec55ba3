-- Account deletion (user.deleted, docs/security.md "Data lifecycle"). The projection keeps the row
-- of a deleted account as a tombstone: `deleted_at` set, names blanked. No later-arriving
-- user.registered or user.updated changes it, writes with a token of that account are refused, and
-- the received messages other people sent keep their foreign key. A blanked name must not hold the
-- username: uniqueness now covers live accounts only.
ALTER TABLE "users" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);
DROP INDEX "users_username_lower_key";
CREATE UNIQUE INDEX "users_username_lower_key" ON "users"("username_lower") WHERE ("deleted_at" IS NULL);

-- Erasing a person's comments on other people's posts finds them by author.
CREATE INDEX "comments_author_id_idx" ON "comments"("author_id");
