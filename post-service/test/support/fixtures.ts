import { AppError, uuidv7 } from '@herald/platform';
import type { AppDeps } from '../../src/app/deps.js';
import type { Actor, UserSummary } from '../../src/domain/model.js';
import type { ContentStore } from '../../src/domain/ports.js';

/** Object mothers: short, readable test data. */
let counter = 0;

export function aUser(overrides: Partial<UserSummary> = {}): UserSummary {
  counter++;
  const username = overrides.username ?? `user_${counter}_${Math.random().toString(36).slice(2, 8)}`;
  return { id: uuidv7(), username, displayName: `Display ${username}`, ...overrides };
}

export function actorOf(user: UserSummary): Actor {
  return { userId: user.id, username: user.username };
}

/** A clock a test can move; starts at a fixed instant so assertions can name it. */
export class TestClock {
  constructor(private current = new Date('2026-01-02T03:04:05.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export function depsFor(store: ContentStore, clock = new TestClock()): AppDeps & { wakes: number } {
  const deps = {
    store,
    clock,
    newId: (at: Date) => uuidv7(at.getTime()),
    wakes: 0,
    afterCommit: () => {
      deps.wakes++;
    },
  };
  return deps;
}

/** The AppError a use case rejected with; fails the test if it resolved or threw something else. */
export async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}
