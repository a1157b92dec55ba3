import { describe, expect, it } from 'vitest';
import { CaptureProvider } from '../../../src/adapters/channels/capture.js';

describe('CaptureProvider', () => {
  it('keeps the last N messages, newest first', async () => {
    let tick = 0;
    const capture = new CaptureProvider({ limit: 2, now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++)) });
    for (const n of [1, 2, 3]) {
      const receipt = await capture.send({ deliveryId: `d-${n}`, channel: 'email', to: `p${n}@example.test`, subject: `s${n}`, text: `t${n}`, html: `<p>${n}</p>` });
      expect(receipt).toEqual({ provider: 'capture', providerMessageId: `capture-d-${n}` });
    }
    const listed = capture.list();
    expect(listed.map((m) => m.deliveryId)).toEqual(['d-3', 'd-2']);
    expect(listed[0]).toEqual({ deliveryId: 'd-3', channel: 'email', to: 'p3@example.test', subject: 's3', text: 't3', html: '<p>3</p>', at: new Date(Date.UTC(2025, 0, 1, 0, 0, 2)) });
    listed[0]!.to = 'changed';
    expect(capture.list()[0]?.to).toBe('p3@example.test');
    capture.clear();
    expect(capture.list()).toEqual([]);
  });
});
