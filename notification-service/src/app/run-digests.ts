import { decideDigestRow } from '../domain/digest.js';
import type { DigestCandidate, DigestRunKey, DigestStore, DueDigest, NewDigest, SettledRow } from '../domain/digest-ports.js';
import { latestDigestSlot } from '../domain/digest-schedule.js';
import { canonicalTimeZone } from '../domain/local-time.js';
import type { Clock } from '../domain/ports.js';
import { DEFAULT_PREFERENCES } from '../domain/preferences.js';

export interface DigestRunDeps {
  store: DigestStore;
  newId(at: Date): string;
}

export interface DigestRunResult {
  /** People with pending digest rows that were looked at. */
  candidates: number;
  /** Run keys this sweep claimed (each a person's digest of one frequency for one period). */
  runs: number;
  /** Digest messages queued (one per run and channel with something to send). */
  digests: number;
  /** Held rows taken by those runs (queued for a digest, skipped or cancelled). */
  rows: number;
}

/**
 * One digest sweep as of `at` (docs/channels.md "Digests"), safe on every instance at once:
 * 1. page through the people with pending digest rows (the partial index deliveries_digest_idx);
 * 2. for each, the latest digest slot at or before `at` in their zone at their digestHour (daily,
 *    or weekly on DIGEST_WEEKDAY): the period and its run key;
 * 3. keep the keys nobody claimed whose person has rows held since before the slot's instant;
 * 4. ONE transaction per page: claim those keys (INSERT ... ON CONFLICT DO NOTHING; a key another
 *    instance holds makes this one wait for its commit, then skip it), take the held rows of the keys
 *    won (FOR UPDATE SKIP LOCKED), decide each row with the preferences and addresses of now, and
 *    write one queued digest per person, period and channel with the rows pointing at it. Rolled
 *    back, none of it happened: the next sweep does it again.
 * The digests are then sent by the channel workers (dispatchDigests), one message per channel.
 */
export async function runDigests(deps: DigestRunDeps, at: Date, pageSize = 200): Promise<DigestRunResult> {
  const result: DigestRunResult = { candidates: 0, runs: 0, digests: 0, rows: 0 };
  let after: DigestCandidate | null = null;
  for (;;) {
    const page = await deps.store.candidates(after, pageSize);
    if (page.length === 0) break;
    after = page.at(-1)!;
    result.candidates += page.length;
    const { people, undeliverable } = await deps.store.people([...new Set(page.map((c) => c.recipientId))]);
    const keys = page.map((c): DigestRunKey => {
      const prefs = people.get(c.recipientId)?.preferences ?? DEFAULT_PREFERENCES;
      const zone = canonicalTimeZone(prefs.timezone ?? 'UTC') ?? 'UTC';
      const slot = latestDigestSlot(at, c.frequency, zone, prefs.digestHour ?? 8);
      return { recipientId: c.recipientId, frequency: c.frequency, period: slot.period, at: slot.at };
    });
    const due = await deps.store.unclaimed(keys);
    if (due.length > 0) {
      const done = await deps.store.run(async (batch) => {
        const won = await batch.claimRuns(due);
        if (won.length === 0) return { runs: 0, digests: 0, rows: 0 };
        const held = await batch.takeRows(won);
        const periodOf = new Map(won.map((k) => [`${k.recipientId}|${k.frequency}`, k.period]));
        const digests = new Map<string, NewDigest>();
        const settled: SettledRow[] = [];
        for (const row of held) {
          const person = people.get(row.recipientId);
          const decision = decideDigestRow({
            channel: row.channel,
            type: row.type,
            read: row.read,
            superseded: row.superseded,
            preferences: person?.preferences ?? DEFAULT_PREFERENCES,
            addresses: person?.addresses ?? {},
            undeliverable,
          });
          if (decision.status !== 'queued') {
            settled.push({ notificationId: row.notificationId, recipientId: row.recipientId, channel: row.channel, status: decision.status, reason: decision.reason, digestId: null });
            continue;
          }
          const key = `${row.recipientId}|${row.frequency}|${row.channel}`;
          let digest = digests.get(key);
          if (!digest) {
            digest = {
              id: deps.newId(new Date()),
              recipientId: row.recipientId,
              frequency: row.frequency,
              period: periodOf.get(`${row.recipientId}|${row.frequency}`)!,
              channel: row.channel,
              address: decision.address,
              notificationIds: [],
            };
            digests.set(key, digest);
          }
          digest.notificationIds.push(row.notificationId);
          settled.push({ notificationId: row.notificationId, recipientId: row.recipientId, channel: row.channel, status: 'queued', reason: null, digestId: digest.id });
        }
        await batch.settle(settled);
        await batch.insertDigests([...digests.values()]);
        return { runs: won.length, digests: digests.size, rows: held.length };
      });
      result.runs += done.runs;
      result.digests += done.digests;
      result.rows += done.rows;
    }
    if (page.length < pageSize) break;
  }
  return result;
}

export interface DigestDispatchDeps {
  store: DigestStore;
  clock: Clock;
  publish(due: readonly DueDigest[]): Promise<void>;
  redispatchMs: number;
  leaseMs: number;
}

/**
 * Digests due now (new ones, retries whose backoff ended, replays, a message lost after its
 * confirm, a claim whose worker died) are marked dispatched and committed, THEN published to their
 * channel queue, exactly as deliveries are (app/fire-fallbacks.ts). A refused publish is undone at once.
 */
export async function dispatchDigests(deps: DigestDispatchDeps, limit = 500): Promise<number> {
  const due = await deps.store.dispatch(deps.clock.now(), limit, deps.redispatchMs, deps.leaseMs);
  if (due.length === 0) return 0;
  try {
    await deps.publish(due);
  } catch (err) {
    await deps.store.undispatch(due).catch(() => {});
    throw err;
  }
  return due.length;
}
