import { ChannelSendError, type ChannelProvider, type OutboundMessage, type SentReceipt } from '../../domain/channels.js';
import { excerpt, postWithTimeout, parseRetryAfter } from './http.js';

export interface SlackWebhookOptions {
  /** Provider name in attempts, breaker states and metrics. */
  name?: string;
  /**
   * Hosts a webhook URL may point at. The URL comes from the person's settings, so without this
   * list Herald would POST wherever a user asks (SSRF). Tests add 127.0.0.1.
   */
  allowedHosts?: readonly string[];
  /** Refuse plain http URLs; off only for local test servers. */
  requireHttps?: boolean;
  timeoutMs?: number;
  /** Send Block Kit blocks (bold title, body) besides the plain `text` fallback. */
  blocks?: boolean;
}

/** Slack's answers that mean the webhook itself is gone or revoked: the person must set a new one. */
const ADDRESS_ERRORS = new Set(['no_service', 'no_team', 'team_disabled', 'channel_not_found', 'channel_is_archived', 'invalid_token', 'no_active_hooks']);

/** A section's text field is limited to 3000 characters. */
const MAX_SECTION = 3000;

/** Slack incoming webhooks: `message.to` is the person's webhook URL. */
export class SlackWebhookProvider implements ChannelProvider {
  readonly name: string;
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly requireHttps: boolean;
  private readonly timeoutMs: number;
  private readonly withBlocks: boolean;

  constructor(opts: SlackWebhookOptions = {}) {
    this.name = opts.name ?? 'slack';
    this.allowedHosts = new Set((opts.allowedHosts ?? ['hooks.slack.com']).map((h) => h.toLowerCase()));
    this.requireHttps = opts.requireHttps ?? true;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.withBlocks = opts.blocks ?? true;
  }

  async send(message: OutboundMessage): Promise<SentReceipt> {
    const url = this.checkedUrl(message.to);
    // Text from a Slack template is mrkdwn already (title, links, escaping): sent as it is.
    const formatted = message.format === 'mrkdwn';
    const text = formatted ? message.text : message.subject ? `${message.subject}\n${message.text}` : message.text;
    const payload: { text: string; blocks?: unknown[] } = { text };
    if (this.withBlocks) {
      const title = message.subject && !formatted ? `*${escapeMrkdwn(message.subject)}*\n` : '';
      const section = truncate(formatted ? message.text : `${title}${escapeMrkdwn(message.text)}`, MAX_SECTION);
      payload.blocks = [{ type: 'section', text: { type: 'mrkdwn', text: section } }];
    }

    const answer = await postWithTimeout(this.name, url.href, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      timeoutMs: this.timeoutMs,
    });

    if (answer.status >= 200 && answer.status < 300) return { provider: this.name };
    const error = answer.body.trim();
    const summary = `Slack answered ${answer.status}: ${excerpt(error) || '(empty)'}`;
    if (answer.status === 429 || answer.status >= 500) {
      const errorClass = answer.status === 429 ? 'http_429' : 'http_5xx';
      throw new ChannelSendError('transient', errorClass, summary, this.name, parseRetryAfter(answer.headers.get('retry-after')));
    }
    if (answer.status === 404 || answer.status === 410 || ADDRESS_ERRORS.has(error)) {
      throw new ChannelSendError('address', ADDRESS_ERRORS.has(error) ? `slack_${error}` : `http_${answer.status}`, summary, this.name);
    }
    throw new ChannelSendError('permanent', /^[a-z_]+$/.test(error) ? `slack_${error}` : `http_${answer.status}`, summary, this.name);
  }

  private checkedUrl(to: string): URL {
    let url: URL;
    try {
      url = new URL(to);
    } catch {
      throw new ChannelSendError('address', 'invalid_webhook_url', 'the Slack webhook URL is not a URL', this.name);
    }
    const httpsOk = url.protocol === 'https:' || (!this.requireHttps && url.protocol === 'http:');
    if (!httpsOk) throw new ChannelSendError('address', 'invalid_webhook_url', `refusing a ${url.protocol} webhook URL`, this.name);
    if (!this.allowedHosts.has(url.hostname.toLowerCase())) {
      throw new ChannelSendError('address', 'webhook_host_not_allowed', `refusing webhook host ${url.hostname}`, this.name);
    }
    return url;
  }
}

/** Slack treats &, < and > as control characters in mrkdwn (links, mentions). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
