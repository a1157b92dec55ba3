import type { DomainEvent } from '@herald/contracts';
import type { CommentView, Mention, MessageView, NewComment, NewPost, PostView, UserSummary } from '../domain/model.js';
import { UsernameTakenError, type ContentStore, type ContentTransaction, type UserNameChanges, type UserProjection } from '../domain/ports.js';

type PostRow = NewPost & { likeCount: number; commentCount: number };

/** When each name was last set by an event (ms); absent: a stand-in, any event may set it. */
interface NamesAsOf {
  username?: number;
  displayName?: number;
}

interface State {
  users: Map<string, UserSummary>;
  usersAsOf: Map<string, NamesAsOf>;
  posts: Map<string, PostRow>;
  comments: Map<string, NewComment>;
  likes: Set<string>;
  messages: Map<string, MessageView>;
  outbox: DomainEvent[];
}

const likeKey = (postId: string, userId: string) => `${postId}/${userId}`;

/**
 * The ports in memory, for unit tests. Transactions run one at a time and roll back to a snapshot
 * on error, so a test sees the same all-or-nothing outcome the Postgres adapter gives.
 */
export class MemoryContentStore implements ContentStore, UserProjection {
  private state: State = { users: new Map(), usersAsOf: new Map(), posts: new Map(), comments: new Map(), likes: new Set(), messages: new Map(), outbox: [] };
  private queue: Promise<unknown> = Promise.resolve();

  get outbox(): readonly DomainEvent[] {
    return this.state.outbox;
  }

  get messages(): MessageView[] {
    return [...this.state.messages.values()];
  }

  /** `asOf` defaults to now, for tests that seed users directly. */
  async upsert(user: UserSummary, asOf: Date = new Date()): Promise<void> {
    const id = user.id.toLowerCase();
    if (!this.state.users.has(id)) {
      this.assertUsernameFree(id, user.username);
      this.state.users.set(id, { ...user, id });
      this.state.usersAsOf.set(id, { username: asOf.getTime(), displayName: asOf.getTime() });
      return;
    }
    await this.update(id, { username: user.username, displayName: user.displayName }, asOf);
  }

  async update(id: string, changes: UserNameChanges, asOf: Date): Promise<boolean> {
    const key = id.toLowerCase();
    const known = this.state.users.get(key);
    if (!known) return false;
    const at = asOf.getTime();
    const stamps = this.state.usersAsOf.get(key) ?? {};
    const newer = (field: keyof NamesAsOf) => changes[field] !== undefined && (stamps[field] === undefined || stamps[field]! < at);
    if (newer('username')) this.assertUsernameFree(key, changes.username!);
    const next = { ...known };
    for (const field of ['username', 'displayName'] as const) {
      if (!newer(field)) continue;
      next[field] = changes[field]!;
      stamps[field] = at;
    }
    this.state.users.set(key, next);
    this.state.usersAsOf.set(key, stamps);
    return true;
  }

  private assertUsernameFree(id: string, username: string): void {
    const lower = username.toLowerCase();
    const other = [...this.state.users.values()].find((u) => u.username.toLowerCase() === lower && u.id !== id);
    if (other) throw new UsernameTakenError(username);
  }

  transaction<T>(work: (tx: ContentTransaction) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const snapshot = structuredClone(this.state);
      try {
        return await work(this.tx());
      } catch (err) {
        this.state = snapshot;
        throw err;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async findPost(id: string, viewerId: string): Promise<PostView | null> {
    const post = this.state.posts.get(id.toLowerCase());
    return post ? this.view(post, viewerId) : null;
  }

  async postExists(id: string): Promise<boolean> {
    return this.state.posts.has(id.toLowerCase());
  }

  async listPostsByAuthor(authorId: string, page: { before?: string; limit: number }, viewerId: string): Promise<PostView[]> {
    return [...this.state.posts.values()]
      .filter((p) => p.authorId === authorId.toLowerCase() && (!page.before || p.id < page.before))
      .sort((a, b) => (a.id < b.id ? 1 : -1))
      .slice(0, page.limit)
      .map((p) => this.view(p, viewerId));
  }

  async listComments(postId: string, page: { after?: string; limit: number }): Promise<CommentView[]> {
    return [...this.state.comments.values()]
      .filter((c) => c.postId === postId.toLowerCase() && (!page.after || c.id > page.after))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, page.limit)
      .map((c) => ({ id: c.id, postId: c.postId, author: this.user(c.authorId), text: c.text, mentions: this.mentions(c.mentionIds), createdAt: c.createdAt }));
  }

  private tx(): ContentTransaction {
    const s = this.state;
    return {
      findUser: async (id) => s.users.get(id.toLowerCase()) ?? null,
      findUsersByUsernames: async (names) => [...s.users.values()].filter((u) => names.includes(u.username.toLowerCase())),
      ensureUser: async (user) => {
        if (!s.users.has(user.id)) s.users.set(user.id, { ...user });
      },
      findPostRef: async (id) => {
        const post = s.posts.get(id.toLowerCase());
        return post ? { id: post.id, authorId: post.authorId, text: post.text } : null;
      },
      insertPost: async (post) => {
        s.posts.set(post.id, { ...post, likeCount: 0, commentCount: 0 });
      },
      insertComment: async (comment) => {
        s.comments.set(comment.id, { ...comment });
        s.posts.get(comment.postId)!.commentCount++;
      },
      addLike: async (postId, userId) => {
        if (s.likes.has(likeKey(postId, userId))) return false;
        s.likes.add(likeKey(postId, userId));
        s.posts.get(postId)!.likeCount++;
        return true;
      },
      removeLike: async (postId, userId) => {
        if (!s.likes.delete(likeKey(postId.toLowerCase(), userId))) return false;
        s.posts.get(postId.toLowerCase())!.likeCount--;
        return true;
      },
      insertMessage: async (message) => {
        s.messages.set(message.id, { ...message });
      },
      enqueue: async (event) => {
        s.outbox.push(event);
      },
    };
  }

  private view(post: PostRow, viewerId: string): PostView {
    return {
      id: post.id,
      author: this.user(post.authorId),
      text: post.text,
      mentions: this.mentions(post.mentionIds),
      likeCount: post.likeCount,
      commentCount: post.commentCount,
      likedByMe: this.state.likes.has(likeKey(post.id, viewerId)),
      createdAt: post.createdAt,
    };
  }

  private user(id: string): UserSummary {
    return { ...this.state.users.get(id)! };
  }

  private mentions(ids: string[]): Mention[] {
    return ids.map((id) => ({ userId: id, username: this.user(id).username }));
  }
}
