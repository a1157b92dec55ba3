import { parseMentions } from '../domain/mentions.js';
import type { Mention } from '../domain/model.js';
import type { ContentTransaction } from '../domain/ports.js';
import { mentionsThatStand } from '../domain/reach.js';

/**
 * Resolves the @names in `text` against the local projection, in order of appearance. Names the
 * projection does not know stay plain text: no call to user-service, no error (docs/adr/0006).
 * Neither do the names of people with a block between them and the writer (docs/adr/0012): no
 * mention row, no notification, the text as written.
 */
export async function resolveMentions(tx: ContentTransaction, text: string, writerId: string): Promise<Mention[]> {
  const names = parseMentions(text);
  if (names.length === 0) return [];
  const byName = new Map((await tx.findUsersByUsernames(names)).map((u) => [u.username.toLowerCase(), u]));
  const resolved = names.flatMap((name) => {
    const user = byName.get(name);
    return user ? [{ userId: user.id, username: user.username }] : [];
  });
  const others = resolved.map((m) => m.userId).filter((id) => id !== writerId);
  return mentionsThatStand(resolved, await tx.blockedWith(writerId, others));
}

/** Who should be told they were mentioned: everyone named except the writer. */
export function mentionedOthers(mentions: Mention[], authorId: string): string[] {
  return mentions.map((m) => m.userId).filter((id) => id !== authorId);
}
