import { describe, expect, it } from 'vitest';
import { NOTIFICATION_TYPES } from '../../../src/domain/notification.js';
import { nameOf, render, resolveLocale } from '../../../src/domain/render.js';
import { ana, bo, cy, di, ed } from './mother.js';

describe('render: grouped likes and follows', () => {
  it.each([
    [1, [ana], 'Ana liked your post', 'Ana followed you'],
    [2, [ana, bo], 'Ana and Bo liked your post', 'Ana and Bo followed you'],
    [3, [ana, bo, cy], 'Ana and 2 others liked your post', 'Ana and 2 others followed you'],
    [5, [ana, bo, cy], 'Ana and 4 others liked your post', 'Ana and 4 others followed you'],
  ])('%i people (latest first) → "%s"', (count, actors, like, follow) => {
    expect(render({ type: 'like', actors, count, excerpt: 'Hi' })).toEqual({ title: like, body: 'Hi' });
    expect(render({ type: 'follow', actors, count })).toEqual({ title: follow, body: '' });
  });

  it('says "1 other" when the second person of a pair is not among the known actors', () => {
    expect(render({ type: 'like', actors: [ana], count: 2 }).title).toBe('Ana and 1 other liked your post');
  });

  it('never counts fewer people than it names, and names each person once', () => {
    expect(render({ type: 'like', actors: [ana, bo], count: 1 }).title).toBe('Ana and Bo liked your post');
    expect(render({ type: 'like', actors: [ana, ana, bo] }).title).toBe('Ana and Bo liked your post');
    expect(render({ type: 'like', actors: [di, ed, ana, bo, cy] }).title).toBe('Di and 4 others liked your post');
  });

  it('copes with no known actor', () => {
    expect(render({ type: 'like' }).title).toBe('Someone liked your post');
    expect(render({ type: 'follow', count: 3 }).title).toBe('3 people followed you');
  });
});

describe('render: every type', () => {
  it('uses the excerpt as the body where there is one', () => {
    expect(render({ type: 'post', actors: [ana], excerpt: 'New day' })).toEqual({ title: 'Ana posted', body: 'New day' });
    expect(render({ type: 'comment', actors: [ana], excerpt: 'Agreed' })).toEqual({ title: 'Ana commented on your post', body: 'Agreed' });
    expect(render({ type: 'message', actors: [ana], excerpt: 'Lunch?' })).toEqual({ title: 'Ana sent you a message', body: 'Lunch?' });
  });

  it('says where a mention happened', () => {
    expect(render({ type: 'mention', actors: [ana], mentionedIn: 'post' }).title).toBe('Ana mentioned you in a post');
    expect(render({ type: 'mention', actors: [ana], mentionedIn: 'comment' }).title).toBe('Ana mentioned you in a comment');
  });

  it('uses the caller’s title and body for alerts, reminders and system notices, with a fallback title', () => {
    expect(render({ type: 'alert', title: 'Login from a new device', body: 'Was it you?' })).toEqual({ title: 'Login from a new device', body: 'Was it you?' });
    expect(render({ type: 'alert' })).toEqual({ title: 'Alert', body: '' });
    expect(render({ type: 'reminder', title: '' })).toEqual({ title: 'Reminder', body: '' });
    expect(render({ type: 'system' }).title).toBe('Herald');
  });

  it.each(NOTIFICATION_TYPES)('has a non-empty English title for %s', (type) => {
    expect(render({ type, actors: [ana] }).title.length).toBeGreaterThan(0);
  });

  it('shows the username when the display name is blank', () => {
    expect(nameOf({ id: ana.id, username: 'ana', displayName: '  ' })).toBe('ana');
    expect(render({ type: 'follow', actors: [{ ...bo, displayName: '' }] }).title).toBe('bo followed you');
  });
});

describe('render: locales', () => {
  it('resolves a regional tag to its language and anything unknown to English', () => {
    expect(resolveLocale('en-GB')).toBe('en');
    expect(resolveLocale('EN_us')).toBe('en');
    expect(resolveLocale('pt-PT')).toBe('en');
    expect(resolveLocale(undefined)).toBe('en');
    expect(render({ type: 'like', actors: [ana] }, 'xx').title).toBe('Ana liked your post');
  });
});
