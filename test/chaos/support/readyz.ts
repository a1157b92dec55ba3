import type { Supervised } from './supervisor.js';

export interface ReadySample {
  at: number;
  service: string;
  status: number | 'unreachable';
  /** Names under error.details.failing of a 503. */
  failing: string[];
}

/** Polls every service's /readyz every `everyMs` while running, as a load balancer would. */
export class ReadyzPoller {
  readonly samples: ReadySample[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly services: Record<string, Supervised>,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const t = Date.now();
        await Promise.all(Object.entries(this.services).map(([key, s]) => this.probe(key, s)));
        const wait = this.everyMs - (Date.now() - t);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async probe(key: string, s: Supervised): Promise<void> {
    const at = Date.now();
    try {
      const res = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(4000) });
      const body = (await res.json().catch(() => ({}))) as { error?: { details?: { failing?: Record<string, string> } } };
      this.samples.push({ at, service: key, status: res.status, failing: Object.keys(body.error?.details?.failing ?? {}) });
    } catch {
      this.samples.push({ at, service: key, status: 'unreachable', failing: [] });
    }
  }

  between(from: number, to: number, service?: string): ReadySample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to && (service === undefined || s.service === service));
  }

  /** Did `service` answer 503 naming `dependency` at least once in [from, to)? */
  sawDown(service: string, dependency: string, from: number, to: number): boolean {
    return this.between(from, to, service).some((s) => s.status === 503 && s.failing.includes(dependency));
  }

  /** First moment at or after `from` from which `service` answered 200 (ms after `from`), or undefined. */
  readyAgainAfter(service: string, from: number): number | undefined {
    const first = this.samples.find((s) => s.service === service && s.at >= from && s.status === 200);
    return first ? first.at - from : undefined;
  }
}
