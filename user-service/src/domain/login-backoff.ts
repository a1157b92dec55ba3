/**
 * Online password guessing (docs/security.md). The gateway holds each address to a sign-in budget;
 * this holds each login name: after FREE_FAILURES consecutive failures, every further failure locks
 * the name for twice as long as the last one (1 s, 2 s, 4 s … at most MAX_LOCK_MS), and attempts
 * while locked are refused without checking the password. Counted per name whether or not an account
 * has it, so the answers are the same for existing and unknown accounts. A success clears it.
 */
export const FREE_FAILURES = 5;
export const MAX_LOCK_MS = 15 * 60_000;

/** How long a name is locked after its `failures`-th consecutive failure (0: not locked). */
export function lockAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, 1000 * 2 ** Math.min(30, failures - FREE_FAILURES));
}

/** The key failures are counted under: the login as typed, trimmed and lowercased. */
export function loginKey(login: string): string {
  return login.trim().toLowerCase().slice(0, 254);
}
