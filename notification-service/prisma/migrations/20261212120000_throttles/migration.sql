-- Per-person throttles of the out-of-band channels (docs/channels.md "Throttles"). A worker about
-- to send a delivery counts, under a lock per (person, channel), what that person got on that
-- channel within the throttle's window: messages sent, and deliveries being sent right now. Both
-- counts are one short range of an index of that person's own rows, whatever the table's size.

-- Messages sent per person and channel, by send time: a count over the window is an index-only
-- range scan. Items that went out inside a digest are left out (the digest is one message, and is
-- never throttled); so are rows never sent (skipped, cancelled, failed before any send), which
-- are most of the table.
CREATE INDEX "deliveries_recipient_sent_idx" ON "deliveries"("recipient_id", "channel", "sent_at") WHERE ((sent_at IS NOT NULL) AND (digest_id IS NULL));

-- Deliveries a worker holds a claim on: only sends in flight (every outcome clears the claim), a
-- handful at any time.
CREATE INDEX "deliveries_recipient_claimed_idx" ON "deliveries"("recipient_id", "channel") WHERE (claimed_at IS NOT NULL);

-- The digest queue also holds a delivery over its throttle whose person gets a digest on that
-- channel: it stays `queued` (a status never moves back to `pending`) with `digest` set and no
-- `digest_id` until a digest takes it. Held rows are those without a digest yet, pending or queued.
DROP INDEX "deliveries_digest_idx";
CREATE INDEX "deliveries_digest_idx" ON "deliveries"("digest", "recipient_id") WHERE ((digest IS NOT NULL) AND (digest_id IS NULL) AND ((status)::text = ANY (ARRAY['pending'::text, 'queued'::text])));
