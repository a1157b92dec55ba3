import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { AmqpEventBus, type AmqpEventBusOptions, deadLetterQueueName, retryQueueName } from '../../src/bus/index.js';
import { defineEventBusContract } from './contract.js';
import { AMQP_URL, AmqpAdmin } from './amqp-admin.js';
import { deferred, record, waitFor } from './helpers.js';
import { TcpProxy } from '@herald/platform/testing';

// Every delay a test here may use, so cleanup finds every retry queue.
const DELAYS = [10, 50, 100, 1000, 10000, 60000];

let admin: AmqpAdmin;
beforeAll(async () => {
  admin = await AmqpAdmin.connect();
});
afterAll(async () => {
  await admin?.close();
});

/** Unique names per test, and everything they name deleted afterwards. */
function scope() {
  const id = randomUUID().slice(0, 8);
  const exchange = `test.bus.${id}`;
  const queues: string[] = [];
  return {
    exchange,
    queue: (base: string) => {
      const name = `test.bus.${id}.${base}`;
      queues.push(name);
      return name;
    },
    cleanup: async () => {
      await admin.deleteQueues(queues, DELAYS);
      await admin.deleteExchange(exchange);
    },
  };
}

const fast: Partial<AmqpEventBusOptions> = { drainTimeoutMs: 300, reconnectDelayMs: 50, maxReconnectDelayMs: 200, confirmTimeoutMs: 3000 };

defineEventBusContract('AmqpEventBus', async () => {
  const names = scope();
  const registry = new Registry();
  const bus = await AmqpEventBus.connect({ url: AMQP_URL, exchange: names.exchange, registry, ...fast });
  return {
    bus,
    registry,
    exchange: names.exchange,
    queue: names.queue,
    deadLetters: (queue) => admin.deadLetters(queue),
    publishRaw: (routingKey, content) => admin.publishRaw(names.exchange, routingKey, content),
    cleanup: async () => {
      await bus.close();
      await names.cleanup();
    },
  };
});

describe('AmqpEventBus against RabbitMQ', { timeout: 20_000 }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const names = scope();
    cleanups.push(names.cleanup);
    const proxy = await TcpProxy.start(Number(new URL(AMQP_URL).port || 5672), new URL(AMQP_URL).hostname);
    cleanups.push(() => proxy.close());
    const connect = async (url: string) => {
      const bus = await AmqpEventBus.connect({ url, exchange: names.exchange, registry: new Registry(), ...fast });
      cleanups.push(() => bus.close());
      return bus;
    };
    const proxiedUrl = Object.assign(new URL(AMQP_URL), { host: `127.0.0.1:${proxy.port}` }).toString();
    return { names, proxy, connect, proxiedUrl };
  }

  it('declares a quorum work queue with its retry queues and dead-letter queue', async () => {
    const { names, connect } = await setup();
    const bus = await connect(AMQP_URL);
    const queue = names.queue('topology');
    await bus.subscribe({ queue, bindings: ['#'], retryDelaysMs: [50, 100] }, async () => {});
    for (const name of [queue, retryQueueName(queue, 50), retryQueueName(queue, 100), deadLetterQueueName(queue)]) {
      await admin.onChannel((channel) => channel.checkQueue(name));
    }
    // Re-declaring as a classic queue is refused only because the broker holds it as a quorum queue.
    await expect(
      admin.onChannel((channel) => channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } })),
    ).rejects.toThrow(/PRECONDITION_FAILED/);
  });

  it('fails publish fast while the broker is gone, then resumes publishing and consuming when it is back', async () => {
    const { names, proxy, connect, proxiedUrl } = await setup();
    const bus = await connect(proxiedUrl);
    const queue = names.queue('reconnect');
    const { messages } = await record(bus, { queue, bindings: ['ping.*'], retryDelaysMs: [50] });
    await bus.publish([{ routingKey: 'ping.one', messageId: 'before', body: 1 }]);
    await waitFor(() => messages.length === 1);

    proxy.cut();
    await waitFor(() => bus.check().then(() => false, () => true));
    const started = Date.now();
    await expect(bus.publish([{ routingKey: 'ping.two', messageId: 'during', body: 2 }])).rejects.toThrow(/not connected/);
    expect(Date.now() - started).toBeLessThan(500);

    proxy.restore();
    await waitFor(() => bus.check().then(() => true, () => false), { timeoutMs: 10_000 });
    await waitFor(() => bus.publish([{ routingKey: 'ping.three', messageId: 'after', body: 3 }]).then(() => true, () => false));
    // Delivered to the handler of the subscription made before the outage.
    await waitFor(() => messages.some((m) => m.messageId === 'after'), { timeoutMs: 10_000 });
    // 'before' may come twice: its ack can die in the cut socket, and then at-least-once redelivers it.
    expect([...new Set(messages.map((m) => m.messageId))]).toEqual(['before', 'after']);
  });

  it('rejects a publish whose confirm never arrives instead of hanging', async () => {
    const { proxy, connect, proxiedUrl } = await setup();
    const bus = await connect(proxiedUrl);
    // Cut after the publish is written but before its confirm can come back.
    const publishing = bus.publish([{ routingKey: 'lost', messageId: 'lost', body: {} }]);
    proxy.cut();
    await expect(publishing).rejects.toThrow();
  });

  it('rejects a publish the broker never answers once the confirm timeout passes', async () => {
    const { names, proxy, proxiedUrl } = await setup();
    const bus = await AmqpEventBus.connect({ url: proxiedUrl, exchange: names.exchange, ...fast, confirmTimeoutMs: 300 });
    cleanups.push(() => bus.close());
    proxy.freeze();
    const started = Date.now();
    await expect(bus.publish([{ routingKey: 'void', messageId: 'void', body: {} }])).rejects.toThrow(/did not confirm/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('redelivers to another process a message whose consumer died mid-handler', async () => {
    const { names, proxy, connect, proxiedUrl } = await setup();
    const queue = names.queue('crash');
    const options = { queue, bindings: ['job.*'] };
    const dying = await connect(proxiedUrl);
    const survivor = await connect(AMQP_URL);
    const gate = deferred();
    cleanups.push(async () => gate.resolve());
    const first = await record(dying, options, () => gate.promise);
    await survivor.publish([{ routingKey: 'job.run', messageId: 'job', body: {} }]);
    await waitFor(() => first.messages.length === 1);

    proxy.cut(); // to the broker, the first process is gone
    const second = await record(survivor, options);
    await waitFor(() => second.messages.length === 1);
    expect(second.messages[0]).toMatchObject({ messageId: 'job', attempt: 1, redelivered: true });
  });

  it('refuses to connect when the broker cannot be reached at startup', async () => {
    const { proxy, proxiedUrl } = await setup();
    proxy.cut();
    await expect(AmqpEventBus.connect({ url: proxiedUrl })).rejects.toThrow();
  });
});
