import { startProcess, type Proc } from './proc.js';
import type { ClientCommand, ClientReply } from './client-protocol.js';

/** The client worker process and a request/response channel to it over IPC. */
export class ClientWorker {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (r: ClientReply) => void; reject: (e: Error) => void }>();

  private constructor(readonly proc: Proc) {
    proc.child.on('message', (message: { seq: number; reply?: ClientReply; error?: string }) => {
      const waiter = this.pending.get(message.seq);
      if (!waiter) return;
      this.pending.delete(message.seq);
      if (message.error !== undefined) waiter.reject(new Error(`client worker: ${message.error}`));
      else waiter.resolve(message.reply!);
    });
    proc.child.once('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`client worker exited with ${code}\n${proc.output()}`));
      this.pending.clear();
    });
  }

  /** `lean`: Herald's clients are bare `ws` sockets, not @herald/client (bench --lean-clients). */
  static start(opts: { lean?: boolean } = {}): ClientWorker {
    // --expose-gc: the worker collects before each measured phase, so garbage from the previous one
    // (10,000 closed sockets, recorded arrivals) is not collected in the middle of the next.
    return new ClientWorker(startProcess('clients', 'bench/lib/client-worker.ts', { nodeArgs: ['--expose-gc'], args: opts.lean ? ['--lean'] : [] }));
  }

  call<T extends ClientReply>(command: ClientCommand): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (r: ClientReply) => void, reject });
      this.proc.child.send({ seq, command });
    });
  }

  stop(): Promise<void> {
    return this.proc.stop(5_000);
  }
}
