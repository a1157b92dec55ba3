import Type from 'typebox';
import { ErrorBody, Notification } from '@herald/contracts';
import { UUID_PATTERN } from '@herald/platform/uuid';
import { CHANNELS, DELIVERY_STATUSES, NOTIFICATION_TYPES, PRIORITIES } from '../domain/notification.js';
import { FREQUENCIES } from '../domain/preferences.js';
import { MAX_PAGE_SIZE } from '../app/deps.js';

/**
 * Request and response schemas: validation, serialisation and the OpenAPI document come from here.
 * Ids are matched with a strict pattern rather than `format: uuid`, which also admits `urn:uuid:`
 * forms that PostgreSQL's uuid type refuses.
 */
export const IdWith = (description: string) => Type.String({ pattern: UUID_PATTERN, description });
export const Id = IdWith('uuid');
export const IdParams = Type.Object({ id: Id });
export const UserIdParams = Type.Object({ userId: Id });

/** Text PostgreSQL can store: no NUL, no lone UTF-16 surrogate (ajv compiles patterns with the u flag). */
export const Text = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\u0000\\uD800-\\uDFFF]*$' });

export const NotificationTypeSchema = Type.Enum(NOTIFICATION_TYPES);
export const ChannelSchema = Type.Enum(CHANNELS);
export const PrioritySchema = Type.Enum(PRIORITIES);

const Timestamp = Type.String({ format: 'date-time' });

/** The inbox item, one schema for the HTTP inbox and the live socket (docs/protocol.md). */
export { Notification };

export const InboxQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'nextCursor of the previous page, unchanged' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `default 20, at most ${MAX_PAGE_SIZE}` })),
    unread: Type.Optional(Type.Boolean({ description: 'true: unread items only' })),
  },
  { additionalProperties: false },
);

export const InboxPage = Type.Object({ items: Type.Array(Notification), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ChannelStatus = Type.Object({
  channel: ChannelSchema,
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  lastError: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String({ description: 'the provider that took it (smtp, smtp-fallback, twilio, slack, web-push, capture)' })),
  reason: Type.Optional(Type.String({ description: 'why it was skipped, cancelled, failed or bounced: channel_off, type_off, not_requested, delivered_live, read, superseded, no_address, no_push_subscription, undeliverable, throttled, max_attempts, rejected, ...; on a queued delivery, throttled: over the recipient’s limit, waiting for their digest' })),
  notBefore: Type.Optional(Type.String({ format: 'date-time', description: 'held until then (quiet hours)' })),
  digest: Type.Optional(Type.Enum(['daily', 'weekly'], { description: 'waiting for this digest' })),
  digestId: Type.Optional(Type.String({ description: 'the digest that took it: it went out (or ended) with that digest' })),
  updatedAt: Timestamp,
});

export const StatusQuery = Type.Object(
  {
    id: Type.Array(Type.String({ minLength: 1, maxLength: 3700 }), {
      minItems: 1,
      maxItems: 100,
      description: 'one or more notification ids: ?id=a&id=b or ?id=a,b (at most 100)',
    }),
  },
  { additionalProperties: false },
);

const NotificationStatus = Type.Object({ id: Id, channels: Type.Array(ChannelStatus) });

export const StatusPage = Type.Object(
  {
    items: Type.Array(NotificationStatus),
    id: Type.Optional(Id),
    channels: Type.Optional(Type.Array(ChannelStatus)),
  },
  {
    description:
      'In the order asked; ids you neither received nor sent, and unknown ids, are left out. When exactly one id is asked ' +
      'for, its `id` and `channels` are also given at the top level, and an id that is not yours or unknown answers 404.',
  },
);

// Every channel list below is derived from CHANNELS (domain/channels.ts is the one definition).
const TypePreference = Type.Object({
  ...Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(Type.Boolean())])),
  frequency: Type.Optional(Type.Enum(FREQUENCIES)),
});

export const Preferences = Type.Object({
  channels: Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, Type.Boolean()]))),
  types: Type.Record(Type.String(), TypePreference),
  frequency: Type.Enum(FREQUENCIES),
  quietHours: Type.Optional(Type.Union([Type.Object({ start: Type.String(), end: Type.String() }), Type.Null()])),
  timezone: Type.Optional(Type.String()),
  digestHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, description: 'local hour of daily/weekly digests (default 8)' })),
  slackWebhookUrl: Type.Optional(Type.Union([Type.String({ maxLength: 300, description: 'a Slack incoming-webhook URL (https://hooks.slack.com/services/...)' }), Type.Null()])),
});

/** The PUT body as documented; every field is optional and validated by normalizePreferences. */
export const PreferencesBody = Type.Partial(Preferences, { description: 'omitted fields take the default; the time zone stays as it was' });

export const NoContent = Type.Null({ description: 'no content' });

/** The error statuses every authenticated route can answer with. */
export const errorResponses = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody } as const;
