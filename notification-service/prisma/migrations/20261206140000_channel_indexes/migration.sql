-- The out-of-band-after-read ratio on /metrics reads the last day's sends: without this index every
-- scrape would scan the whole deliveries table (one in_app row per notification).
CREATE INDEX "deliveries_sent_idx" ON "deliveries"("sent_at") WHERE (sent_at IS NOT NULL);
