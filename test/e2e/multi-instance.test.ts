import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startRealStack, type RealStack } from '../support/real-stack.js';
import type { ServiceProcess } from '../support/processes.js';
import { apiClient, uniqueName } from '../support/client.js';
import { LiveClient } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

// Two notification-service instances on real RabbitMQ, Redis and PostgreSQL. A user holds a socket
// on each; whichever instance consumes an event, both sockets get the frame. Then one instance is
// killed without warning, the client reconnects to the survivor with `resume`, and gets exactly
// what it missed, then live frames, nothing twice.
describe('many notification-service instances', () => {
  let stack: RealStack;
  let first: ServiceProcess;
  let second: ServiceProcess;
  let db: pg.Client;
  const sockets: LiveClient[] = [];

  beforeAll(async () => {
    stack = await startRealStack();
    first = stack.processes['notification-service']!;
    second = await stack.startNotificationInstance();
    db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await db?.end();
    await stack?.stop();
  });

  it('delivers to every session on every instance, and resumes without gap or duplicate after an instance dies', { timeout: 120_000 }, async () => {
    const api = apiClient(stack.gatewayUrl);
    const author = await api.register(uniqueName('author'));
    const reader = await api.register(uniqueName('reader'));
    expect((await api.call('POST', `/api/v1/users/${author.user.id}/follow`, undefined, reader.accessToken)).status).toBe(204);
    // The follow reaches notification-service's projection through the outbox and the broker.
    await waitFor(
      async () => (await db.query('SELECT 1 FROM notifications.follows WHERE followee_id = $1 AND follower_id = $2 AND active', [author.user.id, reader.user.id])).rowCount,
      { what: 'follow projected', timeoutMs: 20_000 },
    );

    const onFirst = await LiveClient.connect(first.url, reader.accessToken);
    const onSecond = await LiveClient.connect(second.url, reader.accessToken);
    sockets.push(onFirst, onSecond);

    const post = async (text: string) => {
      const res = await api.call('POST', '/api/v1/posts', { text }, author.accessToken);
      expect(res.status).toBe(201);
    };

    // Several events: the two instances compete for the queue, so both consume some of them.
    for (let i = 0; i < 6; i++) await post(`live ${i}`);
    await onFirst.waitForNotifications(6, '6 live notifications on instance 1');
    await onSecond.waitForNotifications(6, '6 live notifications on instance 2');
    // Frames from the two instances may interleave differently on each socket; the sets must match.
    expect(new Set(onFirst.notificationIds())).toEqual(new Set(onSecond.notificationIds()));
    expect(new Set(onFirst.notificationIds()).size).toBe(6);
    const lastSeen = [...onFirst.notificationIds()].sort().at(-1)!;

    // Instance 1 dies without goodbye. Events keep coming while the client is away.
    await first.kill();
    await onFirst.closed;
    for (let i = 0; i < 5; i++) await post(`missed ${i}`);
    const stored = async () => (await db.query('SELECT count(*)::int AS n FROM notifications.notifications WHERE recipient_id = $1', [reader.user.id])).rows[0].n;
    // All five are in the inbox (the survivor took the work, including anything the dead one held).
    await waitFor(async () => (await stored()) === 11, { what: '11 notifications stored', timeoutMs: 20_000 });

    // The client comes back on the survivor and resumes after the last id it saw.
    const back = await LiveClient.connect(second.url, reader.accessToken);
    sockets.push(back);
    back.send({ type: 'resume', after: lastSeen });
    await back.waitForNotifications(5, 'the 5 missed notifications replayed');
    for (let i = 0; i < 3; i++) await post(`after ${i}`);
    await back.waitForNotifications(8, 'replay then 3 live notifications');
    // Give any late duplicate a chance to show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    for (const s of [onFirst, onSecond, back]) expect(s.binaryFrames).toBe(0);
    const ids = back.notificationIds();
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    // Ids sort by creation time: the replay came oldest first and everything is newer than lastSeen.
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => id > lastSeen)).toBe(true);
    const texts = back.notifications().map((n: { body: string }) => n.body);
    // The replay holds exactly the missed five; the live part exactly the three posted after.
    expect(new Set(texts.slice(0, 5))).toEqual(new Set([0, 1, 2, 3, 4].map((i) => `missed ${i}`)));
    expect(new Set(texts.slice(5))).toEqual(new Set([0, 1, 2].map((i) => `after ${i}`)));

    // The inbox agrees with what the sockets saw: 14 notifications, each once.
    const inbox = await api.call('GET', '/api/v1/notifications?limit=100', undefined, reader.accessToken).catch(() => undefined);
    if (inbox?.status === 200) expect(inbox.body.items).toHaveLength(14);
    const rows = await db.query('SELECT count(*)::int AS n FROM notifications.notifications WHERE recipient_id = $1', [reader.user.id]);
    expect(rows.rows[0].n).toBe(14);
  });
});
