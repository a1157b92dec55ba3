import { describe, expect, it } from 'vitest';
import { costOf, fullBudget, spend } from '../../src/live/frame-budget.js';

const options = { frameBudget: 60, frameBudgetRefill: 5 };

describe('frame budget', () => {
  it('prices frames by the work they cause', () => {
    expect(costOf({ type: 'ping' })).toBe(1);
    expect(costOf({ type: 'bad' })).toBe(1);
    expect(costOf({ type: 'resume' })).toBe(10);
    expect(costOf({ type: 'read', ids: 1 })).toBe(2);
    expect(costOf({ type: 'read', ids: 200 })).toBe(11);
  });

  it('allows a burst up to the capacity, then refuses until time refills it', () => {
    const state = fullBudget(options, 0);
    let spent = 0;
    while (spend(state, 11, 0, options)) spent++;
    expect(spent).toBe(5); // 55 of 60
    expect(spend(state, 11, 1_000, options)).toBe(false); // 5 left + 5 earned = 10
    expect(spend(state, 11, 1_200, options)).toBe(true); // + 1 more earned = 11
    expect(spend(state, 1, 1_200, options)).toBe(false);
    expect(spend(state, 1, 1_400, options)).toBe(true);
  });

  it('never holds more than its capacity, however long the socket idled', () => {
    const state = fullBudget(options, 0);
    expect(spend(state, 60, 0, options)).toBe(true);
    expect(spend(state, 61, 3_600_000, options)).toBe(false);
    expect(spend(state, 60, 3_600_000, options)).toBe(true);
  });

  it('a steady ping every 5 s and a 200-id read every 3 s are sustainable forever', () => {
    const state = fullBudget(options, 0);
    for (let t = 0; t < 600_000; t += 1_000) {
      if (t % 5_000 === 0) expect(spend(state, costOf({ type: 'ping' }), t, options)).toBe(true);
      if (t % 3_000 === 0) expect(spend(state, costOf({ type: 'read', ids: 200 }), t, options)).toBe(true);
    }
  });
});
