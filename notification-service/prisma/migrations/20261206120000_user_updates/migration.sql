-- user.updated changes some profile fields at a time, so the projection orders each field on its
-- own: `<field>_as_of` is the occurredAt of the event that set it, NULL when no event has set it
-- (an event then always applies). A user.updated may also arrive before the user's user.registered
-- (a retried registration): the row then holds only the fields it set, so the profile columns
-- become nullable. `as_of` stays the occurredAt of the newest event applied to the row.
ALTER TABLE "users" ALTER COLUMN "username" DROP NOT NULL,
ALTER COLUMN "display_name" DROP NOT NULL,
ALTER COLUMN "email" DROP NOT NULL,
ALTER COLUMN "locale" DROP NOT NULL,
ALTER COLUMN "timezone" DROP NOT NULL,
ADD COLUMN "username_as_of" TIMESTAMPTZ(3),
ADD COLUMN "display_name_as_of" TIMESTAMPTZ(3),
ADD COLUMN "email_as_of" TIMESTAMPTZ(3),
ADD COLUMN "phone_as_of" TIMESTAMPTZ(3),
ADD COLUMN "locale_as_of" TIMESTAMPTZ(3),
ADD COLUMN "timezone_as_of" TIMESTAMPTZ(3);

-- Rows projected so far came whole from user.registered: every field is as old as the row.
UPDATE "users" SET "username_as_of" = "as_of", "display_name_as_of" = "as_of", "email_as_of" = "as_of",
  "phone_as_of" = "as_of", "locale_as_of" = "as_of", "timezone_as_of" = "as_of";
