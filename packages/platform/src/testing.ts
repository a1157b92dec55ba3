// Helpers for tests in every workspace. Each one creates something uniquely named and gives back a
// way to remove it, so test files can run in parallel and twice against the same servers.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

// --- PostgreSQL -----------------------------------------------------------------------------

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database even if connections are still open; safe to call twice. */
  drop(): Promise<void>;
}

/** A fresh, empty database on the server at TEST_DATABASE_URL. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  const name = `${safePrefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer(base, `CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(base, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
export { TcpProxy } from './tcp-proxy.js';
export { DatabaseOutage, watchProcessFailures } from './db-outage.js';
export { freePort } from './free-port.js';
export { waitFor, type WaitOptions } from './wait-for.js';
export { decryptPushBody, fakeBrowser, startPushService, verifyVapid, type FakeBrowser, type LocalPushService, type PushAnswer, type ReceivedPush, type VapidClaims } from './web-push-service.js';
export { checkErrorReply, expectBadInput, type BadInputCase, type BadInputOptions, type Injectable, type InjectedReply } from './bad-input.js';
