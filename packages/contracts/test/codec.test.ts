import { describe, expect, it } from 'vitest';
import { createEvent, parseEvent, InvalidEventError, UnknownEventTypeError, EVENT_TYPES } from '../src/index.js';

const author = { id: '0190c6b4-0000-7000-8000-000000000001', username: 'ana', displayName: 'Ana' };

describe('event codec', () => {
  it('round-trips a valid event through createEvent and parseEvent', () => {
    const event = createEvent('post.created', { postId: '0190c6b4-0000-7000-8000-000000000002', author, excerpt: 'hi', mentionedUserIds: [] }, { producer: 'post-service' });
    expect(event.version).toBe(1);
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses to create an event whose data breaks the schema', () => {
    expect(() => createEvent('post.liked', { postId: 'nope' } as never, { producer: 'x' })).toThrow(InvalidEventError);
  });

  it('tells a malformed envelope from an unknown type', () => {
    expect(() => parseEvent({ hello: 1 })).toThrow(InvalidEventError);
    expect(() => parseEvent('text')).toThrow(InvalidEventError);
    const unknown = { id: '0190c6b4-0000-7000-8000-000000000003', type: 'post.archived', occurredAt: new Date().toISOString(), producer: 'x', version: 1, data: {} };
    expect(() => parseEvent(unknown)).toThrow(UnknownEventTypeError);
  });

  it('rejects a known type whose payload is wrong', () => {
    const bad = { id: '0190c6b4-0000-7000-8000-000000000003', type: 'user.followed', occurredAt: new Date().toISOString(), producer: 'x', version: 1, data: { followeeId: 5 } };
    expect(() => parseEvent(bad)).toThrow(/user.followed/);
  });

  it('covers every event type docs/api.md lists, and the additions', () => {
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['user.registered', 'user.followed', 'user.unfollowed', 'post.created', 'comment.created', 'post.liked', 'message.sent']));
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['user.updated', 'user.address_bounced']));
  });
});

describe('user.updated', () => {
  const userId = '0190c6b4-0000-7000-8000-000000000004';
  const envelope = (data: unknown) => ({ id: '0190c6b4-0000-7000-8000-000000000005', type: 'user.updated', occurredAt: new Date().toISOString(), producer: 'user-service', version: 1, data });

  it('carries only the changed fields, phone null meaning removed', () => {
    const event = createEvent('user.updated', { userId, changes: { email: 'ana@example.com', phone: null } }, { producer: 'user-service' });
    expect(event.data).toEqual({ userId, changes: { email: 'ana@example.com', phone: null } });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    const rename = createEvent('user.updated', { userId, changes: { username: 'ana_l', displayName: 'Ana L', locale: 'pt-PT', timezone: 'Europe/Lisbon' } }, { producer: 'user-service' });
    expect(parseEvent(JSON.parse(JSON.stringify(rename)))).toEqual(rename);
  });

  it('refuses an empty change and wrongly typed fields', () => {
    expect(() => createEvent('user.updated', { userId, changes: {} }, { producer: 'user-service' })).toThrow(InvalidEventError);
    expect(() => parseEvent(envelope({ userId, changes: { phone: 5 } }))).toThrow(/user.updated/);
    expect(() => parseEvent(envelope({ userId, changes: { username: '' } }))).toThrow(InvalidEventError);
    expect(() => parseEvent(envelope({ userId }))).toThrow(InvalidEventError);
  });

  it('carries a direct-message policy, only everyone or following', () => {
    const event = createEvent('user.updated', { userId, changes: { directMessages: 'following' } }, { producer: 'user-service' });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(() => parseEvent(envelope({ userId, changes: { directMessages: 'nobody' } }))).toThrow(InvalidEventError);
    expect(() => parseEvent(envelope({ userId, changes: { directMessages: null } }))).toThrow(InvalidEventError);
  });

  it('tolerates a field a newer producer added', () => {
    expect(parseEvent(envelope({ userId, changes: { avatarUrl: 'https://example.com/a.png' } })).type).toBe('user.updated');
  });
});

describe('user.address_bounced', () => {
  const userId = '0190c6b4-0000-7000-8000-000000000006';

  it('names the channel and the address that bounced', () => {
    for (const [channel, address] of [['email', 'ana@example.com'], ['sms', '+14155550123'], ['slack', 'https://hooks.slack.com/services/T/B/x']] as const) {
      const event = createEvent('user.address_bounced', { userId, channel, address }, { producer: 'notification-service' });
      expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    }
  });

  it('refuses an unknown channel or an empty address', () => {
    expect(() => createEvent('user.address_bounced', { userId, channel: 'push', address: 'x' } as never, { producer: 'x' })).toThrow(InvalidEventError);
    expect(() => createEvent('user.address_bounced', { userId, channel: 'email', address: '' }, { producer: 'x' })).toThrow(InvalidEventError);
  });
});

describe('user.deleted', () => {
  const userId = '0190c6b4-0000-7000-8000-000000000007';
  const envelope = (data: unknown) => ({ id: '0190c6b4-0000-7000-8000-000000000008', type: 'user.deleted', occurredAt: new Date().toISOString(), producer: 'user-service', version: 1, data });

  it('names only the account that is gone', () => {
    const event = createEvent('user.deleted', { userId }, { producer: 'user-service' });
    expect(EVENT_TYPES).toContain('user.deleted');
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses a missing or malformed user id', () => {
    expect(() => parseEvent(envelope({}))).toThrow(/user.deleted/);
    expect(() => parseEvent(envelope({ userId: 'ana' }))).toThrow(InvalidEventError);
  });
});

describe('user.blocked and user.unblocked', () => {
  const blockerId = '0190c6b4-0000-7000-8000-000000000009';
  const blockedId = '0190c6b4-0000-7000-8000-00000000000a';
  const envelope = (type: string, data: unknown) => ({ id: '0190c6b4-0000-7000-8000-00000000000b', type, occurredAt: new Date().toISOString(), producer: 'user-service', version: 1, data });

  it('name the blocker and the blocked person, and round-trip', () => {
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['user.blocked', 'user.unblocked']));
    for (const type of ['user.blocked', 'user.unblocked'] as const) {
      const event = createEvent(type, { blockerId, blockedId }, { producer: 'user-service' });
      expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    }
  });

  it('refuse a missing side or a malformed id', () => {
    for (const type of ['user.blocked', 'user.unblocked']) {
      expect(() => parseEvent(envelope(type, { blockerId }))).toThrow(InvalidEventError);
      expect(() => parseEvent(envelope(type, { blockerId, blockedId: 'bob' }))).toThrow(new RegExp(type));
    }
  });
});
