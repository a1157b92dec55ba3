import { createHash } from 'node:crypto';
import { ConflictError, ForbiddenError } from '@herald/platform';
import type { Channel, NotificationDraft, NotificationType, Priority } from '../domain/notification.js';
import type { SendRecord } from '../domain/ports.js';
import { render } from '../domain/render.js';
import type { AppDeps } from './deps.js';
import { deliverChunk } from './deliver-chunk.js';

export const SEND_SCOPE = 'notifications:send';

export interface SendRequest {
  recipients: string[];
  type: NotificationType;
  title?: string;
  body?: string;
  /** Named for the fallback workers' per-channel templates; kept in `data.template`. */
  template?: string;
  data?: Record<string, unknown>;
  channels?: Channel[];
  priority?: Priority;
  idempotencyKey?: string;
}

export interface Sender {
  userId: string;
  scopes: readonly string[];
}

/**
 * The send API for other backends. The idempotency key is scoped to the sender. Its receipts are
 * claimed under an event id derived from (sender, key), and the answer is stored in the same
 * transaction as the notifications. So a repeat, even one racing the first request, finds either
 * the stored answer or the claimed receipts: the same ids, nothing sent twice. The same key with a
 * different request is a 409, not a silent replay.
 */
export async function sendNotification(deps: AppDeps, sender: Sender, request: SendRequest): Promise<{ ids: string[] }> {
  if (!sender.scopes.includes(SEND_SCOPE)) throw new ForbiddenError(`sending notifications needs a token with the ${SEND_SCOPE} scope`);
  const key = request.idempotencyKey;
  const hash = requestHash(request);
  if (key !== undefined) {
    const existing = await deps.inbox.findSendRequest(sender.userId, key);
    if (existing) return replay(existing, hash);
  }

  const eventId = key !== undefined ? eventIdFor(sender.userId, key) : deps.newId(deps.clock.now());
  const recipients = [...new Set(request.recipients.map((id) => id.toLowerCase()))];
  let ids: string[] = [];
  let stored = true;
  await deliverChunk(deps, {
    eventId,
    draft: draftOf(request),
    recipientIds: recipients,
    channels: request.channels,
    senderId: sender.userId,
    within: async (uow, created) => {
      const byRecipient = new Map(created.map((c) => [c.recipientId, c.notification.id]));
      ids = recipients.flatMap((r) => byRecipient.get(r) ?? []);
      if (key !== undefined) stored = await uow.recordSendRequest({ senderId: sender.userId, idempotencyKey: key, eventId, requestHash: hash, ids });
    },
  });
  if (stored || key === undefined) return { ids };
  // A concurrent request with the same key committed first: answer what it answered.
  const winner = await deps.inbox.findSendRequest(sender.userId, key);
  if (!winner) throw new Error('send request vanished after a conflicting insert');
  return replay(winner, hash);
}

function replay(record: SendRecord, hash: string): { ids: string[] } {
  if (record.requestHash !== hash) {
    throw new ConflictError('idempotency_key_reused', 'this idempotencyKey was already used for a different request', { field: 'idempotencyKey' });
  }
  return { ids: record.ids };
}

function draftOf(request: SendRequest): NotificationDraft {
  const rendered = render({ type: request.type, title: request.title, body: request.body });
  const data: Record<string, unknown> = { ...request.data };
  if (request.template !== undefined) data.template = request.template;
  return {
    type: request.type,
    priority: request.priority ?? 'normal',
    title: request.title ?? rendered.title,
    body: request.body ?? rendered.body,
    data,
  };
}

/** A UUID (version 8, name-based) for (sender, key): every repeat claims the same receipts. */
export function eventIdFor(senderId: string, key: string): string {
  const bytes = createHash('sha256').update(`herald.send\u0000${senderId}\u0000${key}`).digest().subarray(0, 16);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function requestHash(request: SendRequest): string {
  const { idempotencyKey: _key, ...rest } = request;
  return createHash('sha256').update(stableJson({ ...rest, recipients: rest.recipients.map((r) => r.toLowerCase()) })).digest('hex');
}

// Key order must not make two equal requests look different.
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
