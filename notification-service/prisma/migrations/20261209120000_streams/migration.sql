-- Each person's stream gets a sequence (docs/api.md "Live delivery": `seq`). `streams` holds the
-- newest number per person; a chunk's transaction takes the next numbers for its listed recipients in
-- one upsert (sorted, so concurrent chunks lock rows in the same order), which also orders the
-- person's items by commit: seq n+1 commits after seq n. Items written before this have no seq.
CREATE TABLE "streams" (
    "user_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,

    CONSTRAINT "streams_pkey" PRIMARY KEY ("user_id")
);

-- The row is rewritten once per chunk that reaches the person: room on the page keeps those
-- updates HOT (no index entry each time).
ALTER TABLE "streams" SET (fillfactor = 50);

ALTER TABLE "notifications" ADD COLUMN "seq" BIGINT;
