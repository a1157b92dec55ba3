import type { Registry } from 'prom-client';
import type { EventBus, IncomingMessage, MessageHandler, SubscribeOptions, Subscription } from '../../src/bus/index.js';

export { waitFor } from '../../src/wait-for.js';

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A subscription that records every message it is handed; `behave` decides each outcome. */
export async function record(
  bus: EventBus,
  options: SubscribeOptions,
  behave: MessageHandler = async () => {},
): Promise<{ messages: IncomingMessage[]; subscription: Subscription }> {
  const messages: IncomingMessage[] = [];
  const subscription = await bus.subscribe(options, async (message) => {
    messages.push(message);
    await behave(message);
  });
  return { messages, subscription };
}

export async function counterValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return sample?.value;
}
