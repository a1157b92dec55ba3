import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { DomainEvent } from '@herald/contracts';
import { applyMigrations, createPgPool, uuidv7 } from '@herald/platform';
import { createTestDatabase, type TestDatabase } from '@herald/platform/testing';
import { MemoryContentStore } from '../../src/adapters/memory-content-store.js';
import { createPrismaClient, type PostPrisma } from '../../src/adapters/prisma-client.js';
import { PrismaContentStore } from '../../src/adapters/prisma-content-store.js';
import { PrismaUserProjection } from '../../src/adapters/prisma-user-projection.js';
import { PostgresFeedReader } from '../../src/adapters/postgres-feed-reader.js';
import { commentCreated, messageSent, postCreated, postLiked } from '../../src/app/events.js';
import type { FeedReader } from '../../src/domain/feed.js';
import type { CommentView, MessageView, NewComment, NewPost, PostView, UserSummary } from '../../src/domain/model.js';
import type { ContentStore, UserProjection } from '../../src/domain/ports.js';
import { aUser } from '../support/fixtures.js';

/**
 * The ports of one backend over one "database" (they share it: the projection's users author the
 * store's posts, an erase takes their content), and what the ports themselves cannot read back.
 */
export interface Backend {
  store: ContentStore;
  users: UserProjection;
  feed: FeedReader;
  /** Every event committed so far, in the order the relay publishes them. */
  outbox(): Promise<DomainEvent[]>;
  /** Every direct message stored, oldest first. */
  messages(): Promise<MessageView[]>;
}

/** Builds the ports of a backend; each contract calls it once and keeps to its own users. */
export type MakeBackend = () => Promise<Backend>;

/** A fresh in-memory store, which is all three ports at once. */
export const memoryBackend: MakeBackend = async () => {
  const memory = new MemoryContentStore();
  return {
    store: memory,
    users: memory,
    feed: memory,
    outbox: async () => [...memory.outbox],
    messages: async () => memory.messages.sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
};

const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));
const SCHEMA = 'posts';

/**
 * The PostgreSQL adapters as the service builds them (service.ts), on a database of their own,
 * migrated by the real runner (created on the first make(), dropped by close()).
 */
export function prismaBackend(prefix: string): { make: MakeBackend; close(): Promise<void> } {
  let setup: Promise<{ db: TestDatabase; pool: pg.Pool; prisma: PostPrisma; backend: Backend }> | undefined;
  return {
    make: async () => {
      setup ??= (async () => {
        const db = await createTestDatabase(prefix);
        const pool = createPgPool(db.url, { max: 8 });
        await applyMigrations({ pool, schema: SCHEMA, migrationsDir: MIGRATIONS_DIR });
        const prisma = createPrismaClient(pool, SCHEMA);
        const backend: Backend = {
          store: new PrismaContentStore(prisma, SCHEMA, pool),
          users: new PrismaUserProjection(prisma, SCHEMA),
          feed: new PostgresFeedReader(pool, SCHEMA),
          outbox: async () => (await pool.query<{ payload: DomainEvent }>(`SELECT payload FROM "${SCHEMA}".outbox ORDER BY created_at, id`)).rows.map((r) => r.payload),
          messages: async () =>
            (
              await pool.query<MessageView>(
                `SELECT id::text AS id, from_user_id::text AS "fromUserId", to_user_id::text AS "toUserId", text, created_at AS "createdAt" FROM "${SCHEMA}".messages ORDER BY id`,
              )
            ).rows,
        };
        return { db, pool, prisma, backend };
      })();
      return (await setup).backend;
    },
    async close() {
      if (!setup) return;
      const { db, pool, prisma } = await setup;
      await prisma.$disconnect();
      await pool.end();
      await db.drop();
    },
  };
}

// --- what the contracts write ---------------------------------------------------------------

/** A timestamp of a whole millisecond (the tables keep milliseconds), `ms` after a fixed instant. */
export const at = (ms = 0) => new Date(Date.UTC(2027, 0, 1, 12) + ms);

/** Projects `count` new users (user.registered as of `at()`), unique in every store. */
export async function people(b: Backend, count: number): Promise<UserSummary[]> {
  const made: UserSummary[] = [];
  for (let i = 0; i < count; i++) {
    const user = aUser();
    await b.users.upsert(user, at());
    made.push(user);
  }
  return made;
}

/** A post as the use case makes it: ids increase with every call (uuidv7 is monotonic). */
export const aPost = (author: Pick<UserSummary, 'id'>, overrides: Partial<NewPost> = {}): NewPost => ({
  id: uuidv7(),
  authorId: author.id,
  text: `post ${Math.random().toString(36).slice(2, 8)}`,
  mentionIds: [],
  createdAt: at(),
  ...overrides,
});

export const aComment = (post: Pick<NewPost, 'id'>, author: Pick<UserSummary, 'id'>, overrides: Partial<NewComment> = {}): NewComment => ({
  id: uuidv7(),
  postId: post.id,
  authorId: author.id,
  text: `comment ${Math.random().toString(36).slice(2, 8)}`,
  mentionIds: [],
  createdAt: at(),
  ...overrides,
});

/** Inserts posts one transaction each, as createPost does; returns them. */
export async function publish(b: Backend, ...posts: NewPost[]): Promise<NewPost[]> {
  for (const post of posts) await b.store.transaction((tx) => tx.insertPost(post));
  return posts;
}

export async function comment(b: Backend, ...comments: NewComment[]): Promise<NewComment[]> {
  for (const c of comments) await b.store.transaction((tx) => tx.insertComment(c));
  return comments;
}

export const like = (b: Backend, postId: string, userId: string, when = at()) => b.store.transaction((tx) => tx.addLike(postId, userId, when));
export const unlike = (b: Backend, postId: string, userId: string) => b.store.transaction((tx) => tx.removeLike(postId, userId));

/** The view findPost should give of `post` written by `author`, with these counters. */
export const viewOf = (post: NewPost, author: UserSummary, extra: Partial<PostView> = {}): PostView => ({
  id: post.id,
  author,
  text: post.text,
  mentions: [],
  likeCount: 0,
  commentCount: 0,
  likedByMe: false,
  createdAt: post.createdAt,
  ...extra,
});

export const commentViewOf = (c: NewComment, author: UserSummary, extra: Partial<CommentView> = {}): CommentView => ({
  id: c.id,
  postId: c.postId,
  author,
  text: c.text,
  mentions: [],
  createdAt: c.createdAt,
  ...extra,
});

/** Events of the kinds post-service emits, valid by construction. */
export const events = {
  post: (post: NewPost, author: UserSummary) => postCreated(viewOf(post, author)),
  comment: (c: NewComment, author: UserSummary, postAuthorId: string) => commentCreated(commentViewOf(c, author), { id: c.postId, authorId: postAuthorId }),
  like: (postId: string, postAuthorId: string, liker: UserSummary) => postLiked({ id: postId, authorId: postAuthorId, text: 'liked' }, liker, at()),
  message: (m: MessageView, sender: UserSummary) => messageSent(m, sender),
};

/** The ids, among `wanted`, that the outbox holds (a repeat shows twice), in outbox order. */
export async function written(b: Backend, ...wanted: Array<{ id: string }>): Promise<string[]> {
  const ids = new Set(wanted.map((e) => e.id));
  return (await b.outbox()).filter((e) => ids.has(e.id)).map((e) => e.id);
}

/** What a promise rejected with; fails when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}
