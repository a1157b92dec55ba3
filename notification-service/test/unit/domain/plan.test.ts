import { describe, expect, it } from 'vitest';
import type { DomainEvent, EventData } from '@herald/contracts';
import { planEvent, type EventPlan, type Target } from '../../../src/domain/plan.js';
import { ana, bo, commentCreated, commentId, cy, di, event, id, messageId, messageSent, postCreated, postId, postLiked, userFollowed } from './mother.js';

const explicitRecipients = (t: Target) => (t.audience.kind === 'users' ? t.audience.userIds : []);
const recipientsOf = (plan: EventPlan) => plan.targets.map((t) => [t.draft.type, explicitRecipients(t)]);

describe('planEvent: post.created', () => {
  it('targets the author’s followers with a post notification, excluding the author', () => {
    const plan = planEvent(postCreated());
    expect(plan.projections).toEqual([]);
    expect(plan.targets).toHaveLength(1);
    const [target] = plan.targets;
    expect(target?.audience).toEqual({ kind: 'followers', ofUserId: ana.id, exclude: [ana.id] });
    expect(target?.draft).toMatchObject({
      type: 'post', priority: 'low', actor: ana, object: { kind: 'post', id: postId },
      title: 'Ana posted', body: 'Hello world', data: { postId, excerpt: 'Hello world' },
    });
    expect(target?.draft.groupKey).toBeUndefined();
  });

  it('gives mentioned users a mention instead, and keeps them out of the followers audience', () => {
    const plan = planEvent(postCreated({ mentionedUserIds: [bo.id, cy.id] }));
    expect(plan.targets.map((t) => t.audience)).toEqual([
      { kind: 'users', userIds: [bo.id, cy.id] },
      { kind: 'followers', ofUserId: ana.id, exclude: [ana.id, bo.id, cy.id] },
    ]);
    expect(plan.targets[0]?.draft).toMatchObject({ type: 'mention', title: 'Ana mentioned you in a post', data: { mentionedIn: 'post' } });
  });

  it('does not notify an author who mentions themselves, and counts a repeated mention once', () => {
    const plan = planEvent(postCreated({ mentionedUserIds: [ana.id, bo.id, bo.id] }));
    expect(plan.targets[0]?.audience).toEqual({ kind: 'users', userIds: [bo.id] });
    expect(plan.targets[1]?.audience).toEqual({ kind: 'followers', ofUserId: ana.id, exclude: [ana.id, bo.id] });
  });
});

describe('planEvent: comment.created', () => {
  it('notifies the post’s author of the comment', () => {
    const plan = planEvent(commentCreated());
    expect(recipientsOf(plan)).toEqual([['comment', [bo.id]]]);
    expect(plan.targets[0]?.draft).toMatchObject({
      actor: ana, object: { kind: 'comment', id: commentId }, title: 'Ana commented on your post', body: 'Nice one',
      data: { postId, commentId, excerpt: 'Nice one' },
    });
  });

  it('gives the post author who is also mentioned only the comment', () => {
    const plan = planEvent(commentCreated({ mentionedUserIds: [bo.id, cy.id] }));
    expect(recipientsOf(plan)).toEqual([['comment', [bo.id]], ['mention', [cy.id]]]);
    expect(plan.targets[1]?.draft.title).toBe('Ana mentioned you in a comment');
  });

  it('does not notify someone commenting on their own post, but still notifies whom they mention', () => {
    const plan = planEvent(commentCreated({ postAuthorId: ana.id, mentionedUserIds: [ana.id, cy.id] }));
    expect(recipientsOf(plan)).toEqual([['mention', [cy.id]]]);
  });
});

