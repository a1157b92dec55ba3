import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, notification } from './support/builders.js';
import { MemoryInbox } from './support/memory-inbox.js';
import { startLiveServer, testTokens, type LiveServer } from './support/live-server.js';
import { TestClient } from './support/test-client.js';

// Real sockets: a client flooding the server with expensive frames is closed with 1008 within a
// few frames, and the inbox does a bounded amount of work for it; a normal client is never touched.
class CountingInbox extends MemoryInbox {
  reads = 0;
  override async markRead(ids: readonly string[], userId: string, at: Date): Promise<string[]> {
    this.reads++;
    return super.markRead(ids, userId, at);
  }
}

const tokens = testTokens();
const inbox = new CountingInbox();
const clients: TestClient[] = [];
let server: LiveServer;

async function connect(userId: string): Promise<TestClient> {
  const client = await TestClient.connect(server.url, { token: tokens.tokenFor(userId) });
  clients.push(client);
  await client.next('hello');
  return client;
}

beforeAll(async () => {
  server = await startLiveServer({ verifier: tokens.verifier, inbox });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server.close();
});

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe('inbound frame budget (WS_FRAME_BUDGET)', () => {
  it('closes a socket flooding 1,000 reads of 200 ids with 1008 after a handful reached the inbox', async () => {
    const userId = newUserId();
    const flooder = await connect(userId);
    const before = inbox.reads;
    for (let i = 0; i < 1_000; i++) flooder.ws.send(JSON.stringify({ type: 'read', ids: ids(200) }));
    const closed = await Promise.race([flooder.closed, sleep(5_000).then(() => undefined)]);
    expect(closed).toMatchObject({ code: 1008 });
    expect(inbox.reads - before).toBeLessThanOrEqual(6);
    expect(await server.registry.getSingleMetricAsString('live_frame_budget_closes_total')).toMatch(/ [1-9]\d*$/m);
  });

  it('counts repeated resumes too', async () => {
    const client = await connect(newUserId());
    for (let i = 0; i < 20; i++) client.ws.send(JSON.stringify({ type: 'resume', after: randomUUID() }));
    expect(await Promise.race([client.closed, sleep(5_000).then(() => undefined)])).toMatchObject({ code: 1008 });
  });

  it('leaves a well-behaved client alone: pings, a resume, and reads as a person makes them', async () => {
    const userId = newUserId();
    const items = Array.from({ length: 30 }, () => inbox.add(userId, notification()));
    const client = await connect(userId);
    client.ws.send(JSON.stringify({ type: 'resume', after: '00000000-0000-7000-8000-000000000000' }));
    for (let i = 0; i < 15; i++) {
      client.ws.send(JSON.stringify({ type: 'ping' }));
      client.ws.send(JSON.stringify({ type: 'read', ids: [items[i * 2]!.id, items[i * 2 + 1]!.id] }));
      await sleep(100);
    }
    await client.waitFor(() => client.frames.filter((f) => f.type === 'pong').length === 15, 'every pong');
    expect(client.closeEvent).toBeUndefined();
  });
});
