import type { DirectMessagePolicy, DomainEvent } from '@herald/contracts';
import { DomainError } from '@herald/platform/domain-error';
import type { CommentView, MessageView, NewComment, NewPost, PostRef, PostView, UserSummary } from './model.js';
import type { MessagingRelation } from './reach.js';

/**
 * The ports use cases talk to. A write happens inside `ContentStore.transaction`: the domain rows
 * and the outbox rows of the events it causes commit together or not at all (docs/architecture.md, invariant 1).
 */
export interface ContentReader {
  findPost(id: string, viewerId: string): Promise<PostView | null>;
  /** Newest first, ids strictly below `before` when given; at most `limit` rows. */
  listPostsByAuthor(authorId: string, page: { before?: string; limit: number }, viewerId: string): Promise<PostView[]>;
  /** Oldest first, ids strictly above `after` when given; at most `limit` rows. */
  listComments(postId: string, page: { after?: string; limit: number }): Promise<CommentView[]>;
  postExists(id: string): Promise<boolean>;
}

export interface ContentTransaction {
  /**
   * A live account of the projection; null for an unknown or deleted one. Holds the row (FOR SHARE)
   * until commit, so an account deletion either waits for this write, and erases it too, or is seen by it.
   */
  findUser(id: string): Promise<UserSummary | null>;
  /** Looks up lowercased usernames of live accounts; unknown ones are simply absent from the result. */
  findUsersByUsernames(lowercased: string[]): Promise<UserSummary[]>;
  /**
   * Records a user the projection has not seen yet (from a verified token); never overwrites.
   * False when the id is a deleted account's (its tombstone stays): the caller must refuse the write.
   * Throws UsernameTakenError when the id is unknown and another live account of the projection
   * holds the username (a rename still in flight): nothing is recorded.
   */
  ensureUser(user: UserSummary): Promise<boolean>;
  findPostRef(id: string): Promise<PostRef | null>;
  insertPost(post: NewPost): Promise<void>;
  /** Inserts the comment and bumps the post's comment count in the same transaction. */
  insertComment(comment: NewComment): Promise<void>;
  /** True only when a new like row was created (and the post's like count went up by one). */
  addLike(postId: string, userId: string, at: Date): Promise<boolean>;
  /** True only when a like row was removed (and the post's like count went down by one). */
  removeLike(postId: string, userId: string): Promise<boolean>;
  insertMessage(message: MessageView): Promise<void>;
  /** Whether either blocks the other, the recipient's policy, and whether the recipient follows the sender. */
  messagingRelation(senderId: string, recipientId: string): Promise<MessagingRelation>;
  /** Of `userIds`, those with a block either way with `writerId` (one query for all of a text's mentions). */
  blockedWith(writerId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Writes the event to the outbox; the relay publishes it after commit. */
  enqueue(event: DomainEvent): Promise<void>;
}

/**
 * What adding a comment needs to know, read in one round trip, without locks (as the reads of the
 * transactional path, which take none but the writer's FOR SHARE; writeComment takes that one).
 */
export interface CommentContext {
  /** The post and its author; null when there is no such post. */
  post: Pick<PostRef, 'id' | 'authorId'> | null;
  /** The writer as the projection has them; 'deleted' for a tombstone, null when not projected. */
  writer: UserSummary | 'deleted' | null;
  /** The live accounts among the lowercased `names` asked for, in any order. */
  named: UserSummary[];
  /** Of `named`, the ids with a block either way with the writer. */
  blockedWithWriter: Set<string>;
}

/** How writeComment ended: nothing is written unless 'written'. */
export type CommentWrite = 'written' | 'no_post' | 'writer_changed';

export interface ContentStore extends ContentReader {
  transaction<T>(work: (tx: ContentTransaction) => Promise<T>): Promise<T>;
  /** The reads of adding a comment in one go (the post, the writer, the mentioned names and the blocks among them). */
  readCommentContext(postId: string, writerId: string, names: readonly string[]): Promise<CommentContext>;
  /**
   * The comment, its mention rows, the post's counter and the outbox row of `event`, all or nothing,
   * only while the post exists and `writer` is still a live account with exactly these names (held
   * FOR SHARE until commit, like ContentTransaction.findUser, so an account deletion either waits
   * for this write and erases it too, or is seen by it). One statement on PostgreSQL.
   */
  writeComment(comment: NewComment, writer: UserSummary, event: DomainEvent): Promise<CommentWrite>;
}

/** A partial change of a projected user (user.updated): only the fields given change. */
export interface UserChanges {
  username?: string;
  displayName?: string;
  directMessages?: DirectMessagePolicy;
}

/**
 * The projection of user-service accounts, blocks and follows, written only by the user events
 * consumer. Each field, block and follow is set only by an event newer (`asOf`, the event's
 * occurredAt) than the one that last set it, so redelivered and reordered events cannot move it
 * backwards. Nothing is written about a deleted account (a tombstone) any more.
 */
export interface UserProjection {
  /** user.registered: inserts, or refreshes each name of a known id that is older than `asOf`. Safe to repeat. A tombstone is left as it is. */
  upsert(user: UserSummary, asOf: Date): Promise<void>;
  /**
   * user.updated: changes the given fields that are older than `asOf`; false when the id is not
   * projected. A tombstone counts as projected and is left as it is.
   */
  update(id: string, changes: UserChanges, asOf: Date): Promise<boolean>;
  /** user.blocked (`active`) / user.unblocked: the pair's state, unless what it holds is as new or newer. */
  setBlock(blockerId: string, blockedId: string, active: boolean, asOf: Date): Promise<void>;
  /** user.followed (`active`) / user.unfollowed: the edge's state, with the same rule. */
  setFollow(followerId: string, followeeId: string, active: boolean, asOf: Date): Promise<void>;
  /**
   * user.deleted, in one transaction: the row becomes a tombstone first (names blanked, `deletedAt`
   * set; inserted if the account was never projected), so nothing later brings it back; then the
   * account's content goes (decided in docs/api.md "Account deletion"): its posts (with every comment,
   * like and mention on them), its comments and likes on other posts (their counters go down), the
   * mentions of it in other people's posts and comments (the text stays as written), and the messages
   * it sent, and its blocks and follows both ways. Idempotent: a second call finds nothing left and
   * returns zero counts.
   */
  erase(id: string, deletedAt: Date): Promise<ErasedContent>;
}

/** What an erase removed (for the log line). */
export interface ErasedContent {
  posts: number;
  comments: number;
  likes: number;
  mentions: number;
  messages: number;
  /** Blocks and follow edges, either way. */
  relations: number;
}

/**
 * A projected user's username already belongs to another user in the projection. The user
 * projection raises it; the user-event consumer refuses the event (not retried).
 */
export class UsernameTakenError extends DomainError {
  override name = 'UsernameTakenError';
  constructor(readonly username: string) {
    super('username_taken', `username ${username} already belongs to another user in the projection`);
  }
}

export interface Clock {
  now(): Date;
}
