import type { CapturedMessage } from '../adapters/channels/capture.js';

import { OUTBOX_LANGUAGES, outboxWords } from './dev-outbox-words.js';
import { escapeHtml as esc } from './render.js';

/**
 * `/dev/outbox`: what embedded Herald would have sent by email, SMS and Slack, newest first. The
 * email is shown rendered in a sandboxed frame (no scripts, no same-origin), SMS and Slack as text.
 * The page's own words are in `locale` (dev-outbox-words.ts `outboxLocale`); the messages are as
 * they were rendered, in each recipient's language. No script and no form (the page's content
 * policy allows neither): its buttons are links.
 */
export function renderOutboxPage(messages: readonly CapturedMessage[], channels: readonly string[], locale = 'en'): string {
  const w = outboxWords(locale);
  // `messages` come newest first (CaptureProvider.list), as the page shows them.
  const items = messages.map((m) => {
    const body = m.html
      ? `<iframe title="${esc(m.subject)}" sandbox="" srcdoc="${esc(m.html)}" style="width:100%;height:520px;border:1px solid #ddd;border-radius:6px"></iframe>`
      : `<pre style="white-space:pre-wrap;background:#f6f7f9;padding:12px;border-radius:6px">${esc(m.text)}</pre>`;
    return `<article class="msg" data-channel="${esc(m.channel)}">
<h2><span class="ch">${esc(m.channel)}</span> ${esc(m.subject)}</h2>
<p class="meta">${esc(w.to)} <b>${esc(m.to)}</b> · ${esc(m.at.toISOString())} · ${esc(w.delivery)} <code>${esc(m.deliveryId)}</code> · ${esc(w.status)} <b>${esc(w.captured)}</b></p>
${body}
</article>`;
  });
  const languages = OUTBOX_LANGUAGES.map((l) =>
    l.locale === locale ? `<b lang="${l.locale}">${esc(l.name)}</b>` : `<a href="?lang=${l.locale}" hreflang="${l.locale}" lang="${l.locale}">${esc(l.name)}</a>`,
  ).join(' · ');
  return `<!doctype html><html lang="${esc(locale)}"><head><meta charset="utf-8"><title>${esc(w.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#1b1b1f}
.msg{border-bottom:1px solid #eee;padding:12px 0}.ch{display:inline-block;background:#3b5bdb;color:#fff;border-radius:4px;padding:0 6px;font-size:13px;text-transform:uppercase}
.meta{color:#555;font-size:13px}h2{font-size:17px}
.bar{display:flex;gap:12px;align-items:center;flex-wrap:wrap;font-size:14px}.button{display:inline-block;padding:6px 12px;border:1px solid #3b5bdb;border-radius:6px;color:#3b5bdb;text-decoration:none}</style></head><body>
<h1>${esc(w.heading)}</h1>
<p>${w.intro(esc(channels.join(', ')))}</p>
<nav class="bar"><a class="button" id="refresh" href="?lang=${esc(locale)}">${esc(w.refresh)}</a><a class="button" id="json" href="outbox.json">${esc(w.json)}</a><span id="language">${esc(w.language)}: ${languages}</span></nav>
${items.length ? items.join('\n') : `<p id="empty">${w.empty}</p>`}
</body></html>`;
}
