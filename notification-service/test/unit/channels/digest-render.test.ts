import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@herald/platform';
import { renderDigestMessage } from '../../../src/channels/digest-render.js';
import { clickTargetOf, type TrackedPayload } from '../../../src/channels/tracking.js';
import type { OutOfBandChannel } from '../../../src/domain/channels.js';
import type { ClaimedDigest } from '../../../src/domain/digest-ports.js';
import { pushPayload } from '../../../src/domain/push.js';
import { makeTemplates, notification, PUBLIC_URL, signer } from '../templates/support.js';

/**
 * A digest's links (channels/digest-render.ts): every item link, the inbox link and the email's
 * pixel are tracked tokens naming the digest on its channel, through the templates and through the
 * plain default; a push digest leads to the inbox.
 */

function claimedDigest(channel: OutOfBandChannel, recipientId: string, address = 'grace@example.com'): ClaimedDigest {
  const id = uuidv7();
  const items = [notification('comment', { title: 'Bo Berg commented on your post' }), notification('alert', { actor: undefined, title: 'Card expiring', body: 'Soon' })];
  return {
    notificationId: id,
    channel,
    recipientId,
    address,
    attempts: 1,
    urgent: false,
    notification: { id, type: 'system', category: 'informational', priority: 'normal', title: 'Your daily digest', body: '', data: {}, createdAt: new Date().toISOString(), readAt: null },
    previousClaimLost: false,
    digest: { id, frequency: 'daily', period: '2026-12-11', items, locale: null, recipient: { name: 'Grace', username: 'grace' } },
  };
}

const TOKEN_URL = /https:\/\/herald\.test\/t\/([co])\/([A-Za-z0-9_.-]+)/g;

/** Every tracking URL in a text, verified. */
function tracked(text: string): Array<{ route: string; payload: TrackedPayload | undefined }> {
  return [...text.matchAll(TOKEN_URL)].map((m) => ({ route: m[1]!, payload: signer.verify(m[2]!) }));
}

describe('digest links', () => {
  it('email through the templates: item links and the inbox button name the digest, the pixel opens it', async () => {
    const { templates, directory } = await makeTemplates();
    const claimed = claimedDigest('email', directory.add('es'));
    const message = await renderDigestMessage({ publicUrl: PUBLIC_URL, signer, templates }, claimed);
    const links = tracked(message.html!);
    const [comment, alert] = claimed.digest.items.map((i) => i.id);
    expect(links).toEqual(expect.arrayContaining([
      { route: 'c', payload: { d: claimed.digest.id, c: 'email', k: 'c', n: comment } },
      { route: 'c', payload: { d: claimed.digest.id, c: 'email', k: 'c', n: alert } },
      { route: 'c', payload: { d: claimed.digest.id, c: 'email', k: 'c' } },
      { route: 'o', payload: { d: claimed.digest.id, c: 'email', k: 'o' } },
    ]));
    expect(links.every((l) => l.payload !== undefined)).toBe(true);
    expect(message.html).not.toContain('?notification=');
    expect(message.text).not.toContain('?notification=');
    expect(tracked(message.text).length).toBeGreaterThanOrEqual(3);
  });

  it('the plain default (templates failing) tracks the same links and carries the pixel', async () => {
    const claimed = claimedDigest('email', uuidv7());
    const failing = { renderDigest: async () => Promise.reject(new Error('no templates')) };
    const message = await renderDigestMessage({ publicUrl: PUBLIC_URL, signer, templates: failing }, claimed);
    const kinds = tracked(message.html!).map((l) => `${l.route}:${l.payload && 'n' in l.payload && l.payload.n ? 'item' : 'inbox'}`);
    expect(kinds.sort()).toEqual(['c:inbox', 'c:item', 'c:item', 'o:inbox']);
    expect(tracked(message.text).every((l) => l.payload && 'd' in l.payload && l.payload.d === claimed.digest.id)).toBe(true);
  });

  it('Slack and SMS carry tracked links on their channel; no pixel', async () => {
    const { templates, directory } = await makeTemplates();
    const who = directory.add('en');
    const slack = await renderDigestMessage({ publicUrl: PUBLIC_URL, signer, templates }, claimedDigest('slack', who, 'https://hooks.slack.test/x'));
    const slackLinks = tracked(slack.text);
    expect(slackLinks).toHaveLength(3);
    expect(slackLinks.every((l) => l.route === 'c' && l.payload?.c === 'slack')).toBe(true);
    const claimedSms = claimedDigest('sms', who, '+14155550123');
    const sms = await renderDigestMessage({ publicUrl: PUBLIC_URL, signer, templates }, claimedSms);
    expect(tracked(sms.text)).toEqual([{ route: 'c', payload: { d: claimedSms.digest.id, c: 'sms', k: 'c' } }]);
  });
});

describe('push digests', () => {
  it('lead to the inbox through the tracked link, through the templates and the plain default', async () => {
    const { templates, directory } = await makeTemplates();
    const claimed = claimedDigest('push', directory.add('en'), 'ignored');
    for (const ctx of [{ publicUrl: PUBLIC_URL, signer, templates }, { publicUrl: PUBLIC_URL, signer }]) {
      const message = await renderDigestMessage(ctx, claimed);
      expect(message.push).toEqual({ notificationId: claimed.digest.id, type: 'digest', tag: 'digest:daily', urgent: false });
      const token = message.url!.match(/^https:\/\/herald\.test\/t\/c\/(.+)$/)?.[1];
      const payload = signer.verify(token ?? '');
      expect(payload).toEqual({ d: claimed.digest.id, c: 'push', k: 'c' });
      expect(clickTargetOf(PUBLIC_URL, payload!)).toBe('https://herald.test/#/inbox');
      // What the service worker receives: `url` is that link, never a notification of the digest's id.
      const sent = JSON.parse(pushPayload({ id: message.push!.notificationId, title: message.subject, body: message.text, type: message.push!.type, url: message.url!, tag: message.push!.tag! }));
      expect(sent).toMatchObject({ id: claimed.digest.id, type: 'digest', url: message.url });
    }
  });

  it('a custom push template that leaves the url out still leads to the inbox', async () => {
    const { templates, directory } = await makeTemplates();
    await templates.put('digest', 'push', 'en', { title: 'Digest', body: '{{total}} new' }, 'api:test');
    const claimed = claimedDigest('push', directory.add('en'), 'ignored');
    const message = await renderDigestMessage({ publicUrl: PUBLIC_URL, signer, templates }, claimed);
    expect(signer.verify(message.url!.split('/t/c/')[1]!)).toEqual({ d: claimed.digest.id, c: 'push', k: 'c' });
  });
});
