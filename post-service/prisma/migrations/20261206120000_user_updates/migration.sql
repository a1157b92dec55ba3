-- user.updated can change a username or display name: each carries the occurredAt of the event that
-- set it, so a late or redelivered older event never overwrites a newer one. NULL (stand-ins created
-- from a token, rows projected before this migration) means any event may set it.
ALTER TABLE "users" ADD COLUMN "username_as_of" TIMESTAMPTZ(3),
ADD COLUMN "display_name_as_of" TIMESTAMPTZ(3);
