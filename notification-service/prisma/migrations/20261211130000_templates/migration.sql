-- Message templates per notification type × channel × locale, changed by operators through the
-- admin routes (docs/templates.md). Append-only: every change is a new row with the next version
-- number of its (type, channel, locale), and the newest row is the one in use. `source = 'builtin'`
-- is a return to the built-in files (DELETE): its texts are NULL. Nothing here refers to another
-- table, so this migration stands on its own.
CREATE TABLE "templates" (
    "id" BIGSERIAL NOT NULL,
    -- A notification type or `digest`.
    "type" VARCHAR(16) NOT NULL,
    -- in_app | email | sms | slack | push
    "channel" VARCHAR(8) NOT NULL,
    -- A BCP 47 tag in canonical form: `en`, `es`, `es-MX`.
    "locale" VARCHAR(35) NOT NULL,
    "version" INTEGER NOT NULL,
    -- custom | builtin
    "source" VARCHAR(8) NOT NULL,
    -- The texts of the template (Handlebars; the email body is MJML); the ones a channel has not are NULL.
    "subject" TEXT,
    "preheader" TEXT,
    "title" TEXT,
    "body" TEXT,
    "url" TEXT,
    -- The API key that made the change (`api:<name>`).
    "created_by" VARCHAR(100) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "templates_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "templates_source_check" CHECK ("source" IN ('custom', 'builtin'))
);
-- One number per version of a template; also what the history (newest first) and the newest of
-- every template (DISTINCT ON) read.
CREATE UNIQUE INDEX "templates_version_key" ON "templates"("type", "channel", "locale", "version");
