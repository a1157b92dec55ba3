-- When a worker's claim on a delivery runs out without an outcome, the worker may be dead, or alive
-- and waiting for the database to record that the provider took the message. The next claimer
-- marks the row and waits a short grace before sending, so a worker that was only cut off from
-- the database records its send first (docs/channels.md "Claims and ambiguous sends").
ALTER TABLE "deliveries" ADD COLUMN "claim_lost_at" TIMESTAMPTZ(3);
