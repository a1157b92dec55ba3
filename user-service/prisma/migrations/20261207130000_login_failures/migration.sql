-- Consecutive failed logins per login name (lowercased username or email), whether or not an account
-- has it, so the backoff tells an attacker nothing about which accounts exist (docs/security.md).
CREATE TABLE "login_failures" (
  "login_key" VARCHAR(254) NOT NULL,
  "failures" INTEGER NOT NULL,
  "locked_until" TIMESTAMPTZ(3),
  "updated_at" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "login_failures_pkey" PRIMARY KEY ("login_key")
);
CREATE INDEX "login_failures_updated_idx" ON "login_failures"("updated_at");
