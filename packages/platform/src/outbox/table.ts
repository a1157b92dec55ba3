/**
 * The outbox table every producing service includes in its first migration (run with the
 * service's schema on the search_path). The statement-level trigger NOTIFYs the relays of that
 * schema on commit; its channel is derived from TG_TABLE_SCHEMA so the SQL is schema-independent.
 * The matching Prisma model is:
 *
 *   model Outbox {
 *     id          String    @id @db.Uuid
 *     routingKey  String    @map("routing_key")
 *     payload     Json
 *     createdAt   DateTime  @default(now()) @map("created_at") @db.Timestamptz(3)
 *     publishedAt DateTime? @map("published_at") @db.Timestamptz(3)
 *     @@map("outbox")
 *   }
 */
export const OUTBOX_TABLE_SQL = `
CREATE TABLE "outbox" (
  "id" UUID NOT NULL,
  "routing_key" TEXT NOT NULL,
  "payload" JSONB NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "published_at" TIMESTAMPTZ(3),
  CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "outbox_pending_idx" ON "outbox" ("created_at", "id") WHERE "published_at" IS NULL;
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();
`;

/** The outbox row for a domain event: the event id is the row id, so a retried write is a no-op. */
export function outboxRow(event: { id: string; type: string }) {
  return { id: event.id, routingKey: event.type, payload: event as object };
}
