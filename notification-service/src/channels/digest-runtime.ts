import type { EventBus, Logger } from '@herald/platform';
import { dispatchDigests, runDigests, type DigestRunResult } from '../app/run-digests.js';
import type { SendDeps } from '../app/send-delivery.js';
import { isClaimedDigest, type DigestStore, type DueDigest } from '../domain/digest-ports.js';
import type { Clock } from '../domain/ports.js';
import { renderDigestMessage, type DigestTemplates } from './digest-render.js';
import { channelRoutingKey } from './runtime.js';
import type { TrackingSigner } from './tracking.js';

export interface DigestRuntimeOptions {
  workBus: EventBus;
  store: DigestStore;
  publicUrl: string;
  /** Signs the digests' tracked links and open pixel. */
  signer: TrackingSigner;
  /** The `digest` templates per channel and locale; without them (or when they fail) the plain default digest. */
  templates?: DigestTemplates;
  clock: Clock;
  newId(at: Date): string;
  leaseMs: number;
  redispatchMs: number;
  /**
   * How often due digests are published (CHANNEL_SWEEP_MS, but at most once a second: digests are
   * few, and a run publishes what it queued at once).
   */
  dispatchIntervalMs: number;
  /** How often each instance looks for people whose digest time has come (DIGEST_SWEEP_MS). */
  runIntervalMs: number;
  logger: Logger;
}

export interface DigestRuntime {
  /** One digest sweep as of `at` (default now), then the dispatch of what it queued. */
  run(at?: Date): Promise<DigestRunResult>;
  /** Publishes the digests due now. */
  dispatch(): Promise<number>;
  /**
   * What the channel workers send a digest message `{d: digest id, c: channel}` with: the digests'
   * ledger and rendering in place of the deliveries' (channels/runtime.ts); the providers, retries,
   * metrics and notices are theirs.
   */
  readonly worker: Pick<SendDeps, 'store' | 'render'>;
  start(): void;
  stop(): Promise<void>;
}

/** A digest message on a channel queue: `{d, c}` beside deliveries' `{n, c}`, never on the urgent lane. */
export const digestMessageOf = (due: DueDigest) => ({
  routingKey: channelRoutingKey({ channel: due.channel, urgent: false }),
  messageId: `digest.${due.digestId}.${due.channel}`,
  body: { d: due.digestId, c: due.channel },
});

/**
 * The digests' timers on every instance (docs/channels.md "Digests"): every `dispatchIntervalMs`
 * publish the digests due (new, retries, re-dispatches, abandoned claims), and every
 * `runIntervalMs` sweep for people whose digest time has come. Every instance may do both at
 * once: run keys and row claims decide who does what.
 */
export function createDigestRuntime(opts: DigestRuntimeOptions): DigestRuntime {
  const { logger } = opts;
  const every = Math.max(opts.dispatchIntervalMs, 1000);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let ticking: Promise<void> | undefined;
  let failures = 0;
  let lastRun = 0;

  const publish = (due: readonly DueDigest[]) => opts.workBus.publish(due.map(digestMessageOf));
  const dispatch = () => dispatchDigests({ store: opts.store, clock: opts.clock, publish, redispatchMs: opts.redispatchMs, leaseMs: opts.leaseMs });
  const run = async (at?: Date) => {
    const asOf = at ?? opts.clock.now();
    const result = await runDigests({ store: opts.store, newId: opts.newId }, asOf);
    if (result.runs > 0) logger.info({ ...result, at: asOf.toISOString() }, 'digests queued');
    await dispatch();
    return result;
  };

  const tick = async () => {
    if (!running) return;
    ticking = (async () => {
      const now = opts.clock.now().getTime();
      if (now - lastRun >= opts.runIntervalMs) {
        await run();
        lastRun = now;
      } else {
        await dispatch();
      }
    })()
      .then(() => {
        failures = 0;
      })
      .catch((err) => {
        failures++;
        logger.warn({ err: err instanceof Error ? err.message : err, failures }, 'digest sweep failed; will retry');
      });
    await ticking;
    ticking = undefined;
    if (running) timer = setTimeout(() => void tick(), failures ? Math.min(every * 2 ** failures, 30_000) : every);
  };

  return {
    run,
    dispatch,
    worker: {
      store: opts.store,
      render: (d) => {
        if (!isClaimedDigest(d)) throw new Error('a digest claim carries its digest');
        return renderDigestMessage({ publicUrl: opts.publicUrl, signer: opts.signer, logger, ...(opts.templates ? { templates: opts.templates } : {}) }, d);
      },
    },
    start() {
      running = true;
      // The first sweep comes one interval after start (what is owed then is still owed: run keys
      // are per period); the dispatch of digests already queued starts at once.
      lastRun = opts.clock.now().getTime();
      timer = setTimeout(() => void tick(), 0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await ticking;
    },
  };
}
