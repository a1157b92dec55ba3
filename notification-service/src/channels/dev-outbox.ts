import type { CapturedMessage } from '../adapters/channels/capture.js';

import { escapeHtml as esc } from './render.js';

/**
 * `/dev/outbox`: what embedded Herald would have sent by email, SMS and Slack, newest first. The
 * email is shown rendered in a sandboxed frame (no scripts, no same-origin), SMS and Slack as text.
 */
export function renderOutboxPage(messages: readonly CapturedMessage[], channels: readonly string[]): string {
  const items = [...messages].reverse().map((m) => {
    const body = m.html
      ? `<iframe title="${esc(m.subject)}" sandbox="" srcdoc="${esc(m.html)}" style="width:100%;min-height:260px;border:1px solid #ddd;border-radius:6px"></iframe>`
      : `<pre style="white-space:pre-wrap;background:#f6f7f9;padding:12px;border-radius:6px">${esc(m.text)}</pre>`;
    return `<article class="msg" data-channel="${esc(m.channel)}">
<h2><span class="ch">${esc(m.channel)}</span> ${esc(m.subject)}</h2>
<p class="meta">to <b>${esc(m.to)}</b> · ${esc(m.at.toISOString())} · delivery <code>${esc(m.deliveryId)}</code> · status <b>sent (captured)</b></p>
${body}
</article>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Herald dev outbox</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#1b1b1f}
.msg{border-bottom:1px solid #eee;padding:12px 0}.ch{display:inline-block;background:#3b5bdb;color:#fff;border-radius:4px;padding:0 6px;font-size:13px;text-transform:uppercase}
.meta{color:#555;font-size:13px}h2{font-size:17px}</style></head><body>
<h1>Dev outbox</h1>
<p>No email, SMS or Slack provider is configured, so embedded Herald keeps what it would have sent (${esc(channels.join(', '))}) here instead. Set <code>SMTP_URL</code> (and the <code>SMS_*</code> variables) to send for real.</p>
${items.length ? items.join('\n') : '<p id="empty">Nothing sent yet. A notification still unread <code>FALLBACK_DELAY_MS</code> after it arrived, for someone with no open session, shows up here.</p>'}
</body></html>`;
}
