import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import {
  ATTEMPTS_HEADER,
  ERROR_HEADER,
  PermanentError,
  REASON_HEADER,
  ROUTING_KEY_HEADER,
  type EventBus,
} from '../../src/bus/index.js';
import { counterValue, deferred, record, waitFor } from './helpers.js';

export interface DeadLetterView {
  content: string;
  headers: Record<string, unknown>;
}

/** What the shared suite needs from each implementation. */
export interface BusHarness {
  /** Built with drainTimeoutMs of a few hundred ms so abandoned handlers are handed back quickly. */
  bus: EventBus;
  registry: Registry;
  exchange: string;
  /** A queue name unique to this test, removed again by cleanup(). */
  queue(base: string): string;
  /** Everything dead-lettered for `queue` so far, oldest first. */
  deadLetters(queue: string): Promise<DeadLetterView[]>;
  /** Publishes bytes that need not be JSON, the way a foreign producer could. */
  publishRaw(routingKey: string, content: Buffer): Promise<void>;
  cleanup(): Promise<void>;
}

const RETRIES = [50, 100];

export function defineEventBusContract(name: string, createHarness: () => Promise<BusHarness>): void {
  describe(`${name}: event bus contract`, { timeout: 15_000 }, () => {
    let h: BusHarness;
    beforeEach(async () => {
      h = await createHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('delivers a published message with routing key, id, headers and body, then acks it', async () => {
      const queue = h.queue('basic');
      const { messages } = await record(h.bus, { queue, bindings: ['order.created'] });
      await h.bus.publish([{ routingKey: 'order.created', messageId: 'm1', body: { a: 1, nested: { b: [1, 2] } }, headers: { 'x-trace': 't1' } }]);
      await waitFor(() => messages.length === 1);
      expect(messages[0]).toMatchObject({ routingKey: 'order.created', messageId: 'm1', body: { a: 1, nested: { b: [1, 2] } }, attempt: 1, redelivered: false });
      expect(messages[0]?.headers['x-trace']).toBe('t1');
      await waitFor(async () => (await counterValue(h.registry, 'bus_messages_acked_total', { queue })) === 1);
      expect(await counterValue(h.registry, 'bus_messages_published_total', { exchange: h.exchange })).toBe(1);
    });

    it('routes by topic pattern: * is one word, # is zero or more', async () => {
      const queue = h.queue('routing');
      const { messages } = await record(h.bus, { queue, bindings: ['post.*', 'user.#'], prefetch: 1 });
      const keys = ['post.created', 'post.comment.added', 'user', 'user.followed.back', 'other.thing', 'post', 'post.last'];
      await h.bus.publish(keys.map((routingKey, i) => ({ routingKey, messageId: `r${i}`, body: i })));
      // One queue, one consumer: order is kept, so once the last match is in, nothing else is coming.
      await waitFor(() => messages.some((m) => m.routingKey === 'post.last'));
      expect(messages.map((m) => m.routingKey)).toEqual(['post.created', 'user', 'user.followed.back', 'post.last']);
    });

    it('drops messages published before any queue is bound, like an unbound exchange', async () => {
      const queue = h.queue('late');
      await h.bus.publish([{ routingKey: 'early.bird', messageId: 'early', body: {} }]);
      const { messages } = await record(h.bus, { queue, bindings: ['early.*'] });
      await h.bus.publish([{ routingKey: 'early.worm', messageId: 'late', body: {} }]);
      await waitFor(() => messages.length === 1);
      expect(messages.map((m) => m.messageId)).toEqual(['late']);
    });

    it('gives every queue its own copy, and a retry goes back to the failing queue only', async () => {
      const qa = h.queue('fan-a');
      const qb = h.queue('fan-b');
      const a = await record(h.bus, { queue: qa, bindings: ['post.*'], retryDelaysMs: RETRIES, prefetch: 1 }, async (m) => {
        (m.body as { touched?: boolean }).touched = true;
        if (m.attempt === 1 && m.messageId === 'shared') throw new Error('a fails once');
      });
      const b = await record(h.bus, { queue: qb, bindings: ['post.*'], prefetch: 1 });
      await h.bus.publish([{ routingKey: 'post.created', messageId: 'shared', body: { n: 1 } }]);
      await waitFor(() => a.messages.length === 2);
      // Had the retry gone through the exchange, b would get it before this later message.
      await h.bus.publish([{ routingKey: 'post.sentinel', messageId: 'sentinel', body: {} }]);
      await waitFor(() => b.messages.some((m) => m.messageId === 'sentinel'));
      await waitFor(() => a.messages.length === 3);
      expect(a.messages.map((m) => [m.messageId, m.attempt])).toEqual([['shared', 1], ['shared', 2], ['sentinel', 1]]);
      expect(b.messages.map((m) => [m.messageId, m.attempt])).toEqual([['shared', 1], ['sentinel', 1]]);
      expect(b.messages[0]?.body).toEqual({ n: 1 });
      expect(a.messages[1]?.routingKey).toBe('post.created');
    });

    it('retries a failing message with increasing attempt numbers until it succeeds', async () => {
      const queue = h.queue('retry');
      const { messages } = await record(h.bus, { queue, bindings: ['job.*'], retryDelaysMs: RETRIES }, async (m) => {
        if (m.attempt < 3) throw new Error(`transient ${m.attempt}`);
      });
      await h.bus.publish([{ routingKey: 'job.run', messageId: 'j1', body: { job: 1 }, headers: { 'x-trace': 't' } }]);
      await waitFor(() => messages.length === 3);
      expect(messages.map((m) => m.attempt)).toEqual([1, 2, 3]);
      for (const m of messages) {
        expect(m).toMatchObject({ routingKey: 'job.run', messageId: 'j1', body: { job: 1 } });
        expect(m.headers['x-trace']).toBe('t');
      }
      await waitFor(async () => (await counterValue(h.registry, 'bus_messages_acked_total', { queue })) === 1);
      expect(await counterValue(h.registry, 'bus_messages_retried_total', { queue })).toBe(2);
      expect(await counterValue(h.registry, 'bus_messages_consumed_total', { queue })).toBe(3);
      expect(await h.deadLetters(queue)).toEqual([]);
    });

    it('dead-letters a message once its retries are spent, recording error, routing key and attempts', async () => {
      const queue = h.queue('exhaust');
      const { messages } = await record(h.bus, { queue, bindings: ['job.*'], retryDelaysMs: RETRIES }, async (m) => {
        if (m.messageId === 'doomed') throw new Error(`boom on ${m.attempt}`);
      });
      await h.bus.publish([{ routingKey: 'job.fail', messageId: 'doomed', body: { x: 1 } }]);
      const [dead] = await waitFor(async () => {
        const letters = await h.deadLetters(queue);
        return letters.length > 0 ? letters : undefined;
      });
      expect(messages.map((m) => m.attempt)).toEqual([1, 2, 3]);
      expect(JSON.parse(dead?.content ?? '')).toEqual({ x: 1 });
      expect(dead?.headers).toMatchObject({
        [ERROR_HEADER]: 'boom on 3',
        [ROUTING_KEY_HEADER]: 'job.fail',
        [ATTEMPTS_HEADER]: 3,
        [REASON_HEADER]: 'exhausted',
      });
      await waitFor(async () => (await counterValue(h.registry, 'bus_messages_dead_lettered_total', { queue, reason: 'exhausted' })) === 1);
      // Nothing loops: the next message is the next thing the queue delivers.
      await h.bus.publish([{ routingKey: 'job.ok', messageId: 'after', body: {} }]);
      await waitFor(() => messages.some((m) => m.messageId === 'after'));
      expect(messages.filter((m) => m.messageId === 'doomed')).toHaveLength(3);
    });

    it('dead-letters at once when the handler throws PermanentError', async () => {
      const queue = h.queue('permanent');
      const { messages } = await record(h.bus, { queue, bindings: ['#'], retryDelaysMs: RETRIES }, async () => {
        throw new PermanentError('malformed input');
      });
      await h.bus.publish([{ routingKey: 'user.created', messageId: 'p1', body: { bad: true } }]);
      const [dead] = await waitFor(async () => {
        const letters = await h.deadLetters(queue);
        return letters.length > 0 ? letters : undefined;
      });
      expect(messages.map((m) => m.attempt)).toEqual([1]);
      expect(dead?.headers).toMatchObject({
        [ERROR_HEADER]: 'malformed input',
        [ROUTING_KEY_HEADER]: 'user.created',
        [ATTEMPTS_HEADER]: 1,
        [REASON_HEADER]: 'permanent',
      });
      expect(await counterValue(h.registry, 'bus_messages_retried_total', { queue })).toBe(0);
    });

    it('dead-letters a body that is not JSON without calling the handler', async () => {
      const queue = h.queue('invalid');
      const { messages } = await record(h.bus, { queue, bindings: ['raw.*'], retryDelaysMs: RETRIES, prefetch: 1 });
      await h.publishRaw('raw.bytes', Buffer.from('{not json'));
      await h.bus.publish([{ routingKey: 'raw.fine', messageId: 'ok', body: { fine: true } }]);
      await waitFor(() => messages.length === 1);
      const [dead] = await waitFor(async () => {
        const letters = await h.deadLetters(queue);
        return letters.length > 0 ? letters : undefined;
      });
      expect(messages[0]?.messageId).toBe('ok');
      expect(dead?.content).toBe('{not json');
      expect(dead?.headers).toMatchObject({ [ROUTING_KEY_HEADER]: 'raw.bytes', [ATTEMPTS_HEADER]: 1, [REASON_HEADER]: 'invalid-json' });
      expect(typeof dead?.headers[ERROR_HEADER]).toBe('string');
    });

    it('redelivers a message whose handler was still running when its consumer went away', async () => {
      const queue = h.queue('redeliver');
      const options = { queue, bindings: ['job.*'] };
      const gate = deferred();
      const first = await record(h.bus, options, () => gate.promise);
      await h.bus.publish([{ routingKey: 'job.slow', messageId: 'slow', body: {} }]);
      await waitFor(() => first.messages.length === 1);
      await first.subscription.cancel(); // the handler outlives the drain timeout
      const second = await record(h.bus, options);
      await waitFor(() => second.messages.length === 1);
      expect(second.messages[0]).toMatchObject({ messageId: 'slow', attempt: 1, redelivered: true });
      gate.resolve();
      await second.subscription.cancel();
      // The second handler acked it, so a new consumer sees only new messages.
      const third = await record(h.bus, options);
      await h.bus.publish([{ routingKey: 'job.next', messageId: 'next', body: {} }]);
      await waitFor(() => third.messages.length === 1);
      expect(third.messages.map((m) => m.messageId)).toEqual(['next']);
    });

    it('cancel waits for a running handler and acks its message', async () => {
      const queue = h.queue('drain');
      const options = { queue, bindings: ['job.*'] };
      const gate = deferred();
      const first = await record(h.bus, options, () => gate.promise);
      await h.bus.publish([{ routingKey: 'job.one', messageId: 'one', body: {} }]);
      await waitFor(() => first.messages.length === 1);
      const cancelling = first.subscription.cancel();
      gate.resolve();
      await cancelling;
      const next = await record(h.bus, options);
      await h.bus.publish([{ routingKey: 'job.two', messageId: 'two', body: {} }]);
      await waitFor(() => next.messages.length === 1);
      expect(next.messages.map((m) => m.messageId)).toEqual(['two']);
    });

    it('runs at most `prefetch` handlers at once per subscription', async () => {
      const queue = h.queue('prefetch');
      const gates: Array<() => void> = [];
      let running = 0;
      let peak = 0;
      let done = 0;
      await h.bus.subscribe({ queue, bindings: ['work.*'], prefetch: 2 }, async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        done++;
      });
      await h.bus.publish([1, 2, 3, 4, 5].map((n) => ({ routingKey: 'work.item', messageId: `w${n}`, body: n })));
      await waitFor(() => running === 2);
      for (let released = 0; released < 5; released++) {
        await waitFor(() => gates.length > released);
        gates[released]?.();
      }
      await waitFor(() => done === 5);
      expect(peak).toBe(2);
    });

    it('shares one queue between competing subscribers', async () => {
      const queue = h.queue('compete');
      const gate = deferred();
      const options = { queue, bindings: ['work.*'], prefetch: 1 };
      const one = await record(h.bus, options, () => gate.promise);
      const two = await record(h.bus, options, () => gate.promise);
      await h.bus.publish([1, 2].map((n) => ({ routingKey: 'work.item', messageId: `c${n}`, body: n })));
      await waitFor(() => one.messages.length === 1 && two.messages.length === 1);
      gate.resolve();
    });

    it('starts its counters at zero for a new queue', async () => {
      const queue = h.queue('metrics');
      await h.bus.subscribe({ queue, bindings: ['nothing.matches'] }, async () => {});
      for (const name of ['bus_messages_consumed_total', 'bus_messages_acked_total', 'bus_messages_retried_total']) {
        expect(await counterValue(h.registry, name, { queue })).toBe(0);
      }
      expect(await counterValue(h.registry, 'bus_messages_dead_lettered_total', { queue, reason: 'exhausted' })).toBe(0);
    });

    it('rejects a body that is not JSON-serialisable', async () => {
      await expect(h.bus.publish([{ routingKey: 'x', messageId: 'big', body: { n: 1n } }])).rejects.toThrow();
      await expect(h.bus.publish([{ routingKey: 'x', messageId: 'undef', body: undefined }])).rejects.toThrow(/JSON/);
    });

    it('checks healthy while open; after close, check, publish and subscribe reject', async () => {
      await expect(h.bus.check()).resolves.toBeUndefined();
      await h.bus.close();
      await expect(h.bus.check()).rejects.toThrow();
      await expect(h.bus.publish([{ routingKey: 'x', messageId: 'y', body: {} }])).rejects.toThrow();
      await expect(h.bus.subscribe({ queue: h.queue('closed'), bindings: ['#'] }, async () => {})).rejects.toThrow();
    });
  });
}
