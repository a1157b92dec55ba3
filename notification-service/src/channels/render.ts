import type { OutboundMessage, OutOfBandChannel } from '../domain/channels.js';
import type { Notification } from '../domain/notification.js';
import type { TrackingSigner } from './tracking.js';

export interface RenderContext {
  /** Base of every link in a message (PUBLIC_URL). */
  publicUrl: string;
  signer: TrackingSigner;
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** What one delivery says on its channel, plainly, in English: what is sent when the templates (docs/templates.md) fail. */
export function renderMessage(ctx: RenderContext, input: { notification: Notification; channel: OutOfBandChannel; address: string; deliveryId: string }): OutboundMessage {
  const { notification: n, channel } = input;
  const base = ctx.publicUrl.replace(/\/+$/, '');
  const link = `${base}/t/c/${ctx.signer.sign({ n: n.id, c: channel, k: 'c' })}`;
  const subject = n.title;
  const common = { deliveryId: input.deliveryId, channel, to: input.address, subject };
  switch (channel) {
    case 'email': {
      const pixel = `${base}/t/o/${ctx.signer.sign({ n: n.id, c: channel, k: 'o' })}`;
      const text = `${n.title}\n\n${n.body}\n\nOpen it in Herald: ${link}\n\nYou get this email because you were away when it happened. Change what reaches you by email in your notification settings.`;
      const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1b1b1f">
<h1 style="font-size:18px">${escapeHtml(n.title)}</h1>
<p style="font-size:15px;line-height:1.5">${escapeHtml(n.body)}</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 16px;background:#3b5bdb;color:#fff;border-radius:6px;text-decoration:none">Open in Herald</a></p>
<p style="font-size:12px;color:#666">You get this email because you were away when it happened. Change what reaches you by email in your notification settings.</p>
<img src="${escapeHtml(pixel)}" width="1" height="1" alt="">
</body></html>`;
      return { ...common, text, html };
    }
    case 'sms': {
      const head = `${n.title}: ${n.body}`;
      // Two SMS segments at most, link included.
      const room = 300 - link.length;
      return { ...common, text: `${head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head} ${link}` };
    }
    case 'slack':
      return { ...common, text: `*${n.title}*\n${n.body}\n<${link}|Open in Herald>` };
    case 'push':
      return { ...common, text: n.body };
  }
}

/** The stable id of a delivery (notification × channel): the email Message-ID and the provider's idempotency key. */
export const deliveryIdOf = (notificationId: string, channel: OutOfBandChannel) => `${notificationId}.${channel}`;
