import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryEventBus } from '../../src/bus/index.js';
import { defineEventBusContract } from './contract.js';
import { record, waitFor } from './helpers.js';

defineEventBusContract('MemoryEventBus', async () => {
  const registry = new Registry();
  const exchange = 'test.events';
  const bus = new MemoryEventBus({ exchange, registry, drainTimeoutMs: 300 });
  return {
    bus,
    registry,
    exchange,
    queue: (base) => `test.${base}`,
    deadLetters: async (queue) => bus.deadLetters(queue),
    publishRaw: (routingKey, content) => bus.publishRaw(routingKey, content),
    cleanup: () => bus.close(),
  };
});

describe('MemoryEventBus', () => {
  it('copies bodies through JSON so publisher and consumers never share an object', async () => {
    const bus = new MemoryEventBus();
    const a = await record(bus, { queue: 'a', bindings: ['#'] }, async (m) => {
      (m.body as { list: number[] }).list.push(99);
    });
    const b = await record(bus, { queue: 'b', bindings: ['#'] });
    const body = { list: [1], when: new Date(0) };
    await bus.publish([{ routingKey: 'k', messageId: 'm', body }]);
    body.list.push(2);
    await waitFor(() => a.messages.length === 1 && b.messages.length === 1);
    expect(b.messages[0]?.body).toEqual({ list: [1], when: '1970-01-01T00:00:00.000Z' });
    await bus.close();
  });

  it('returns dead letters as copies, per queue', async () => {
    const bus = new MemoryEventBus();
    await bus.publishRaw('k', 'oops');
    await record(bus, { queue: 'q', bindings: ['k'] });
    await bus.publishRaw('k', 'oops', { messageId: 'raw-1' });
    await waitFor(() => bus.deadLetters('q').length === 1);
    const [letter] = bus.deadLetters('q');
    letter!.headers['x-error'] = 'changed';
    expect(bus.deadLetters('q')[0]).toMatchObject({ routingKey: 'k', messageId: 'raw-1', content: 'oops' });
    expect(bus.deadLetters('q')[0]?.headers['x-error']).not.toBe('changed');
    expect(bus.deadLetters('other')).toEqual([]);
    await bus.close();
  });

  it('counts handled deliveries per queue, whatever their outcome, so tests wait instead of sleeping', async () => {
    const bus = new MemoryEventBus();
    let calls = 0;
    await bus.subscribe({ queue: 'h', bindings: ['#'], retryDelaysMs: [60_000] }, async (m) => {
      calls += 1;
      if ((m.body as { fail?: boolean }).fail) throw new Error('not yet');
    });
    expect(bus.handled('h')).toBe(0);
    await bus.publish([
      { routingKey: 'k', messageId: 'ok', body: {} },
      { routingKey: 'k', messageId: 'retry', body: { fail: true } },
    ]);
    await bus.publishRaw('k', 'not json');
    await waitFor(() => bus.handled('h') === 3);
    // Acked, handed to a retry a minute away, dead-lettered: three ends, two handler calls.
    expect(calls).toBe(2);
    expect(bus.deadLetters('h')).toHaveLength(1);
    expect(bus.handled('other')).toBe(0);
    await bus.close();
  });

  it('logs retries and dead letters through a pino logger', async () => {
    const lines: Array<{ msg: string; queue?: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const bus = new MemoryEventBus({ logger: pino({ level: 'debug' }, sink), registry: new Registry() });
    await record(bus, { queue: 'logged', bindings: ['#'], retryDelaysMs: [10] }, async () => {
      throw new Error('nope');
    });
    await bus.publish([{ routingKey: 'k', messageId: 'm', body: {} }]);
    await waitFor(() => lines.some((l) => l.msg === 'bus message dead-lettered'));
    expect(lines.find((l) => l.msg.includes('retrying'))).toMatchObject({ queue: 'logged' });
    await bus.close();
  });

  it('does not deliver anything once closed, even a retry that was waiting', async () => {
    // Only setTimeout is faked (deliveries run on setImmediate), so the pending retry can be fired at will.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const bus = new MemoryEventBus();
      const { messages } = await record(bus, { queue: 'q', bindings: ['#'], retryDelaysMs: [20] }, async () => {
        throw new Error('fail');
      });
      await bus.publish([{ routingKey: 'k', messageId: 'm', body: {} }]);
      while (vi.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(messages).toHaveLength(1);
      await bus.close();
      expect(vi.getTimerCount()).toBe(0);
      vi.runAllTimers();
      await new Promise((resolve) => setImmediate(resolve));
      expect(messages).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
