import { createLogger, uuidv7 } from '@herald/platform';
import { MemoryTemplateStore } from '../../../src/adapters/memory-template-store.js';
import { TrackingSigner } from '../../../src/channels/tracking.js';
import type { Actor, Notification, NotificationType } from '../../../src/domain/notification.js';
import type { Recipient, RecipientDirectory } from '../../../src/templates/recipients.js';
import { Templates } from '../../../src/templates/templates.js';

export const PUBLIC_URL = 'https://herald.test';
export const signer = new TrackingSigner('templates-test-secret-0123456789');

export const person = (name: string, over: Partial<Actor> = {}): Actor => ({ id: uuidv7(), username: name.toLowerCase().split(' ')[0]!, displayName: name, ...over });
export const ana = person('Ana Lima');
export const bo = person('Bo Berg');
export const cy = person('Cy Diaz');

/** People by id, as the users projection would have them. */
export class FakeDirectory implements RecipientDirectory {
  readonly people = new Map<string, Recipient>();
  add(locale: string | null, timeZone: string | null = 'UTC', name = 'Grace Hopper'): string {
    const id = uuidv7();
    this.people.set(id, { id, name, username: name.toLowerCase().split(' ')[0]!, locale, timeZone });
    return id;
  }
  async locales(userIds: readonly string[]) {
    return new Map(userIds.map((id) => [id, this.people.get(id)?.locale ?? null]));
  }
  async recipient(userId: string) {
    return this.people.get(userId);
  }
}

export async function makeTemplates(opts: { store?: MemoryTemplateStore; directory?: FakeDirectory; refreshMs?: number } = {}) {
  const store = opts.store ?? new MemoryTemplateStore();
  const directory = opts.directory ?? new FakeDirectory();
  const templates = await Templates.create({
    store,
    directory,
    publicUrl: PUBLIC_URL,
    signer,
    logger: createLogger('templates-test', process.env.LOG_LEVEL ?? 'silent'),
    refreshMs: opts.refreshMs ?? 0,
  });
  return { templates, store, directory };
}

/** A stored notification as fan-out writes it (grouped types carry count and data.actors). */
export function notification(type: NotificationType, over: Partial<Notification> = {}): Notification {
  const grouped = type === 'like' || type === 'follow';
  return {
    id: uuidv7(),
    type,
    category: type === 'alert' ? 'alert' : type === 'reminder' ? 'reminder' : 'informational',
    priority: 'normal',
    actor: ana,
    title: 'stored title',
    body: 'stored body',
    data: { excerpt: 'Notes on the Analytical Engine', ...(grouped ? { actors: [ana] } : {}) },
    createdAt: '2026-12-11T13:05:00.000Z',
    readAt: null,
    ...(grouped ? { count: 1, groupKey: `${type}:post:x` } : {}),
    ...over,
  };
}
