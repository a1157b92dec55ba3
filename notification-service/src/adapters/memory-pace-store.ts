import { reserveSlot, type PaceAnswer, type PaceRequest, type PaceStore } from '../domain/provider-pace.js';

/**
 * Each provider's next free slot in this process: the pace of embedded mode (one process, so it is
 * the whole deployment's), of tests, and what an instance falls back to while Redis is away.
 */
export class MemoryPaceStore implements PaceStore {
  private readonly nextFree = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(provider: string, req: PaceRequest): Promise<PaceAnswer> {
    const answer = reserveSlot(this.nextFree.get(provider), this.now(), req);
    if (answer.go) this.nextFree.set(provider, answer.nextFreeAt);
    return answer;
  }
}
