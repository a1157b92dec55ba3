// Removes what a chaos run left behind, from its state file (scripts/chaos.mjs calls this after a
// hard stop): the database, the queues and exchanges under its prefix, the keys under its Redis
// prefix. Processes are killed by the caller, by the pids in the same file.
import { Redis } from 'ioredis';
import pg from 'pg';
import { deleteStackTopology } from '../support/broker-cleanup.js';
import { readState } from './support/state.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const state = readState(process.argv[2]);
if (!state) process.exit(0);
let ok = true;
if (state.queuePrefix && state.exchanges) {
  await deleteStackTopology(AMQP_URL, state.queuePrefix, state.exchanges).catch((err) => ((ok = false), console.error('broker cleanup:', err)));
}
if (state.redisPrefix) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${state.redisPrefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    ok = false;
    console.error('redis cleanup:', err);
  } finally {
    redis.disconnect();
  }
}
if (state.database && /^chaos_[a-z0-9_]+$/.test(state.database)) {
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${state.database}" WITH (FORCE)`);
  } catch (err) {
    ok = false;
    console.error('database cleanup:', err);
  } finally {
    await client.end().catch(() => {});
  }
}
console.log(`chaos cleanup: ${ok ? 'done' : 'with problems'} (${JSON.stringify(state)})`);
process.exit(ok ? 0 : 1);
