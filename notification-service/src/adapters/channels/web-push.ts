import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import webpush from 'web-push';
import { ChannelSendError, type ChannelProvider, type OutboundMessage, type SentReceipt } from '../../domain/channels.js';
import { pushEndpointProblem, pushPayload, type PushSubscription, type PushSubscriptionStore } from '../../domain/push.js';
import { publicLookup } from '../../webhooks/outbound.js';
import { excerpt, networkError, parseRetryAfter } from './http.js';

export interface WebPushOptions {
  /** Provider name in attempts, breaker states and metrics. */
  name?: string;
  /** The application server's identity (RFC 8292): the key pair browsers subscribed with, and a contact. */
  vapid: { publicKey: string; privateKey: string; subject: string };
  /** Where the person's subscriptions are read, and removed when their push service says they are gone. */
  subscriptions: Pick<PushSubscriptionStore, 'forUser' | 'removeGone'>;
  /**
   * PUSH_ALLOW_HTTP: endpoints on 127.0.0.1, localhost and [::1] (http too), for tests and local push
   * services. Otherwise https only, and every connection goes to a public address (a DNS lookup that
   * refuses private ones), so a subscription cannot make Herald POST inside its own network.
   */
  allowLoopbackHttp?: boolean;
  /** Per request to a push service. */
  timeoutMs?: number;
  /** How long a push service keeps a message for a browser that is offline (TTL header). Default one day. */
  ttlSeconds?: number;
}

/** What one push service said about one subscription. */
type Answer =
  | { kind: 'accepted' }
  | { kind: 'gone'; status: number }
  | { kind: 'transient'; errorClass: string; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; errorClass: string; message: string };

export const DEFAULT_PUSH_TTL_SECONDS = 86_400;

/**
 * Web Push to every browser a person subscribed (RFC 8030), the payload encrypted to each one's keys
 * (RFC 8291, aes128gcm) and signed with VAPID (RFC 8292) by the web-push library
 * (generateRequestDetails: the same encryption and headers sendNotification builds); the request
 * itself goes through Node's http client here, with a deadline, no redirects and the SSRF guard.
 *
 * `message.to` is the person's id. Outcomes, over all their subscriptions:
 * - any push service accepted it (201) → sent; the others are not tried again (a browser that got it
 *   is never sent it twice to reach another one);
 * - 404/410 → that subscription is deleted; if every one was gone → permanent `no_push_subscription`;
 * - 429/5xx/network → transient (retried with backoff, at least Retry-After) when nothing accepted it;
 * - other 4xx (400, 403 VAPID mismatch, 413) → permanent.
 */
export class WebPushProvider implements ChannelProvider {
  readonly name: string;
  private readonly vapid: WebPushOptions['vapid'];
  private readonly subscriptions: WebPushOptions['subscriptions'];
  private readonly allowLoopbackHttp: boolean;
  private readonly timeoutMs: number;
  private readonly ttlSeconds: number;
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;

