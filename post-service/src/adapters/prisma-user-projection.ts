import type { UserSummary } from '../domain/model.js';
import { UsernameTakenError, type ErasedContent, type UserChanges, type UserProjection } from '../domain/ports.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostPrisma } from './prisma-client.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * One statement per event, so concurrent redeliveries cannot race: each name (and the direct-message
 * policy, each block and each follow) is replaced only when the event is newer than the one that set
 * it (`*_as_of`; NULL for stand-ins and older rows). Raw
 * SQL because Prisma cannot express "set this column only when that one is older"; it names the
 * schema itself, which Prisma does for its own queries only.
 */
export class PrismaUserProjection implements UserProjection {
  private readonly users: Prisma.Sql;
  private readonly t: Record<'posts' | 'comments' | 'likes' | 'postMentions' | 'commentMentions' | 'messages' | 'blocks' | 'follows', Prisma.Sql>;

  constructor(
    private readonly prisma: PostPrisma,
    schema: string,
  ) {
    if (!IDENTIFIER.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    const table = (name: string) => Prisma.raw(`"${schema}"."${name}"`);
    this.users = table('users');
    this.t = {
      posts: table('posts'),
      comments: table('comments'),
      likes: table('likes'),
      postMentions: table('post_mentions'),
      commentMentions: table('comment_mentions'),
      messages: table('messages'),
      blocks: table('blocks'),
      follows: table('follows'),
    };
  }

  async upsert(user: UserSummary, asOf: Date): Promise<void> {
    const newerName = Prisma.sql`(cur.username_as_of IS NULL OR cur.username_as_of < EXCLUDED.username_as_of)`;
    const newerDisplay = Prisma.sql`(cur.display_name_as_of IS NULL OR cur.display_name_as_of < EXCLUDED.display_name_as_of)`;
    await this.write(
      user.username,
      this.prisma.$executeRaw`
        INSERT INTO ${this.users} AS cur (id, username, username_lower, display_name, username_as_of, display_name_as_of, updated_at)
        VALUES (${user.id}::uuid, ${user.username}, ${user.username.toLowerCase()}, ${user.displayName}, ${asOf}, ${asOf}, now())
        ON CONFLICT (id) DO UPDATE SET
          username = CASE WHEN ${newerName} THEN EXCLUDED.username ELSE cur.username END,
          username_lower = CASE WHEN ${newerName} THEN EXCLUDED.username_lower ELSE cur.username_lower END,
          username_as_of = GREATEST(cur.username_as_of, EXCLUDED.username_as_of),
          display_name = CASE WHEN ${newerDisplay} THEN EXCLUDED.display_name ELSE cur.display_name END,
          display_name_as_of = GREATEST(cur.display_name_as_of, EXCLUDED.display_name_as_of),
          updated_at = now()
        WHERE cur.deleted_at IS NULL`,
    );
  }

  async update(id: string, changes: UserChanges, asOf: Date): Promise<boolean> {
    const username = changes.username ?? null;
    // Lowercased here, like every other writer of username_lower and the mention lookup, never by SQL.
    const usernameLower = username?.toLowerCase() ?? null;
    const displayName = changes.displayName ?? null;
    const directMessages = changes.directMessages ?? null;
    // A tombstone matches (the id is known: nothing to retry) but no field of it changes.
    const newer = (value: string | null, asOfColumn: string) =>
      Prisma.sql`(${value}::text IS NOT NULL AND deleted_at IS NULL AND (${Prisma.raw(asOfColumn)} IS NULL OR ${Prisma.raw(asOfColumn)} < ${asOf}))`;
    const newerName = newer(username, 'username_as_of');
    const newerDisplay = newer(displayName, 'display_name_as_of');
    const newerPolicy = newer(directMessages, 'direct_messages_as_of');
    const count = await this.write(
      username ?? '',
      this.prisma.$executeRaw`
        UPDATE ${this.users} SET
          username = CASE WHEN ${newerName} THEN ${username}::text ELSE username END,
          username_lower = CASE WHEN ${newerName} THEN ${usernameLower}::text ELSE username_lower END,
          username_as_of = CASE WHEN ${newerName} THEN ${asOf} ELSE username_as_of END,
          display_name = CASE WHEN ${newerDisplay} THEN ${displayName}::text ELSE display_name END,
          display_name_as_of = CASE WHEN ${newerDisplay} THEN ${asOf} ELSE display_name_as_of END,
          direct_messages = CASE WHEN ${newerPolicy} THEN ${directMessages}::text ELSE direct_messages END,
          direct_messages_as_of = CASE WHEN ${newerPolicy} THEN ${asOf} ELSE direct_messages_as_of END,
          updated_at = now()
        WHERE id = ${id}::uuid`,
    );
    return count > 0;
  }

  async setBlock(blockerId: string, blockedId: string, active: boolean, asOf: Date): Promise<void> {
    await this.setRelation(this.t.blocks, Prisma.sql`blocker_id, blocked_id`, Prisma.sql`(blocker_id, blocked_id)`, blockerId, blockedId, active, asOf);
  }

  async setFollow(followerId: string, followeeId: string, active: boolean, asOf: Date): Promise<void> {
    await this.setRelation(this.t.follows, Prisma.sql`follower_id, followee_id`, Prisma.sql`(follower_id, followee_id)`, followerId, followeeId, active, asOf);
  }

  /**
   * One statement: the pair's state, only when this event is newer than the one that set it (an
   * unset pair keeps a row with active = false for the same reason), and never with a deleted account.
   */
  private async setRelation(table: Prisma.Sql, columns: Prisma.Sql, key: Prisma.Sql, from: string, to: string, active: boolean, asOf: Date): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO ${table} AS cur (${columns}, active, as_of)
      SELECT ${from}::uuid, ${to}::uuid, ${active}, ${asOf}
      WHERE NOT EXISTS (SELECT 1 FROM ${this.users} WHERE id IN (${from}::uuid, ${to}::uuid) AND deleted_at IS NOT NULL)
      ON CONFLICT ${key} DO UPDATE SET active = EXCLUDED.active, as_of = EXCLUDED.as_of
      WHERE cur.as_of < EXCLUDED.as_of`;
  }

  /**
   * The tombstone first: its row lock makes a write of this account in flight (which holds the row
   * FOR SHARE, see PrismaContentStore.findUser) finish before the deletes below, so they take it
   * too; later writes see the tombstone and are refused. Counters go down only for rows really
   * deleted here, and before the rows go, so a repeat finds nothing and changes nothing.
   */
  async erase(id: string, deletedAt: Date): Promise<ErasedContent> {
    const { users } = this;
    const { posts, comments, likes, postMentions, commentMentions, messages, blocks, follows } = this.t;
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO ${users} AS cur (id, username, username_lower, display_name, deleted_at, updated_at)
        VALUES (${id}::uuid, '', '', '', ${deletedAt}, now())
        ON CONFLICT (id) DO UPDATE SET username = '', username_lower = '', display_name = '',
          deleted_at = COALESCE(cur.deleted_at, EXCLUDED.deleted_at), updated_at = now()`;
      // Their posts, with every comment, like and mention on them (ON DELETE CASCADE).
      const erasedPosts = await tx.$executeRaw`DELETE FROM ${posts} WHERE author_id = ${id}::uuid`;
      // Their comments and likes on other people's posts: the counters first, then the rows.
      await tx.$executeRaw`
        UPDATE ${posts} p SET comment_count = p.comment_count - c.n
        FROM (SELECT post_id, count(*)::int AS n FROM ${comments} WHERE author_id = ${id}::uuid GROUP BY post_id) c
        WHERE p.id = c.post_id`;
      const erasedComments = await tx.$executeRaw`DELETE FROM ${comments} WHERE author_id = ${id}::uuid`;
      await tx.$executeRaw`
        UPDATE ${posts} p SET like_count = p.like_count - 1 FROM ${likes} l WHERE l.user_id = ${id}::uuid AND p.id = l.post_id`;
      const erasedLikes = await tx.$executeRaw`DELETE FROM ${likes} WHERE user_id = ${id}::uuid`;
      // Mentions of them elsewhere: the link goes, the text stays as its writer wrote it.
      const erasedMentions =
        (await tx.$executeRaw`DELETE FROM ${postMentions} WHERE user_id = ${id}::uuid`) +
        (await tx.$executeRaw`DELETE FROM ${commentMentions} WHERE user_id = ${id}::uuid`);
      // What they sent; what others sent them stays with its sender (to_user_id keeps the tombstone).
      const erasedMessages = await tx.$executeRaw`DELETE FROM ${messages} WHERE from_user_id = ${id}::uuid`;
      // Their blocks and follows both ways: nobody can message or mention a tombstone anyway.
      const erasedRelations =
        (await tx.$executeRaw`DELETE FROM ${blocks} WHERE blocker_id = ${id}::uuid OR blocked_id = ${id}::uuid`) +
        (await tx.$executeRaw`DELETE FROM ${follows} WHERE follower_id = ${id}::uuid OR followee_id = ${id}::uuid`);
      return { posts: erasedPosts, comments: erasedComments, likes: erasedLikes, mentions: erasedMentions, messages: erasedMessages, relations: erasedRelations };
    });
  }

  /** The only unique key besides the id (which these statements never conflict on) is username_lower (of live accounts). */
  private async write(username: string, statement: Promise<number>): Promise<number> {
    try {
      return await statement;
    } catch (err) {
      if (isUniqueViolation(err)) throw new UsernameTakenError(username);
      throw err;
    }
  }
}

/** P2002 from Prisma's own queries; a raw statement reports SQLSTATE 23505 inside its P2010 meta. */
function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  return err.code === 'P2002' || (err.code === 'P2010' && /23505|UniqueConstraintViolation/.test(JSON.stringify(err.meta ?? {})));
}
