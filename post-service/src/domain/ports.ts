import type { DomainEvent } from '@herald/contracts';
import type { CommentView, MessageView, NewComment, NewPost, PostRef, PostView, UserSummary } from './model.js';

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
  findUser(id: string): Promise<UserSummary | null>;
  /** Looks up lowercased usernames; unknown ones are simply absent from the result. */
  findUsersByUsernames(lowercased: string[]): Promise<UserSummary[]>;
  /** Records a user the projection has not seen yet (from a verified token); never overwrites. */
  ensureUser(user: UserSummary): Promise<void>;
  findPostRef(id: string): Promise<PostRef | null>;
  insertPost(post: NewPost): Promise<void>;
  /** Inserts the comment and bumps the post's comment count in the same transaction. */
  insertComment(comment: NewComment): Promise<void>;
  /** True only when a new like row was created (and the post's like count went up by one). */
  addLike(postId: string, userId: string, at: Date): Promise<boolean>;
  /** True only when a like row was removed (and the post's like count went down by one). */
  removeLike(postId: string, userId: string): Promise<boolean>;
  insertMessage(message: MessageView): Promise<void>;
  /** Writes the event to the outbox; the relay publishes it after commit. */
  enqueue(event: DomainEvent): Promise<void>;
}

export interface ContentStore extends ContentReader {
  transaction<T>(work: (tx: ContentTransaction) => Promise<T>): Promise<T>;
}

/** A partial change of a projected user (user.updated): only the fields given change. */
export interface UserNameChanges {
  username?: string;
  displayName?: string;
}

/**
 * The projection of user-service accounts, written only by the user events consumer. Each name is
 * set only by an event newer (`asOf`, the event's occurredAt) than the one that last set it, so
 * redelivered and reordered events cannot move it backwards.
 */
export interface UserProjection {
  /** user.registered: inserts, or refreshes each name of a known id that is older than `asOf`. Safe to repeat. */
  upsert(user: UserSummary, asOf: Date): Promise<void>;
  /** user.updated: changes the given names that are older than `asOf`; false when the id is not projected. */
  update(id: string, changes: UserNameChanges, asOf: Date): Promise<boolean>;
}

export class UsernameTakenError extends Error {
  override name = 'UsernameTakenError';
  constructor(readonly username: string) {
    super(`username ${username} already belongs to another user in the projection`);
  }
}

export interface Clock {
  now(): Date;
}
