/**
 * Runs catch-ups a few at a time, oldest request first. After an outage every socket of an instance
 * needs one inbox query (or more); all at once would queue tens of thousands of queries on the
 * database pool and time most of them out. Items waiting here hold their live frames meanwhile.
 */
export class CatchUpQueue<T> {
  private waiting: T[] = [];
  private head = 0;
  private running = 0;

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<void>,
    /** Items that no longer need it (a closed socket) are skipped when their turn comes. */
    private readonly skip: (item: T) => boolean = () => false,
  ) {}

  get pending(): number {
    return this.waiting.length - this.head;
  }

  get active(): number {
    return this.running;
  }

  push(item: T): void {
    this.waiting.push(item);
    this.pump();
  }

  clear(): void {
    this.waiting = [];
    this.head = 0;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.head < this.waiting.length) {
      const item = this.waiting[this.head++]!;
      // Array.shift() is O(n): with 50,000 sockets queued, an index and an occasional compaction.
      if (this.head > 1_024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      if (this.skip(item)) continue;
      this.running++;
      this.run(item)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
