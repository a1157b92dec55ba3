import type { Logger } from '@herald/platform';
import type { OutboundMessage, OutOfBandChannel } from '../domain/channels.js';
import { digestContent } from '../domain/digest.js';
import type { ClaimedDigest, DigestMessage } from '../domain/digest-ports.js';
import type { DigestInput } from '../templates/context.js';
import { escapeHtml } from './render.js';
import type { TrackingSigner } from './tracking.js';

/**
 * What a digest says (docs/channels.md "Digests"). The lines come from domain/digest.ts; the words
 * around them from the `digest` templates per channel and locale (templates/<locale>/digest.*,
 * docs/templates.md), in the person's language from the user projection, English when there is
 * none. `renderDigest` below is the plain English default, used only when the templates fail, like
 * channels/render.ts for single deliveries.
 */

/**
 * A digest's links, all tracked (docs/channels.md "Digests"): each token names this digest on this
 * channel (and, for an item, the notification it leads to), so a click records `clicked` on the
 * digest and the redirect is derived from those ids. The pixel is the email's only.
 */
export interface DigestLinks {
  inbox: string;
  item(notificationId: string): string;
  pixel?: string;
  settingsUrl: string;
}

export function digestLinks(ctx: { publicUrl: string; signer: TrackingSigner }, digestId: string, channel: OutOfBandChannel): DigestLinks {
  const base = ctx.publicUrl.replace(/\/+$/, '');
  const click = (n?: string) => `${base}/t/c/${ctx.signer.sign({ d: digestId, c: channel, k: 'c', ...(n ? { n } : {}) })}`;
  return {
    inbox: click(),
    item: (n) => click(n),
    ...(channel === 'email' ? { pixel: `${base}/t/o/${ctx.signer.sign({ d: digestId, c: channel, k: 'o' })}` } : {}),
    settingsUrl: `${base}/#/settings`,
  };
}

/** The digest as the `digest` templates take it: the listed lines (each with its tracked link), how many lines in all, the period. */
export function digestInput(links: Pick<DigestLinks, 'item'>, digest: DigestMessage): DigestInput {
  const content = digestContent(digest.items, digest.locale ?? undefined);
  return {
    items: content.entries.map((e) => ({ type: e.type, title: e.title, body: e.body, count: e.count, createdAt: e.createdAt, link: links.item(e.notificationIds[0]!) })),
    total: content.total,
    period: digest.frequency,
  };
}

