import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifySchema } from 'fastify';
import { AppError, ConflictError, NotFoundError, type HttpApp } from '@herald/platform';
import type { ChannelStore, ReplayResult } from '../domain/channel-ports.js';
import { ENABLED_OUT_OF_BAND_CHANNELS, OUT_OF_BAND_CHANNELS } from '../domain/channels.js';
import { clickTargetOf, isDigestPayload, isMachineRequest, type TrackedPayload, type TrackingSigner } from '../channels/tracking.js';
import type { DigestTracking } from '../domain/digest-ports.js';
import { verifyTwilioSignature } from '../adapters/channels/twilio-signature.js';
import type { CaptureProvider } from '../adapters/channels/capture.js';
import { renderOutboxPage } from '../channels/dev-outbox.js';
import { outboxLocale } from '../channels/dev-outbox-words.js';
import { requireAdminKey } from './auth.js';
import type { ApiKeys } from './api-keys.js';
import { ErrorBody } from '@herald/contracts';

export interface ChannelRouteDeps {
  store: ChannelStore;
  signer: TrackingSigner;
  /** Publishes replayed deliveries at once rather than at the next sweep. */
  sweep(): Promise<void>;
  /** A digest's dead letter (docs/channels.md "Digests"): replayed on its own ledger; null when the dead letter is not a digest's. */
  replayDigest?(deadLetterId: string, now: Date): Promise<ReplayResult | null>;
  publicUrl: string;
  smsAuthToken?: string;
  /** Embedded mode without providers: what was captured, shown at /dev/outbox. */
  capture?: CaptureProvider;
  /** A digest's tracked links and pixel (docs/channels.md "Digests"): the digest's status on that channel, and its items'. */
  digests?: DigestTracking;
  /** Counts tracking requests; `counted` is false for mail proxies and scanners (flagged, never a status). */
  countTracking?(kind: 'open' | 'click', counted: boolean): void;
}

const DeadLetterSchema = Type.Object({
  id: Type.String(), notificationId: Type.String(), channel: Type.String(), recipientId: Type.String(), status: Type.String(), reason: Type.String(),
  lastError: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(), createdAt: Type.String(), replayedAt: Type.Union([Type.String(), Type.Null()]),
});

class SignatureError extends AppError {
  constructor() {
    super(403, 'invalid_signature', 'the X-Twilio-Signature header does not match this request');
  }
}

// Left out of /openapi.json: @fastify/swagger hides a route by `schema.hide` (a route's `config`
// means nothing to it). Tracking links and the dev outbox are not part of the public API.
const HIDDEN = { hide: true } as FastifySchema;

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
// Twilio's MessageStatus values, mapped onto the delivery lifecycle.
const SMS_STATUS: Record<string, 'sent' | 'delivered' | 'failed' | undefined> = {
  accepted: 'sent', queued: 'sent', sending: 'sent', sent: 'sent', delivered: 'delivered', read: 'delivered', undelivered: 'failed', failed: 'failed',
};

