-- Commit first, publish second (docs/channels.md, "Dispatch"): a queued delivery is due for
-- publishing at next_attempt_at; publishing marks it dispatched_at and moves next_attempt_at to a
-- re-dispatch time, so a message lost after the commit is published again. A worker claims only a
-- dispatched row, which it can always see: the dispatch committed before the message existed.
ALTER TABLE "deliveries" ADD COLUMN "dispatched_at" TIMESTAMPTZ(3);
