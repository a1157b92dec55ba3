// A child process that owns the chaos suite's TCP proxies (one per server: PostgreSQL, RabbitMQ,
// Redis). Every service reaches its server only through these, so a scenario can cut a server for
// the whole stack without touching the shared one. Kept out of the test process so that pumping
// bytes never competes with the measuring event loop. Commands arrive over IPC.
import { TcpProxy } from '@herald/platform/testing';

type Command =
  | { id: number; op: 'add'; name: string; port: number; host?: string }
  | { id: number; op: 'cut' | 'restore' | 'freeze'; name: string }
  | { id: number; op: 'stats' }
  | { id: number; op: 'close' };

const proxies = new Map<string, TcpProxy>();

function proxy(name: string): TcpProxy {
  const p = proxies.get(name);
  if (!p) throw new Error(`no proxy named ${name}`);
  return p;
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'add': {
      const p = await TcpProxy.start(cmd.port, cmd.host);
      proxies.set(cmd.name, p);
      return { port: p.port };
    }
    case 'cut':
      proxy(cmd.name).cut();
      return {};
    case 'freeze':
      proxy(cmd.name).freeze();
      return {};
    case 'restore':
      proxy(cmd.name).restore();
      return {};
    case 'stats':
      return Object.fromEntries([...proxies].map(([name, p]) => [name, { port: p.port, connections: p.connections }]));
    case 'close':
      await Promise.all([...proxies.values()].map((p) => p.close()));
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (cmd: Command) => {
  run(cmd).then(
    (result) => process.send?.({ id: cmd.id, ok: true, result }),
    (err: Error) => process.send?.({ id: cmd.id, ok: false, error: err.message }),
  );
});
// The parent is gone (even SIGKILLed): nothing to proxy for any more.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
