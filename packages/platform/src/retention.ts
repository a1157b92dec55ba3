import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

/**
 * One kind of row that ages out. `deleteBatch` removes at most `limit` rows that are due at `now`
 * and says how many it removed; it must claim them with `FOR UPDATE SKIP LOCKED` (or otherwise be
 * safe to run on several instances at once), so two instances never wait on each other's batch.
 */
export interface RetentionTask {
  /** Names the task in logs and in the metric's `table` label (e.g. `receipts`). */
  name: string;
  deleteBatch(now: Date, limit: number): Promise<number>;
}

export interface RetentionOptions {
  tasks: readonly RetentionTask[];
  /** How often a run starts (RETENTION_INTERVAL_MS); 0 disables the schedule (runOnce still works). */
  intervalMs: number;
  /** Rows per statement: short transactions, short locks. */
  batchSize: number;
  /** Batches per task per run, so one run cannot hold the database for long; the rest waits for the next run. */
  maxBatchesPerRun?: number;
  /** Before the first run; by default a random moment in the first minute, so instances started together spread out. */
  firstRunDelayMs?: number;
  logger: Logger;
  registry: Registry;
  clock?: { now(): Date };
}

export interface RetentionRunner {
  /** One run of every task now: rows deleted per task. A failing task is logged and counted, the others still run. */
  runOnce(): Promise<Record<string, number>>;
  /** Runs every `intervalMs` (nothing when it is 0). */
  start(): void;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Periodic, batched deletion of data past its retention (docs/operations.md "Retention"). Every
 * instance may run it: the tasks skip rows another instance holds. Each run logs what it deleted
 * and counts it in `herald_retention_deleted_total{table}`.
 */
export function createRetentionRunner(opts: RetentionOptions): RetentionRunner {
  const { tasks, logger } = opts;
  const maxBatches = opts.maxBatchesPerRun ?? 100;
  const clock = opts.clock ?? { now: () => new Date() };
  const deleted = new Counter({
    name: 'herald_retention_deleted_total',
    help: 'Rows deleted by the retention job, per table',
    labelNames: ['table'],
    registers: [opts.registry],
  });
  const failures = new Counter({
    name: 'herald_retention_failures_total',
    help: 'Retention runs of a table that failed (retried at the next run)',
    labelNames: ['table'],
    registers: [opts.registry],
  });
  for (const task of tasks) {
    deleted.inc({ table: task.name }, 0);
    failures.inc({ table: task.name }, 0);
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Record<string, number>> | undefined;
  let stopped = false;

  const runTasks = async (): Promise<Record<string, number>> => {
    const now = clock.now();
    const counts: Record<string, number> = {};
    for (const task of tasks) {
      let total = 0;
      try {
        for (let batch = 0; batch < maxBatches && !stopped; batch++) {
          const n = await task.deleteBatch(now, opts.batchSize);
          total += n;
          deleted.inc({ table: task.name }, n);
          if (n < opts.batchSize) break;
        }
      } catch (err) {
        failures.inc({ table: task.name });
        logger.warn({ err: err instanceof Error ? err.message : err, table: task.name, deleted: total }, 'retention run failed for a table; retried at the next run');
      }
      counts[task.name] = total;
    }
    const any = Object.values(counts).some((n) => n > 0);
    logger[any ? 'info' : 'debug']({ deleted: counts }, 'retention run');
    return counts;
  };

  const runOnce = (): Promise<Record<string, number>> => {
    // One run at a time per instance: a manual run during a scheduled one waits for it and runs again.
    const run = (running ?? Promise.resolve()).catch(() => undefined).then(runTasks);
    running = run;
    void run.finally(() => {
      if (running === run) running = undefined;
    }).catch(() => undefined);
    return run;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().catch(() => undefined).finally(() => schedule(opts.intervalMs));
    }, ms);
    timer.unref();
  };

  return {
    runOnce,
    start() {
      if (opts.intervalMs <= 0) {
        logger.info('retention job disabled (RETENTION_INTERVAL_MS=0)');
        return;
      }
      stopped = false;
      schedule(opts.firstRunDelayMs ?? Math.floor(Math.random() * Math.min(60_000, opts.intervalMs)));
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
