/**
 * Rules for the text of posts, comments and messages. Lengths count Unicode code points, the same
 * unit JSON Schema's maxLength uses at the HTTP edge, so the two limits can never disagree.
 */
export const POST_TEXT_MAX = 5000;
export const COMMENT_TEXT_MAX = 2000;
export const MESSAGE_TEXT_MAX = 2000;
export const EXCERPT_LENGTH = 140;

export type TextCheck = { ok: true; text: string } | { ok: false; problem: string };

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// A lone UTF-16 surrogate is not text: PostgreSQL refuses it in jsonb (the outbox) and it would be
// stored as U+FFFD in text columns, so the post and its event would disagree.
const LONE_SURROGATE = /\p{Cs}/u;

/** Trims, then requires 1..max code points. NUL is refused because PostgreSQL text cannot hold it. */
export function checkText(raw: string, max: number): TextCheck {
  if (raw.includes('\u0000')) return { ok: false, problem: 'must not contain NUL characters' };
  if (LONE_SURROGATE.test(raw)) return { ok: false, problem: 'must be valid Unicode (no lone surrogates)' };
  const text = raw.trim();
  if (text.length === 0) return { ok: false, problem: 'must not be blank' };
  if (codePointLength(text) > max) return { ok: false, problem: `must be at most ${max} characters` };
  return { ok: true, text };
}

/** The first 140 code points, for notifications; never splits a surrogate pair. */
export function excerptOf(text: string): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (n++ === EXCERPT_LENGTH) return out;
    out += ch;
  }
  return out;
}
