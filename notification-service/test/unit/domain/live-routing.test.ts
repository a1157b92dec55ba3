import { describe, expect, it } from 'vitest';
import { routeFrames } from '../../../src/domain/live-routing.js';
import type { AddressedFrame } from '../../../src/domain/ports.js';
import { ana, bo, cy } from './mother.js';

const frame = (userId: string, count: number): AddressedFrame => ({ userId, frame: { type: 'unread_count', count } });

describe('routeFrames', () => {
  it('batches frames per instance holding the user, in order, and drops users with no live instance', () => {
    const frames = [frame(ana.id, 1), frame(bo.id, 2), frame(cy.id, 3), frame(ana.id, 4)];
    const instances = new Map([[ana.id, ['i1', 'i2']], [bo.id, ['i2']]]);
    expect(routeFrames(frames, instances)).toEqual(new Map([
      ['i1', [frames[0], frames[3]]],
      ['i2', [frames[0], frames[1], frames[3]]],
    ]));
  });

  it('sends a user’s frame once per instance even if presence lists the instance twice', () => {
    expect(routeFrames([frame(ana.id, 1)], new Map([[ana.id, ['i1', 'i1']]])).get('i1')).toHaveLength(1);
  });
});