  constructor(opts: WebPushOptions) {
    this.name = opts.name ?? 'web-push';
    this.vapid = opts.vapid;
    this.subscriptions = opts.subscriptions;
    this.allowLoopbackHttp = opts.allowLoopbackHttp ?? false;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_PUSH_TTL_SECONDS;
    // Keep-alive: a burst goes to a handful of push services (FCM, Mozilla, Apple, Microsoft).
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ...(this.allowLoopbackHttp ? {} : { lookup: publicLookup }) });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  async send(message: OutboundMessage): Promise<SentReceipt> {
    let subscriptions: PushSubscription[];
    try {
      subscriptions = await this.subscriptions.forUser(message.to);
    } catch (err) {
      throw new ChannelSendError('transient', 'database', `could not read the push subscriptions: ${err instanceof Error ? err.message : String(err)}`, this.name);
    }
    if (subscriptions.length === 0) throw new ChannelSendError('permanent', 'no_push_subscription', 'the person has no push subscription (any more)', this.name);

    const payload = pushPayload({
      id: message.push?.notificationId ?? message.deliveryId.replace(/\.push$/, ''),
      title: message.subject,
      body: message.text,
      type: message.push?.type ?? 'system',
      ...(message.url ? { url: message.url } : {}),
      ...(message.push?.tag ? { tag: message.push.tag } : {}),
    });
    const options: webpush.RequestOptions = {
      vapidDetails: this.vapid,
      TTL: this.ttlSeconds,
      urgency: message.push?.urgent ? 'high' : 'normal',
      contentEncoding: 'aes128gcm',
      // A message sent again for the same delivery (a retry after an ambiguous send) replaces the
      // one still waiting at the push service instead of arriving twice.
      topic: createHash('sha256').update(message.deliveryId).digest('base64url').slice(0, 32),
    };

    const answers = await Promise.all(subscriptions.map(async (s) => ({ s, answer: await this.sendOne(s, payload, options) })));
    const gone = answers.filter((a) => a.answer.kind === 'gone');
    // A subscription saved again with new keys meanwhile is kept (removeGone checks the keys).
    await Promise.all(gone.map(({ s }) => this.subscriptions.removeGone(s).catch(() => false)));
    if (answers.some((a) => a.answer.kind === 'accepted')) return { provider: this.name };

    const summary = describe(answers.map((a) => a.answer));
    const transient = answers.map((a) => a.answer).filter((a): a is Extract<Answer, { kind: 'transient' }> => a.kind === 'transient');
    if (transient.length > 0) {
      const retryAfter = transient.map((t) => t.retryAfterMs).filter((ms): ms is number => ms !== undefined);
      throw new ChannelSendError('transient', transient[0]!.errorClass, summary, this.name, retryAfter.length ? Math.max(...retryAfter) : undefined);
    }
    const permanent = answers.map((a) => a.answer).find((a): a is Extract<Answer, { kind: 'permanent' }> => a.kind === 'permanent');
    if (permanent) throw new ChannelSendError('permanent', permanent.errorClass, summary, this.name);
    throw new ChannelSendError('permanent', 'no_push_subscription', `every push subscription is gone (${summary})`, this.name);
  }

  async close(): Promise<void> {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private async sendOne(s: PushSubscription, payload: string, options: webpush.RequestOptions): Promise<Answer> {
    const refused = pushEndpointProblem(s.endpoint, this.allowLoopbackHttp);
    if (refused) return { kind: 'permanent', errorClass: 'endpoint_refused', message: `endpoint ${refused}` };
    let request: webpush.RequestDetails;
    try {
      request = webpush.generateRequestDetails({ endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }, payload, options);
    } catch (err) {
      return { kind: 'permanent', errorClass: 'encryption', message: err instanceof Error ? err.message : String(err) };
    }
    let answer: { status: number; retryAfter: string | null; body: string };
    try {
      answer = await this.post(s.endpoint, request);
    } catch (err) {
      // The endpoint's host resolved to a private or local address (publicLookup): never sent there.
      if ((err as { code?: string } | null)?.code === 'EBLOCKED') return { kind: 'permanent', errorClass: 'endpoint_refused', message: (err as Error).message };
      const failure = networkError(this.name, err, this.timeoutMs);
      return { kind: 'transient', errorClass: failure.errorClass, message: failure.message };
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return { kind: 'accepted' };
    if (status === 404 || status === 410) return { kind: 'gone', status };
    const message = `${status}${answer.body ? ` ${excerpt(answer.body, 120)}` : ''}`;
    if (status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(answer.retryAfter);
      return { kind: 'transient', errorClass: status === 429 ? 'http_429' : 'http_5xx', message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { kind: 'permanent', errorClass: status === 413 ? 'payload_too_large' : `http_${status}`, message };
  }

  /** One POST with a deadline over the whole exchange; redirects are not followed (a 3xx is an answer). */
  private post(endpoint: string, request: webpush.RequestDetails): Promise<{ status: number; retryAfter: string | null; body: string }> {
    const url = new URL(endpoint);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        url,
        { method: 'POST', headers, agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent, signal: AbortSignal.timeout(this.timeoutMs) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < 1000) body += chunk;
          });
          res.on('error', reject);
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, body: body.trim() });
          });
        },
      );
      req.on('error', reject);
      req.end(request.body ?? undefined);
    });
  }
}

/** `2 subscriptions: 410, 429 rate limited` for the delivery's last error. */
function describe(answers: Answer[]): string {
  const parts = answers.map((a) => (a.kind === 'gone' ? `${a.status} gone` : a.kind === 'accepted' ? 'accepted' : `${a.errorClass}: ${a.message}`));
  return `${answers.length} subscription${answers.length === 1 ? '' : 's'}: ${parts.join('; ')}`;
}
