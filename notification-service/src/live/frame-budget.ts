/**
 * A per-socket budget of inbound work (a token bucket). Each client frame costs what it makes the
 * server do: a ping almost nothing, a resume an inbox scan, a read one UPDATE per batch of ids. A
 * socket may spend up to `capacity` at once and earns `refillPerSecond` back; one that overdraws is
 * closed with 1008. A person clicking through their inbox never comes close; a script sending
 * thousands of 200-id reads (each a write to PostgreSQL) is stopped within a few frames, before it
 * can slow everyone else down. Repeated resumes count like any other frame.
 */
export interface FrameBudgetOptions {
  /** WS_FRAME_BUDGET: cost units a socket may spend in a burst. */
  frameBudget: number;
  /** WS_FRAME_BUDGET_REFILL: cost units earned back per second. */
  frameBudgetRefill: number;
}

export type ClientFrameCost = { type: 'ping' } | { type: 'resume' } | { type: 'read'; ids: number } | { type: 'bad' };

/** Ids one cost unit of a `read` covers: a full read of 200 ids costs 11. */
const IDS_PER_UNIT = 20;

export function costOf(frame: ClientFrameCost): number {
  switch (frame.type) {
    case 'ping':
    case 'bad':
      return 1;
    case 'resume':
      return 10;
    case 'read':
      return 1 + Math.ceil(frame.ids / IDS_PER_UNIT);
  }
}

/** The state a session keeps: two numbers, so tens of thousands of sockets stay cheap. */
export interface BudgetState {
  tokens: number;
  /** ms timestamp of the last update. */
  at: number;
}

export function fullBudget(options: FrameBudgetOptions, now: number): BudgetState {
  return { tokens: options.frameBudget, at: now };
}

/** Takes `cost` from the bucket after refilling it for the time passed; false when it would overdraw. */
export function spend(state: BudgetState, cost: number, now: number, options: FrameBudgetOptions): boolean {
  const earned = ((now - state.at) / 1000) * options.frameBudgetRefill;
  state.tokens = Math.min(options.frameBudget, state.tokens + Math.max(0, earned));
  state.at = now;
  if (state.tokens < cost) return false;
  state.tokens -= cost;
  return true;
}
