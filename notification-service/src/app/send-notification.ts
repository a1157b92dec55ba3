import { createHash } from 'node:crypto';
import { AppError, ConflictError, ForbiddenError } from '@herald/platform';
import type { Channel, NotificationDraft, NotificationType, Priority } from '../domain/notification.js';
import type { SendRecord } from '../domain/ports.js';
import { render } from '../domain/render.js';
import type { AppDeps } from './deps.js';
import { deliverChunk } from './deliver-chunk.js';

export const SEND_SCOPE = 'notifications:send';
/**
 * A key limited with `noncritical` may not send `priority: critical` (it skips quiet hours and
 * digests: a leaked marketing key must not page people at night). Without it, the send scope
 * includes critical, as docs/api.md says.
 */
export const NONCRITICAL_SCOPE = 'notifications:noncritical';
/** How long ids nobody registered are looked up again before they are refused: a user registered a moment ago may not be projected yet. */
export const UNKNOWN_RECIPIENT_GRACE_MS = 2_000;
/** `notifications:types=alert|reminder`: the only types this caller may send. */
export const TYPES_SCOPE_PREFIX = 'notifications:types=';

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
export async function sendNotification(deps: AppDeps, sender: Sender, request: SendRequest, graceMs = UNKNOWN_RECIPIENT_GRACE_MS): Promise<{ ids: string[] }> {
  if (!sender.scopes.includes(SEND_SCOPE)) throw new ForbiddenError(`sending notifications needs a token with the ${SEND_SCOPE} scope`);
  checkScopes(sender, request);
  const key = request.idempotencyKey;
  const hash = requestHash(request);
  if (key !== undefined) {
    const existing = await deps.inbox.findSendRequest(sender.userId, key);
    if (existing) return replay(existing, hash);
  }

  const eventId = key !== undefined ? eventIdFor(sender.userId, key) : deps.newId(deps.clock.now());
  const recipients = [...new Set(request.recipients.map((id) => id.toLowerCase()))];
  // Ids nobody registered are refused rather than silently given an inbox no one will read.
  const unknown = await unknownRecipients(deps, recipients, graceMs);
  if (unknown.length > 0) throw new UnknownRecipientsError(unknown);
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

/**
 * The ids no registered user has. The projection follows user-service by events, so an id missing
 * now is looked up again for up to `graceMs` (a backend that registers someone and sends them a
 * welcome at once must not be refused); only ids still missing then are unknown.
 */
async function unknownRecipients(deps: AppDeps, recipients: string[], graceMs: number): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let missing = recipients;
  for (;;) {
    const known = await deps.projections.knownUsers(missing);
    missing = missing.filter((id) => !known.has(id));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(0, deadline - Date.now()))));
  }
}

/** A key (or token) may be limited to some types, and refused `critical` when it says so. */
function checkScopes(sender: Sender, request: SendRequest): void {
  if (request.priority === 'critical' && sender.scopes.includes(NONCRITICAL_SCOPE)) {
    throw new AppError(403, 'scope_required', 'priority: this key may not send critical notifications (its scopes say noncritical)', { field: 'priority' });
  }
  const limited = sender.scopes.find((s) => s.startsWith(TYPES_SCOPE_PREFIX));
  if (limited && !limited.slice(TYPES_SCOPE_PREFIX.length).split('|').includes(request.type)) {
    throw new AppError(403, 'scope_required', `type: this key may send only ${limited.slice(TYPES_SCOPE_PREFIX.length).split('|').join(', ')}`, { field: 'type' });
  }
}

/** 400 naming the ids (up to 100) that no registered user has. */
export class UnknownRecipientsError extends AppError {
  override name = 'UnknownRecipientsError';
  constructor(readonly ids: string[]) {
    const listed = `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`;
    super(400, 'unknown_recipients', `recipients: ${ids.length === 1 ? 'this id is not a registered user' : 'these ids are not registered users'}: ${listed}`, {
      field: 'recipients',
      ids: ids.slice(0, 100),
    });
  }
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
