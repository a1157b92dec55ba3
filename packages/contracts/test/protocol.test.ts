import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { ClientFrame, MAX_READ_IDS, Notification, ServerFrame, readFrameSchema } from '../src/protocol.js';

const clientFrame = Compile(ClientFrame);
const serverFrame = Compile(ServerFrame);
const id = '01a208b5-4f60-7000-ad27-ee95f1d26a1c';

describe('the live protocol schemas', () => {
  it('accept the session docs/api.md shows, frame by frame (the ones it prints whole)', () => {
    const api = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const lines = [...api.matchAll(/^(S→C|C→S) (.*)$/gm)].map(([, dir, text]) => ({ dir, text: text! }));
    expect(lines.length).toBeGreaterThan(5);
    for (const { dir, text } of lines) {
      if (text.includes('…')) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        expect(dir, 'only the client sends text that is not JSON (to show the refusal)').toBe('C→S');
        continue;
      }
      if (dir === 'S→C') expect(serverFrame.Check(value), text).toBe(true);
      else expect(clientFrame.Check(value) || (value as { type: string }).type === 'dance', text).toBe(true);
    }
  });

  it('ignore unknown fields, either way', () => {
    expect(clientFrame.Check({ type: 'ping', from: 'a newer client' })).toBe(true);
    expect(serverFrame.Check({ type: 'pong', at: 1 })).toBe(true);
  });

  it('hold read frames to 1..MAX_READ_IDS notification ids, any case', () => {
    expect(clientFrame.Check({ type: 'read', ids: [id, id.toUpperCase()] })).toBe(true);
    expect(clientFrame.Check({ type: 'read', ids: [] })).toBe(false);
    expect(clientFrame.Check({ type: 'read', ids: Array(MAX_READ_IDS + 1).fill(id) })).toBe(false);
    expect(clientFrame.Check({ type: 'read', ids: [`urn:uuid:${id}`] })).toBe(false);
    expect(Compile(readFrameSchema(2)).Check({ type: 'read', ids: [id, id, id] })).toBe(false);
    expect(clientFrame.Check({ type: 'resume', after: 42 })).toBe(false);
  });

  it('describe a notification as the inbox lists it', () => {
    const n = {
      id, type: 'like', category: 'informational', priority: 'low', title: 'grace liked your post', body: 'Notes', data: { replaces: id },
      createdAt: '2026-11-23T14:00:28.092Z', readAt: null, actor: { id, username: 'grace', displayName: 'grace' },
      object: { kind: 'post', id }, groupKey: 'like:post:x', count: 2, seq: 7,
    };
    expect(Compile(Notification).Check(n)).toBe(true);
    expect(serverFrame.Check({ type: 'notification', notification: n })).toBe(true);
    expect(serverFrame.Check({ type: 'notification', notification: { ...n, seq: 0 } })).toBe(false);
    expect(serverFrame.Check({ type: 'hello', sessionId: 's', unreadCount: -1, seq: 0 })).toBe(false);
    expect(serverFrame.Check({ type: 'error', code: 'made_up', message: 'x' })).toBe(false);
  });
});