/** Operators' dead letters and replays, provider receipts, tracking links and the embedded outbox page. */
export async function registerChannelRoutes(app: HttpApp, deps: ChannelRouteDeps, apiKeys?: ApiKeys): Promise<void> {
  await app.register(async (instance) => {
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    requireAdminKey(scope, apiKeys);
    scope.get('/api/v1/admin/dead-letters', {
      schema: {
        tags: ['admin'],
        summary: 'Deliveries that finally failed (API key with the admin scope)',
        querystring: Type.Object({ channel: Type.Optional(Type.Enum(OUT_OF_BAND_CHANNELS)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(DeadLetterSchema) }), 401: ErrorBody, 403: ErrorBody },
      },
    }, async (req) => ({ items: await deps.store.deadLetters({ ...(req.query.channel ? { channel: req.query.channel } : {}), limit: req.query.limit ?? 100 }) }));
    scope.post('/api/v1/admin/dead-letters/:id/replay', {
      schema: {
        tags: ['admin'],
        summary: 'Queue a dead letter again; never re-sends what was already sent',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 202: Type.Object({ id: Type.String(), status: Type.String() }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    }, async (req, reply) => {
      const result = (await deps.replayDigest?.(req.params.id, new Date())) ?? (await deps.store.replay(req.params.id, new Date()));
      if (result === 'not_found') throw new NotFoundError('dead letter');
      if (result === 'already_replayed') throw new ConflictError('already_replayed', 'this dead letter was already replayed');
      if (result === 'already_sent') throw new ConflictError('already_sent', 'this delivery already went out; it is not sent again');
      await deps.sweep().catch(() => {});
      return reply.code(202).send({ id: req.params.id, status: 'queued' });
    });
  });

  await app.register(async (instance) => {
    // Twilio posts application/x-www-form-urlencoded; only this scope parses it.
    instance.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const scope = instance.withTypeProvider<TypeBoxTypeProvider>();
    // No body schema on purpose: Twilio posts many form fields and adds new ones; unknown fields
    // must not refuse a receipt. X-Twilio-Signature covers every field it sends.
    scope.post('/api/v1/providers/sms/status', { schema: { description: 'SMS delivery receipts (Twilio StatusCallback form), verified by X-Twilio-Signature', response: { 204: Type.Null(), 403: ErrorBody } } }, async (req, reply) => {
      const params = (req.body ?? {}) as Record<string, string>;
      const signature = req.headers['x-twilio-signature'];
      const url = `${deps.publicUrl.replace(/\/+$/, '')}${req.url}`;
      if (!deps.smsAuthToken || typeof signature !== 'string' || !verifyTwilioSignature(deps.smsAuthToken, signature, url, params)) throw new SignatureError();
      const sid = params.MessageSid ?? params.SmsSid;
      const status = SMS_STATUS[(params.MessageStatus ?? params.SmsStatus ?? '').toLowerCase()];
      if (typeof sid === 'string' && status) {
        const error = params.ErrorCode ? `twilio error ${params.ErrorCode}` : undefined;
        await deps.store.providerStatus(sid, status, error);
      }
      return reply.code(204).send(null);
    });
  });

  // A token names a notification's delivery or a digest (channels/tracking.ts); either way the
  // status moves forward only, and a failure to record never keeps the person from their page.
  const record = (p: TrackedPayload, status: 'opened' | 'clicked') =>
    isDigestPayload(p)
      ? deps.digests?.trackedDigest({ digestId: p.d, channel: p.c, status, ...(p.n ? { notificationId: p.n } : {}) })
      : deps.store.tracked(p.n, p.c, status);

  app.get('/t/c/:token', { schema: HIDDEN }, async (req, reply) => {
    const payload = deps.signer.verify((req.params as { token: string }).token);
    if (payload?.k !== 'c') throw new NotFoundError('link');
    const person = !isMachineRequest(req.headers['user-agent'], null);
    deps.countTracking?.('click', person);
    if (person) await record(payload, 'clicked')?.catch((err: unknown) => req.log.warn({ err }, 'a tracked click was not recorded'));
    return reply.redirect(clickTargetOf(deps.publicUrl, payload), 302);
  });
  app.get('/t/o/:token', { schema: HIDDEN }, async (req, reply) => {
    const payload = deps.signer.verify((req.params as { token: string }).token);
    if (payload?.k !== 'o') throw new NotFoundError('image');
    // Opens by mail proxies and scanners are not a person looking: not recorded, never a read.
    const person = !isMachineRequest(req.headers['user-agent'], null);
    deps.countTracking?.('open', person);
    if (person) await record(payload, 'opened')?.catch((err: unknown) => req.log.warn({ err }, 'a tracked open was not recorded'));
    return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL);
  });

  if (deps.capture) {
    const capture = deps.capture;
    app.get('/dev/outbox', { schema: HIDDEN }, async (req, reply) => {
      // The page speaks the reader's language: `?lang=` first, then Accept-Language, else English.
      const lang = (req.query as { lang?: unknown }).lang;
      const locale = outboxLocale(typeof lang === 'string' ? lang : undefined, req.headers['accept-language']);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('vary', 'Accept-Language')
        .send(renderOutboxPage(capture.list(), ENABLED_OUT_OF_BAND_CHANNELS, locale));
    });
    app.get('/dev/outbox.json', { schema: HIDDEN }, async () => ({ items: capture.list() }));
  }
}
