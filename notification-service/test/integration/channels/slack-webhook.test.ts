import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSendError, type OutboundMessage } from '../../../src/domain/channels.js';
import { SlackWebhookProvider } from '../../../src/adapters/channels/slack-webhook.js';

type Answer = { status: number; body: string; headers?: Record<string, string> } | 'hang';

/** Slack's incoming-webhook endpoint on 127.0.0.1: each path answers as configured in `answers`. */
function startSlack(answers: Record<string, Answer>): Promise<{ server: Server; base: string; received: { path: string; json: unknown }[] }> {
  const received: { path: string; json: unknown }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, json: JSON.parse(body) });
      const answer = answers[path] ?? { status: 404, body: 'no_service' };
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received })),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelSendError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ChannelSendError);
  return err as ChannelSendError;
}

describe('SlackWebhookProvider against a local webhook endpoint', () => {
  let slack: Awaited<ReturnType<typeof startSlack>>;
  let provider: SlackWebhookProvider;
  const to = (path: string) => `${slack.base}${path}`;
  const message = (path: string, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    deliveryId: 'd-1.slack',
    channel: 'slack',
    to: to(path),
    subject: 'Bo mentioned you',
    text: 'in <post> & more',
    ...over,
  });

  beforeAll(async () => {
    slack = await startSlack({
      '/ok': { status: 200, body: 'ok' },
      '/gone': { status: 410, body: 'channel_is_archived' },
      '/revoked': { status: 403, body: 'invalid_token' },
      '/bad': { status: 400, body: 'invalid_payload' },
      '/slow-down': { status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } },
      '/down': { status: 503, body: 'service unavailable' },
      '/hang': 'hang',
    });
    provider = new SlackWebhookProvider({ allowedHosts: ['127.0.0.1'], requireHttps: false, timeoutMs: 300 });
  });
  afterAll(async () => {
    slack.server.closeAllConnections();
    await new Promise((resolve) => slack.server.close(resolve));
  });

  it('posts text and an escaped mrkdwn block, and takes "ok" as sent', async () => {
    expect(await provider.send(message('/ok'))).toEqual({ provider: 'slack' });
    expect(slack.received.at(-1)).toEqual({
      path: '/ok',
      json: {
        text: 'Bo mentioned you\nin <post> & more',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Bo mentioned you*\nin &lt;post&gt; &amp; more' } }],
      },
    });
  });

  it('a removed or revoked webhook is an address failure', async () => {
    expect(await failureOf(provider.send(message('/gone')))).toMatchObject({ kind: 'address', errorClass: 'slack_channel_is_archived' });
    expect(await failureOf(provider.send(message('/revoked')))).toMatchObject({ kind: 'address', errorClass: 'slack_invalid_token' });
    expect(await failureOf(provider.send(message('/unknown')))).toMatchObject({ kind: 'address', errorClass: 'slack_no_service' });
  });

  it('invalid_payload is permanent', async () => {
    expect(await failureOf(provider.send(message('/bad')))).toMatchObject({ kind: 'permanent', errorClass: 'slack_invalid_payload' });
  });

  it('429 is transient with its Retry-After; 5xx and no answer are transient', async () => {
    expect(await failureOf(provider.send(message('/slow-down')))).toMatchObject({ kind: 'transient', errorClass: 'http_429', retryAfterMs: 30_000 });
    expect(await failureOf(provider.send(message('/down')))).toMatchObject({ kind: 'transient', errorClass: 'http_5xx' });
    expect(await failureOf(provider.send(message('/hang')))).toMatchObject({ kind: 'transient', errorClass: 'timeout' });
  });

  it('refuses hosts outside the allow-list and plain http by default, without a request', async () => {
    const before = slack.received.length;
    const strict = new SlackWebhookProvider();
    expect(await failureOf(strict.send(message('/ok')))).toMatchObject({ kind: 'address', errorClass: 'invalid_webhook_url' });
    expect(await failureOf(strict.send(message('/ok', { to: 'https://evil.test/services/x' })))).toMatchObject({
      kind: 'address',
      errorClass: 'webhook_host_not_allowed',
    });
    expect(await failureOf(provider.send(message('/ok', { to: 'not a url' })))).toMatchObject({ kind: 'address', errorClass: 'invalid_webhook_url' });
    expect(slack.received.length).toBe(before);
  });
});
