import { describe, expect, it } from 'vitest';
import { waitFor } from '../src/wait-for.js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRetentionRunner, type RetentionTask } from '../src/retention.js';

const logger = pino({ level: 'silent' });

/** A table of `rows` due rows, deleted `limit` at a time; records the `now` of each call. */
function fakeTask(name: string, rows: number): RetentionTask & { left: number; calls: Date[] } {
  const task = {
    name,
    left: rows,
    calls: [] as Date[],
    async deleteBatch(now: Date, limit: number) {
      task.calls.push(now);
      const n = Math.min(limit, task.left);
      task.left -= n;
      return n;
    },
  };
  return task;
}

const counter = async (registry: Registry, name: string) =>
  Object.fromEntries((await registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.table, v.value]));

describe('createRetentionRunner', () => {
  it('deletes batch after batch until a short one, with one clock reading per run, and counts per table', async () => {
    const registry = new Registry();
    const receipts = fakeTask('receipts', 2_500);
    const attempts = fakeTask('attempts', 0);
    const now = new Date('2025-01-01T00:00:00Z');
    const runner = createRetentionRunner({ tasks: [receipts, attempts], intervalMs: 0, batchSize: 1000, logger, registry, clock: { now: () => now } });
    expect(await runner.runOnce()).toEqual({ receipts: 2_500, attempts: 0 });
    expect(receipts.calls).toHaveLength(3);
    expect(new Set(receipts.calls.map((d) => d.getTime()))).toEqual(new Set([now.getTime()]));
    expect(attempts.calls).toHaveLength(1);
    expect(await counter(registry, 'herald_retention_deleted_total')).toEqual({ receipts: 2_500, attempts: 0 });
    // Nothing left: one short batch each.
    expect(await runner.runOnce()).toEqual({ receipts: 0, attempts: 0 });
  });

  it('stops a run after maxBatchesPerRun batches of a table and leaves the rest for the next run', async () => {
    const big = fakeTask('big', 10_000);
    const runner = createRetentionRunner({ tasks: [big], intervalMs: 0, batchSize: 100, maxBatchesPerRun: 5, logger, registry: new Registry() });
    expect(await runner.runOnce()).toEqual({ big: 500 });
    expect(big.left).toBe(9_500);
  });

  it('a failing table is logged and counted, and the other tables still run', async () => {
    const registry = new Registry();
    const broken: RetentionTask = { name: 'broken', deleteBatch: async () => Promise.reject(new Error('relation does not exist')) };
    const fine = fakeTask('fine', 3);
    const runner = createRetentionRunner({ tasks: [broken, fine], intervalMs: 0, batchSize: 10, logger, registry });
    expect(await runner.runOnce()).toEqual({ broken: 0, fine: 3 });
    expect(await counter(registry, 'herald_retention_failures_total')).toEqual({ broken: 1, fine: 0 });
  });

  it('runs on its schedule until stopped; interval 0 never schedules', async () => {
    const ticking = fakeTask('ticking', 1_000_000);
    const runner = createRetentionRunner({ tasks: [ticking], intervalMs: 20, firstRunDelayMs: 0, batchSize: 1, maxBatchesPerRun: 1, logger, registry: new Registry() });
    runner.start();
    // Two runs at the 20 ms interval, however long this box takes to get there.
    await waitFor(() => ticking.calls.length >= 2, { what: 'two retention runs', timeoutMs: 5_000 });
    await runner.stop();
    const runs = ticking.calls.length;
    expect(runs).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(ticking.calls.length).toBe(runs);

    const idle = fakeTask('idle', 5);
    const disabled = createRetentionRunner({ tasks: [idle], intervalMs: 0, firstRunDelayMs: 0, batchSize: 10, logger, registry: new Registry() });
    disabled.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(idle.calls).toHaveLength(0);
    await disabled.stop();
  });
});
