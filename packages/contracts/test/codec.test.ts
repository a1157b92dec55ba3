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

  it('covers every event type of the contract', () => {
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['user.registered', 'user.followed', 'user.unfollowed', 'post.created', 'comment.created', 'post.liked', 'message.sent']));
  });
});
