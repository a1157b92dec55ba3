import type { Channel } from '../domain/notification.js';
import type { TemplateType } from './catalog.js';

/**
 * The variables each template may use, per type and channel: the admin routes refuse a template
 * naming anything else (a typo would otherwise render as nothing), docs/templates.md lists them,
 * and the sample data below fills the previews.
 */

export type VarSchema =
  | { kind: 'string' | 'number'; doc: string }
  /** Free-form (the send API's `data`): any path below it is accepted. */
  | { kind: 'any'; doc: string }
  | { kind: 'object'; doc: string; fields: Record<string, VarSchema> }
  | { kind: 'list'; doc: string; item: Extract<VarSchema, { kind: 'object' }> };

const str = (doc: string): VarSchema => ({ kind: 'string', doc });
const num = (doc: string): VarSchema => ({ kind: 'number', doc });
const obj = (doc: string, fields: Record<string, VarSchema>) => ({ kind: 'object' as const, doc, fields });

const person = (doc: string) => obj(doc, { name: str('display name (the username when it is empty)'), username: str('username') });

const COMMON: Record<string, VarSchema> = {
  recipient: person('the person receiving it'),
  createdAt: str('when it happened (ISO 8601): format it with {{date createdAt}}'),
  priority: str('low, normal, high or critical'),
  appUrl: str('the web app (PUBLIC_URL)'),
};

const OUT_OF_BAND: Record<string, VarSchema> = {
  link: str('tracked link to the item in the web app (records a click)'),
  settingsUrl: str('the notification settings page'),
};

const SOCIAL: Record<string, VarSchema> = {
  actor: person('who did it (the latest of a group)'),
  actors: { kind: 'list', doc: 'the latest people of a group (up to 3), newest first', item: person('one of them') },
  count: num('how many distinct people the item stands for (1 unless grouped)'),
  excerpt: str('the post, comment or message excerpt ("" for follows)'),
};

const SENT: Record<string, VarSchema> = {
  title: str('the title the sender gave ("" when none)'),
  body: str('the body the sender gave'),
  data: { kind: 'any', doc: "the sender's data object, as sent (e.g. data.dueAt)" },
};

const DIGEST: Record<string, VarSchema> = {
  items: {
    kind: 'list',
    doc: 'the grouped items, newest first',
    item: obj('one item', {
      type: str('its notification type'),
      title: str('its in-app title, in the person’s language'),
      body: str('its in-app body'),
      count: num('people it stands for'),
      createdAt: str('when (ISO 8601)'),
      link: str('tracked link to it in the web app (records a click on the digest)'),
    }),
  },
  total: num('how many notifications the digest covers (may exceed the items listed)'),
  more: num('total minus the items listed'),
  period: str('daily or weekly'),
};

const DIGEST_LINK = str('tracked link to the inbox in the web app (records a click on the digest)');

/** What the email layout alone uses (not offered to a type's own template). */
export const LAYOUT_VARS: Record<string, VarSchema> = {
  subject: str('the rendered subject'),
  preheader: str('the rendered preheader'),
  pixel: str('the open-tracking pixel URL ("" when there is none)'),
  reason: str('why the email was sent: away or digest'),
};

export function variablesOf(type: TemplateType, channel: Channel): Record<string, VarSchema> {
  // An inbox item is written at fan-out for whoever's inbox it is: no greeting, no link. An SMS gets
  // its link appended after the text (it is never cut to fit two segments).
  const { recipient, ...common } = COMMON;
  const base = channel === 'in_app' ? common : { recipient: recipient!, ...common, ...(channel === 'sms' ? { settingsUrl: OUT_OF_BAND.settingsUrl! } : OUT_OF_BAND) };
  // A digest's `link` is its tracked inbox link, where an item's template has the item's (an SMS
  // gets it appended, like any SMS).
  if (type === 'digest') return { ...base, ...DIGEST, ...(channel === 'sms' ? {} : { link: DIGEST_LINK }) };
  if (type === 'alert' || type === 'reminder' || type === 'system') return { ...base, ...SENT };
  if (type === 'mention') return { ...base, ...SOCIAL, mentionedIn: str('post or comment') };
  return { ...base, ...SOCIAL };
}

const ANA = { name: 'Ana Lima', username: 'ana' };
const BASE_SAMPLE = {
  recipient: { name: 'Grace Hopper', username: 'grace' },
  createdAt: '2026-12-11T13:05:00.000Z',
  priority: 'normal',
  appUrl: 'https://herald.example',
  link: 'https://herald.example/t/c/preview',
  settingsUrl: 'https://herald.example/#/settings',
};

/** Sample data of every type, for previews and the checks of a template before it is stored. */
export function sampleData(type: TemplateType): Record<string, unknown> {
  const social = { actor: ANA, actors: [ANA, { name: 'Bo Berg', username: 'bo' }, { name: 'Cy Diaz', username: 'cy' }], count: 1, excerpt: 'Notes on the Analytical Engine, with thanks to @grace' };
  switch (type) {
    case 'follow':
      return { ...BASE_SAMPLE, ...social, count: 13, excerpt: '' };
    case 'like':
      return { ...BASE_SAMPLE, ...social, priority: 'low', count: 13 };
    case 'post':
      return { ...BASE_SAMPLE, ...social, priority: 'low', actors: [ANA] };
    case 'comment':
      return { ...BASE_SAMPLE, ...social, actors: [ANA], excerpt: 'Agreed: the loops are the clever part.' };
    case 'mention':
      return { ...BASE_SAMPLE, ...social, actors: [ANA], mentionedIn: 'comment' };
    case 'message':
      return { ...BASE_SAMPLE, ...social, priority: 'high', actors: [ANA], excerpt: 'Tea on Thursday?' };
    case 'alert':
      return { ...BASE_SAMPLE, priority: 'critical', title: 'Card expiring', body: 'Your card ending 4242 expires this month.', data: { url: '/billing' } };
    case 'reminder':
      return { ...BASE_SAMPLE, title: 'Team meeting', body: 'Room 4, bring the slides.', data: { dueAt: '2026-12-12T09:30:00.000Z' } };
    case 'system':
      return { ...BASE_SAMPLE, priority: 'high', title: 'Scheduled maintenance', body: 'Herald will be read-only for 10 minutes on Sunday.', data: {} };
    case 'digest':
      return {
        ...BASE_SAMPLE,
        link: 'https://herald.example/t/c/preview-inbox',
        period: 'daily',
        total: 14,
        more: 11,
        items: [
          { type: 'like', title: 'Ana Lima and 12 others liked your post', body: 'Notes on the Analytical Engine', count: 13, createdAt: '2026-12-11T13:05:00.000Z', link: 'https://herald.example/t/c/preview-1' },
          { type: 'comment', title: 'Bo Berg commented on your post', body: 'Agreed: the loops are the clever part.', count: 1, createdAt: '2026-12-11T09:40:00.000Z', link: 'https://herald.example/t/c/preview-2' },
          { type: 'follow', title: 'Cy Diaz followed you', body: '', count: 1, createdAt: '2026-12-10T22:15:00.000Z', link: 'https://herald.example/t/c/preview-3' },
        ],
      };
  }
}
