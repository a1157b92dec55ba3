/**
 * The floor for bench/http.ts, run as its own process: bare fastify + pg, no auth, no ORM, no relay.
 * `POST /api/v1/posts/:id/comments` with the same body as Herald's: a JSON schema for `{text}`, then
 * one transaction on one pooled connection (BEGIN; INSERT the comment; INSERT its outbox row; COMMIT)
 * and a 201 with the comment. Its tables live in a schema of their own (`http_baseline`) in the run's
 * database, shaped like post-service's `comments` and `outbox` (the outbox with the same NOTIFY trigger).
 * Env: DATABASE_URL, PORT, AUTHOR_ID (the commenter).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const SCHEMA = 'http_baseline';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const authorId = process.env.AUTHOR_ID!;

await pool.query(`
  CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
  SET search_path TO ${SCHEMA};
  CREATE TABLE IF NOT EXISTS comments (
    id uuid PRIMARY KEY, post_id uuid NOT NULL, author_id uuid NOT NULL, text text NOT NULL, created_at timestamptz(3) NOT NULL);
  CREATE INDEX IF NOT EXISTS comments_post_id_id_idx ON comments (post_id, id);
  CREATE TABLE IF NOT EXISTS outbox (
    id uuid PRIMARY KEY, routing_key text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, published_at timestamptz(3));
  CREATE INDEX IF NOT EXISTS outbox_pending_idx ON outbox (created_at, id) WHERE published_at IS NULL;
  CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, ''); RETURN NULL; END $$;
  DROP TRIGGER IF EXISTS outbox_notify ON outbox;
  CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
  RESET search_path;`);

const app = Fastify({ logger: false });
const body = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } },
} as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

app.post<{ Params: { id: string }; Body: { text: string } }>('/api/v1/posts/:id/comments', { schema: { body, params } }, async (req, reply) => {
  const id = randomUUID();
  const createdAt = new Date();
  const text = req.body.text.trim();
  const comment = { id, postId: req.params.id, authorId, text, createdAt: createdAt.toISOString() };
  const event = { id: randomUUID(), type: 'comment.created', occurredAt: comment.createdAt, producer: 'baseline', version: 1, data: comment };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${SCHEMA}.comments (id, post_id, author_id, text, created_at) VALUES ($1, $2, $3, $4, $5)`, [id, comment.postId, authorId, text, createdAt]);
    await client.query(`INSERT INTO ${SCHEMA}.outbox (id, routing_key, payload) VALUES ($1, $2, $3)`, [event.id, event.type, event]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return reply.code(201).send({ comment });
});
app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
