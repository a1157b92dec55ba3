import { createLogger, uuidv7 } from '@herald/platform';
import type { AppDeps, PipelineMetrics, PipelineStage } from '../../src/app/deps.js';
import type { WorkChunk, WorkQueue } from '../../src/app/work-message.js';
import { MemoryInboxStore } from '../../src/adapters/memory-inbox-store.js';
import { MemoryPreferenceStore } from '../../src/adapters/memory-preference-store.js';
import { MemoryProjectionStore } from '../../src/adapters/memory-projection-store.js';
import { MemoryUserErasure } from '../../src/adapters/memory-user-erasure.js';
import type { AddressedFrame, LiveDelivery } from '../../src/domain/ports.js';
import type { SessionRevocation } from '../../src/domain/plan.js';

/** A clock a test can move; starts at a fixed instant so assertions can name it. */
export class TestClock {
  constructor(private current = new Date('2024-05-01T12:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Records every frame; the users in `online` count as having a live session. */
export class FakeLive implements LiveDelivery {
  readonly frames: AddressedFrame[] = [];
  readonly online = new Set<string>();
  failing = false;

  async deliver(frames: readonly AddressedFrame[]): Promise<{ online: Set<string> }> {
    if (this.failing) throw new Error('live layer down');
    this.frames.push(...structuredClone(frames));
    return { online: new Set(frames.map((f) => f.userId).filter((u) => this.online.has(u))) };
  }

  async whoIsOnline(userIds: readonly string[]): Promise<Set<string>> {
    if (this.failing) throw new Error('live layer down');
    return new Set(userIds.filter((u) => this.online.has(u)));
  }

  readonly catchUps: { userIds: string[]; after: string | undefined }[] = [];
  async catchUpUsers(userIds: readonly string[], after: string | undefined): Promise<void> {
    this.catchUps.push({ userIds: [...userIds], after });
  }

  readonly revocations: SessionRevocation[] = [];
  async revoke(revocation: SessionRevocation): Promise<void> {
    this.revocations.push(structuredClone(revocation));
  }

  notificationsFor(userId: string) {
    return this.frames.flatMap((f) => (f.userId === userId && f.frame.type === 'notification' ? [f.frame.notification] : []));
  }

  countsFor(userId: string): number[] {
    return this.frames.flatMap((f) => (f.userId === userId && f.frame.type === 'unread_count' ? [f.frame.count] : []));
  }
}

/** Keeps the published chunks, as the work exchange would, for the test to hand to a worker. */
export class RecordingWorkQueue implements WorkQueue {
  readonly chunks: WorkChunk[] = [];
  async enqueue(chunks: readonly WorkChunk[]): Promise<void> {
    this.chunks.push(...structuredClone(chunks));
  }
}

export class CountingMetrics implements PipelineMetrics {
  malformed = 0;
  unknown = 0;
  chunks = 0;
  created = 0;
  eventMalformed() {
    this.malformed++;
  }
  eventUnknown() {
    this.unknown++;
  }
  chunksPublished(n: number) {
    this.chunks += n;
  }
  notificationsCreated(n: number) {
    this.created += n;
  }
  readonly stages: Partial<Record<PipelineStage, number[]>> = {};
  stage(stage: PipelineStage, seconds: number) {
    (this.stages[stage] ??= []).push(seconds);
  }
}

export interface MemoryWorld {
  deps: AppDeps;
  inbox: MemoryInboxStore;
  preferences: MemoryPreferenceStore;
  projections: MemoryProjectionStore;
  live: FakeLive;
  work: RecordingWorkQueue;
  metrics: CountingMetrics;
  clock: TestClock;
}

/** The use cases wired to in-memory fakes: no servers. */
export function memoryWorld(over: Partial<Pick<AppDeps, 'chunkSize' | 'groupWindowMs'>> = {}): MemoryWorld {
  const projections = new MemoryProjectionStore();
  const clock = new TestClock();
  const world = {
    inbox: new MemoryInboxStore(() => clock.now().getTime()),
    preferences: new MemoryPreferenceStore((id) => projections.user(id)?.timezone),
    projections,
    live: new FakeLive(),
    work: new RecordingWorkQueue(),
    metrics: new CountingMetrics(),
    clock,
  };
  const deps: AppDeps = {
    ...world,
    erasure: new MemoryUserErasure(world),
    newId: (at) => uuidv7(at.getTime()),
    logger: createLogger('notification-service-test', process.env.LOG_LEVEL ?? 'silent'),
    chunkSize: over.chunkSize ?? 1000,
    groupWindowMs: over.groupWindowMs ?? 3_600_000,
    fallbackDelayMs: 120_000,
    escalateAfterMs: 300_000,
  };
  return { ...world, deps };
}