describe('planEvent: likes, follows and messages', () => {
  it('notifies the post’s author of a like, grouped per post', () => {
    const plan = planEvent(postLiked());
    expect(recipientsOf(plan)).toEqual([['like', [bo.id]]]);
    expect(plan.targets[0]?.draft).toMatchObject({ title: 'Ana liked your post', body: 'Hello world', groupKey: `like:post:${postId}` });
  });

  it('ignores someone liking their own post', () => {
    expect(planEvent(postLiked({ postAuthorId: ana.id })).targets).toEqual([]);
  });

  it('records the follow and notifies the followee, grouped per followee', () => {
    const e = userFollowed();
    const plan = planEvent(e);
    expect(plan.projections).toEqual([{ kind: 'follow.added', followerId: ana.id, followeeId: bo.id, asOf: e.occurredAt }]);
    expect(recipientsOf(plan)).toEqual([['follow', [bo.id]]]);
    expect(plan.targets[0]?.draft).toMatchObject({ title: 'Ana followed you', body: '', groupKey: `follow:user:${bo.id}` });
  });

  it('records a self-follow faithfully but notifies nobody', () => {
    const plan = planEvent(userFollowed({ followeeId: ana.id }));
    expect(plan.projections).toHaveLength(1);
    expect(plan.targets).toEqual([]);
  });

  it('records an unfollow and notifies nobody', () => {
    const e = event('user.unfollowed', { followerId: ana.id, followeeId: bo.id });
    expect(planEvent(e)).toEqual({ projections: [{ kind: 'follow.removed', followerId: ana.id, followeeId: bo.id, asOf: e.occurredAt }], targets: [] });
  });

  it('turns user.blocked and user.unblocked into a block change of the pair at the event time, notifying nobody', () => {
    const blocked = event('user.blocked', { blockerId: ana.id, blockedId: bo.id }, new Date('2024-05-04T09:00:00Z'));
    expect(planEvent(blocked)).toEqual({ projections: [{ kind: 'block.added', blockerId: ana.id, blockedId: bo.id, asOf: '2024-05-04T09:00:00.000Z' }], targets: [] });
    const unblocked = event('user.unblocked', { blockerId: ana.id, blockedId: bo.id }, new Date('2024-05-04T09:00:01Z'));
    expect(planEvent(unblocked)).toEqual({ projections: [{ kind: 'block.removed', blockerId: ana.id, blockedId: bo.id, asOf: '2024-05-04T09:00:01.000Z' }], targets: [] });
  });

  it('plans nothing for a user.updated that only changes the direct-message policy (post-service’s business)', () => {
    expect(planEvent(event('user.updated', { userId: cy.id, changes: { directMessages: 'following' } }))).toEqual({ projections: [], targets: [] });
  });

  it('upserts the registered user, keeping what delivery needs (address, zone, language)', () => {
    const e = event('user.registered', {
      userId: cy.id, username: 'cy', displayName: 'Cy', email: 'cy@example.com', phone: null, locale: 'pt-PT', timezone: 'Europe/Lisbon',
    });
    expect(planEvent(e)).toEqual({
      projections: [{ kind: 'user.upserted', asOf: e.occurredAt, user: { id: cy.id, username: 'cy', displayName: 'Cy', email: 'cy@example.com', phone: null, locale: 'pt-PT', timezone: 'Europe/Lisbon' } }],
      targets: [],
    });
  });

  it('turns user.updated into a partial profile change ordered by the event time, notifying nobody', () => {
    const e = event('user.updated', { userId: cy.id, changes: { email: 'cy@new.example.com', phone: null, timezone: 'Asia/Tokyo' } });
    expect(planEvent(e)).toEqual({
      projections: [{ kind: 'user.updated', userId: cy.id, changes: { email: 'cy@new.example.com', phone: null, timezone: 'Asia/Tokyo' }, asOf: e.occurredAt }],
      targets: [],
    });
    const rename = event('user.updated', { userId: cy.id, changes: { username: 'cy2', displayName: 'Cy Two', locale: 'fr' } }, new Date('2024-05-02T00:00:00Z'));
    expect(planEvent(rename).projections).toEqual([
      { kind: 'user.updated', userId: cy.id, changes: { username: 'cy2', displayName: 'Cy Two', locale: 'fr' }, asOf: '2024-05-02T00:00:00.000Z' },
    ]);
  });

  it('keeps only the profile fields it knows from user.updated, and plans nothing when none is left', () => {
    const e = event('user.updated', { userId: cy.id, changes: { avatarUrl: 'https://example.com/cy.png', locale: 'de' } as EventData<'user.updated'>['changes'] });
    expect(planEvent(e).projections).toEqual([{ kind: 'user.updated', userId: cy.id, changes: { locale: 'de' }, asOf: e.occurredAt }]);
    const unknownOnly = event('user.updated', { userId: cy.id, changes: { avatarUrl: 'https://example.com/cy.png' } as EventData<'user.updated'>['changes'] });
    expect(planEvent(unknownOnly)).toEqual({ projections: [], targets: [] });
  });

  it('turns user.deleted into an erasure at the event time and the end of every live session of the person, notifying nobody', () => {
    const e = event('user.deleted', { userId: cy.id }, new Date('2024-05-03T08:00:00Z'));
    expect(planEvent(e)).toEqual({
      projections: [],
      targets: [],
      erasures: [{ userId: cy.id, deletedAt: '2024-05-03T08:00:00.000Z' }],
      revocations: [{ userId: cy.id }],
    });
  });

  it('ignores user.address_bounced, its own report about an address', () => {
    for (const channel of ['email', 'sms', 'slack'] as const) {
      expect(planEvent(event('user.address_bounced', { userId: cy.id, channel, address: 'x' }))).toEqual({ projections: [], targets: [] });
    }
  });

  it('notifies the recipient of a direct message at high priority, but not a note to oneself', () => {
    const plan = planEvent(messageSent());
    expect(recipientsOf(plan)).toEqual([['message', [bo.id]]]);
    expect(plan.targets[0]?.draft).toMatchObject({ priority: 'high', object: { kind: 'message', id: messageId }, title: 'Ana sent you a message', body: 'Lunch?' });
    expect(planEvent(messageSent({ recipientId: ana.id })).targets).toEqual([]);
  });
});

describe('planEvent: one notification per recipient per event', () => {
  const cases: [string, DomainEvent][] = [
    ['post with mentions', postCreated({ mentionedUserIds: [bo.id, ana.id, cy.id, bo.id] })],
    ['comment mentioning the post author and the commenter', commentCreated({ mentionedUserIds: [bo.id, ana.id, di.id, di.id] })],
    ['comment on own post', commentCreated({ postAuthorId: ana.id, mentionedUserIds: [ana.id, bo.id] })],
    ['like', postLiked()],
    ['follow', userFollowed()],
    ['message', messageSent()],
    ['post mentioning 50 people', postCreated({ mentionedUserIds: Array.from({ length: 50 }, (_, i) => id(1000 + (i % 30))) })],
  ];

  it.each(cases)('%s: targets are disjoint and never include the actor', (_, e) => {
    const plan = planEvent(e);
    const actorId = plan.targets[0]?.draft.actor?.id ?? '';
    const seen = new Set<string>();
    for (const target of plan.targets) {
      if (target.audience.kind === 'followers') {
        // Whoever is named explicitly elsewhere in the plan (and the actor) is excluded from the followers.
        expect(new Set(target.audience.exclude)).toEqual(new Set([actorId, ...seen]));
        continue;
      }
      for (const userId of target.audience.userIds) {
        expect(userId).not.toBe(actorId);
        expect(seen.has(userId)).toBe(false);
        seen.add(userId);
      }
    }
  });
});
