import { parseMentions } from '../domain/mentions.js';
import type { Mention, UserSummary } from '../domain/model.js';
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
  const resolved = resolveNames(names, await tx.findUsersByUsernames(names));
  const others = resolved.map((m) => m.userId).filter((id) => id !== writerId);
  return mentionsThatStand(resolved, await tx.blockedWith(writerId, others));
}

/** The same from what was read already: `named` the live accounts among `names`, `blocked` those with a block either way with the writer. */
export function standingMentions(names: readonly string[], named: readonly UserSummary[], blocked: ReadonlySet<string>, writerId: string): Mention[] {
  const resolved = resolveNames(names, named);
  // The writer may mention themselves whatever the blocks table says (resolveMentions never asks about them).
  return mentionsThatStand(resolved, blocked.has(writerId) ? new Set([...blocked].filter((id) => id !== writerId)) : blocked);
}

/** Known names, in the order of `names` (lowercased); unknown ones drop out. */
function resolveNames(names: readonly string[], users: readonly UserSummary[]): Mention[] {
  const byName = new Map(users.map((u) => [u.username.toLowerCase(), u]));
  return names.flatMap((name) => {
    const user = byName.get(name);
    return user ? [{ userId: user.id, username: user.username }] : [];
  });
}

/** Who should be told they were mentioned: everyone named except the writer. */
export function mentionedOthers(mentions: Mention[], authorId: string): string[] {
  return mentions.map((m) => m.userId).filter((id) => id !== authorId);
}
