import type { Session } from './session.js';

/** The sockets this instance holds, by user: what deliver() writes to and presence advertises. */
export class LocalSessions {
  private readonly byUser = new Map<string, Set<Session>>();
  private total = 0;

  /** Returns true when this is the user's first socket here (their presence must be registered). */
  add(session: Session): boolean {
    let set = this.byUser.get(session.userId);
    const first = !set;
    if (!set) this.byUser.set(session.userId, (set = new Set()));
    set.add(session);
    this.total++;
    return first;
  }

  /** `last` when it removed the user's last socket here (their presence can go). */
  remove(session: Session): { removed: boolean; last: boolean } {
    const set = this.byUser.get(session.userId);
    if (!set?.delete(session)) return { removed: false, last: false };
    this.total--;
    if (set.size > 0) return { removed: true, last: false };
    this.byUser.delete(session.userId);
    return { removed: true, last: true };
  }

  of(userId: string): ReadonlySet<Session> | undefined {
    return this.byUser.get(userId);
  }

  countFor(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  get size(): number {
    return this.total;
  }

  get users(): number {
    return this.byUser.size;
  }

  userIds(): string[] {
    return [...this.byUser.keys()];
  }

  /** Walks every session without a copy; `visit` must not add or remove any. */
  forEach(visit: (session: Session) => void): void {
    for (const set of this.byUser.values()) for (const session of set) visit(session);
  }

  /** A snapshot, so callers may close sessions while walking it. */
  all(): Session[] {
    const out: Session[] = [];
    for (const set of this.byUser.values()) for (const session of set) out.push(session);
    return out;
  }
}