export interface RenderedDigest {
  subject: string;
  text: string;
  /** Email only. */
  html?: string;
  /** Push only: where a click on the notification leads. */
  url?: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The plain default digest of one channel, in English (every locale falls back to it), from the
 * same input as the templates: `{items, total, period}` plus the inbox and settings links.
 */
export function renderDigest(input: DigestInput, links: { link: string; settingsUrl: string; pixel?: string }, channel: OutOfBandChannel): RenderedDigest {
  const heading = input.period === 'weekly' ? 'Your week on Herald' : 'Your day on Herald';
  const more = Math.max(0, input.total - input.items.length);
  const moreLine = more > 0 ? `and ${more} more` : '';
  const subject = `${heading}: ${plural(input.total, 'new notification', 'new notifications')}`;
  switch (channel) {
    case 'email': {
      const text = [
        `${subject}`,
        '',
        ...input.items.map((i) => `• ${i.title}${i.body ? `\n  ${i.body}` : ''}\n  ${i.link}`),
        ...(moreLine ? [moreLine] : []),
        '',
        `Open your inbox: ${links.link}`,
        '',
        `You get this email because you chose ${input.period} digests. Change it in your notification settings: ${links.settingsUrl}`,
      ].join('\n');
      const rows = input.items
        .map((i) => `<li style="margin:0 0 12px"><a href="${escapeHtml(i.link)}" style="color:#1b1b1f;font-weight:600;text-decoration:none">${escapeHtml(i.title)}</a>${i.body ? `<br><span style="color:#555">${escapeHtml(i.body)}</span>` : ''}</li>`)
        .join('\n');
      const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1b1b1f">
<h1 style="font-size:18px">${escapeHtml(heading)}</h1>
<p style="font-size:15px">${escapeHtml(plural(input.total, 'new notification', 'new notifications'))}</p>
<ul style="font-size:15px;line-height:1.5;padding-left:18px">
${rows}
</ul>
${moreLine ? `<p style="font-size:14px;color:#555">${escapeHtml(moreLine)}</p>` : ''}
<p><a href="${escapeHtml(links.link)}" style="display:inline-block;padding:10px 16px;background:#3b5bdb;color:#fff;border-radius:6px;text-decoration:none">Open your inbox</a></p>
<p style="font-size:12px;color:#666">You get this email because you chose ${escapeHtml(input.period)} digests. <a href="${escapeHtml(links.settingsUrl)}">Change it in your notification settings.</a></p>
${links.pixel ? `<img src="${escapeHtml(links.pixel)}" width="1" height="1" alt="">\n` : ''}</body></html>`;
      return { subject, text, html };
    }
    case 'sms': {
      const head = `Herald: ${plural(input.total, 'new notification', 'new notifications')}: ${input.items.map((i) => i.title).join('; ')}${moreLine ? ` (${moreLine})` : ''}`;
      // Two SMS segments at most, link included.
      const room = 300 - links.link.length - 1;
      return { subject, text: `${head.length > room ? `${head.slice(0, Math.max(0, room - 1))}…` : head} ${links.link}` };
    }
    case 'slack':
      return { subject, text: [`*${subject}*`, ...input.items.map((i) => `• <${i.link}|${i.title}>`), ...(moreLine ? [`_${moreLine}_`] : []), `<${links.link}|Open your inbox>`].join('\n') };
    case 'push':
      return { subject: heading, text: [...input.items.map((i) => i.title), ...(moreLine ? [moreLine] : [])].join('\n'), url: links.link };
  }
}

/** The stable id of a digest message: the email Message-ID and the provider's idempotency key. */
export const digestDeliveryIdOf = (digestId: string, channel: OutOfBandChannel) => `${digestId}.${channel}`;

/** What renders through the templates (src/templates/templates.ts `Templates.renderDigest`). */
export interface DigestTemplates {
  renderDigest(input: { channel: OutOfBandChannel; recipientId: string; address: string; deliveryId: string; digest: DigestInput; link?: string; pixel?: string }): Promise<OutboundMessage>;
}

export interface DigestRenderContext {
  publicUrl: string;
  /** Signs the digest's links and pixel (the same TRACKING_SECRET as single deliveries). */
  signer: TrackingSigner;
  templates?: DigestTemplates;
  logger?: Logger;
}

/** A claimed digest as the message its channel's providers send: through the templates, the plain default if they fail. */
export async function renderDigestMessage(ctx: DigestRenderContext, claimed: ClaimedDigest): Promise<OutboundMessage> {
  const links = digestLinks(ctx, claimed.digest.id, claimed.channel);
  const message = await renderDigestText(ctx, claimed, links);
  if (claimed.channel !== 'push') return message;
  // Push: the service worker's details; one digest notification on screen per frequency (its tag).
  // `id` is the digest's (there is no notification of that id), so a click must lead by `url`: to
  // the inbox through the tracked link, whatever a custom template left out.
  return {
    ...message,
    url: message.url || links.inbox,
    push: { notificationId: claimed.digest.id, type: 'digest', tag: `digest:${claimed.digest.frequency}`, urgent: false },
  };
}

async function renderDigestText(ctx: DigestRenderContext, claimed: ClaimedDigest, links: DigestLinks): Promise<OutboundMessage> {
  const input = digestInput(links, claimed.digest);
  const deliveryId = digestDeliveryIdOf(claimed.digest.id, claimed.channel);
  if (ctx.templates) {
    try {
      return await ctx.templates.renderDigest({
        channel: claimed.channel, recipientId: claimed.recipientId, address: claimed.address, deliveryId, digest: input,
        link: links.inbox, ...(links.pixel ? { pixel: links.pixel } : {}),
      });
    } catch (err) {
      ctx.logger?.error({ err, digestId: claimed.digest.id, channel: claimed.channel }, 'digest templates failed; the plain default digest is sent');
    }
  }
  const rendered = renderDigest(input, { link: links.inbox, settingsUrl: links.settingsUrl, ...(links.pixel ? { pixel: links.pixel } : {}) }, claimed.channel);
  return { deliveryId, channel: claimed.channel, to: claimed.address, ...rendered };
}
