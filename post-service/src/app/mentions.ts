import { parseMentions } from '../domain/mentions.js';
import type { Mention } from '../domain/model.js';
import type { ContentTransaction } from '../domain/ports.js';

/**
 * Resolves the @names in `text` against the local projection, in order of appearance. Names the
 * projection does not know stay plain text: no call to user-service, no error (docs/adr/0006).
 */
export async function resolveMentions(tx: ContentTransaction, text: string): Promise<Mention[]> {
  const names = parseMentions(text);
  if (names.length === 0) return [];
  const byName = new Map((await tx.findUsersByUsernames(names)).map((u) => [u.username.toLowerCase(), u]));
  return names.flatMap((name) => {
    const user = byName.get(name);
    return user ? [{ userId: user.id, username: user.username }] : [];
  });
}

/** Who should be told they were mentioned: everyone named except the writer. */
export function mentionedOthers(mentions: Mention[], authorId: string): string[] {
  return mentions.map((m) => m.userId).filter((id) => id !== authorId);
}
