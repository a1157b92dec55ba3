/**
 * Verified tokens (by the whole Authorization header) and what they said, each until its expiry;
 * least recently used first out once `capacity` are held. A Map keeps insertion order, so a hit
 * moves its entry to the end and the first key is always the one to evict.
 *
 * Why a cache is safe: the verifier looks at nothing but the token and the clock, so a token that
 * verified keeps verifying until its `exp`. Only a service with no revocation list to consult may
 * use it (post-service); failures are never remembered.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(header: string, now: number): T | undefined {
    const entry = this.entries.get(header);
    if (!entry) return undefined;
    this.entries.delete(header);
    // jsonwebtoken refuses a token once floor(now / 1000) >= exp, i.e. from exp * 1000 ms on.
    if (now >= entry.expiresAt) return undefined;
    this.entries.set(header, entry);
    return entry.value;
  }

  set(header: string, value: T, expiresAt: number): void {
    this.entries.delete(header);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(header, { value, expiresAt });
  }
}
