/**
 * `@username` mentions. A token is `@` followed by 3-32 of [A-Za-z0-9_], and counts only when it
 * stands on its own: not preceded by a word character or an email local-part character (so
 * `bob@example.com` mentions nobody) and not followed by another word character or `@` (so a
 * 33-character name is not silently truncated into a different, shorter one, and `@a@host`
 * addresses a remote account, not ours).
 */
export const MAX_MENTIONS = 50;

const MENTION = /(?<![\p{L}\p{N}\p{M}_.+\-@\/\\])@([A-Za-z0-9_]{3,32})(?![\p{L}\p{N}\p{M}_@])/gu;

/** Distinct lowercased usernames in order of first appearance, at most MAX_MENTIONS of them. */
export function parseMentions(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    seen.add(match[1]!.toLowerCase());
    if (seen.size === MAX_MENTIONS) break;
  }
  return [...seen];
}
