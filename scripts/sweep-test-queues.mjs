// Deletes queues that earlier test or bench runs left on the local RabbitMQ (names starting with
// `test.`, `e2e.` or `bench.`), so they cannot pile up across runs: hundreds of idle quorum queues slow
// a 2-core broker until AMQP handshakes time out. Used by .ci/run before the tests. A run's queues
// share a prefix (`e2e.<id>.notification-service.events`, `… .retry.1000`, `… .dlq`); while any queue
// of a prefix has a consumer the run is alive and none of its queues is touched (retry and
// dead-letter queues never have consumers of their own). Any other name is never touched.
import { execFileSync } from 'node:child_process';
import amqp from 'amqplib';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const TEST_QUEUE = /^(test|e2e|bench)\./;

// rabbitmqctl list_queues can hang on this broker version; eval over the queue table does not.
const listing = execFileSync(
  'rabbitmqctl',
  ['eval', '[{element(4, amqqueue:get_name(Q)), length(rabbit_amqqueue:consumers(Q))} || Q <- rabbit_amqqueue:list()].'],
  { encoding: 'utf8', timeout: 60_000 },
);
const queues = [...listing.matchAll(/\{<<"((?:[^"\\]|\\.)*)">>,\s*(\d+)\}/g)]
  .map(([, name, consumers]) => ({ name, consumers: Number(consumers) }))
  .filter(({ name }) => TEST_QUEUE.test(name));
// The run a queue belongs to: its name up to the service it is for, else the whole name.
const runOf = (name) => name.match(/^(.*?)(?:notification|post|user)-service\./)?.[1] || name;
const alive = new Set(queues.filter((q) => q.consumers > 0).map((q) => runOf(q.name)));
const names = queues.filter((q) => !alive.has(runOf(q.name))).map((q) => q.name);

if (names.length === 0) {
  console.log('no leftover test queues');
  process.exit(0);
}
const connection = await amqp.connect(url, { timeout: 20_000 });
connection.on('error', (err) => console.error('sweep:', err.message));
let deleted = 0;
for (const name of names) {
  // A failed delete closes its channel: one channel each.
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.deleteQueue(name);
    deleted++;
    await channel.close();
  } catch {
    /* gone meanwhile */
  }
}
await connection.close();
console.log(`deleted ${deleted} of ${names.length} leftover test queues`);
