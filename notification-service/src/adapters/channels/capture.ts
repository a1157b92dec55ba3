import type { ChannelProvider, OutboundMessage, OutOfBandChannel, SentReceipt } from '../../domain/channels.js';

/** What a captured message looked like when it was "sent". */
export interface CapturedMessage extends Pick<OutboundMessage, 'deliveryId' | 'channel' | 'to' | 'subject' | 'text' | 'html'> {
  at: Date;
}

export interface CaptureOptions {
  name?: string;
  /** How many messages to keep; older ones are dropped first. */
  limit?: number;
  now?: () => Date;
}

/**
 * Embedded mode's provider for every channel: nothing leaves the process, the last messages are
 * kept so a developer can see what Herald would have sent (the /dev/outbox page).
 */
export class CaptureProvider implements ChannelProvider {
  readonly name: string;
  private readonly limit: number;
  private readonly now: () => Date;
  private readonly kept: CapturedMessage[] = [];

  constructor(opts: CaptureOptions = {}) {
    this.name = opts.name ?? 'capture';
    this.limit = Math.max(1, opts.limit ?? 200);
    this.now = opts.now ?? (() => new Date());
  }

  async send(message: OutboundMessage): Promise<SentReceipt> {
    const captured: CapturedMessage = {
      deliveryId: message.deliveryId,
      channel: message.channel,
      to: message.to,
      subject: message.subject,
      text: message.text,
      at: this.now(),
    };
    if (message.html !== undefined) captured.html = message.html;
    this.kept.push(captured);
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    return { provider: this.name, providerMessageId: `capture-${message.deliveryId}` };
  }

  /** Newest first, as an outbox page shows them; copies, so callers cannot edit the record. */
  list(): CapturedMessage[] {
    return this.kept.map((m) => ({ ...m, at: new Date(m.at) })).reverse();
  }

  clear(): void {
    this.kept.length = 0;
  }
}
