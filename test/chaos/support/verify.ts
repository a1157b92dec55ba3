import pg from 'pg';
import type { ChaosClient } from './live-client.js';
import type { SentItem } from './load.js';
import type { CountingSmtpSink } from './smtp.js';

export interface InboxCheck {
  /** (event, recipient) pairs the accepted requests call for. */
  expected: number;
  /** Distinct (object, recipient) pairs found in the inbox. */
  delivered: number;
  missing: number;
  /** Rows beyond the first for one (object, recipient). */
  duplicates: number;
}

export interface ClientCheck {
  clients: number;
  /** Notifications (of this window's items) the inbox holds for connected clients. */
  expectedFrames: number;
  receivedFrames: number;
  missingFrames: number;
  duplicateFrames: number;
  /** Clients that ended with exactly their inbox's ids (of this window). */
  exact: number;
  /** Clients that reconnected and resumed during the window. */
  resumedClients: number;
  /** Gap repairs the clients sent (a `seq` missing for 2 s: resume after the item below it). */
  gapRepairs: number;
  /** Missing ids that were older than the cursor the client had when it last resumed (the documented "id minted before a later-committed one" limit). */
  missingOlderThanCursor: number;
  /** Frames that arrived after a frame with a higher id (live frames from two instances interleave; a replay must not). Information only. */
  outOfOrder: number;
  sampleMissing: { userId: string; id: string; objectId: string }[];
  /** For the first clients with something missing: what they did (to tell a client bug from a server one). */
  debug: unknown[];
}

export interface EmailCheck {
  due: number;
  sent: number;
  missing: number;
  duplicates: number;
}

export class Verifier {
  readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Every accepted post is in every follower's inbox once, every accepted DM in its recipient's once. */
  async inbox(items: SentItem[], followers: number): Promise<InboxCheck> {
    const posts = items.filter((i) => i.kind === 'post').map((i) => i.objectId);
    const dms = items.filter((i) => i.kind === 'dm');
    let delivered = 0;
    let duplicates = 0;
    if (posts.length) {
      const { rows } = await this.pool.query<{ n: number; r: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT recipient_id)::int AS r FROM notifications.notifications
          WHERE object_id = ANY($1::uuid[]) AND superseded_by IS NULL GROUP BY object_id`,
        [posts],
      );
      for (const row of rows) {
        delivered += row.r;
        duplicates += row.n - row.r;
      }
    }
    if (dms.length) {
      const { rows } = await this.pool.query<{ object_id: string; recipient_id: string; n: number }>(
        `SELECT object_id, recipient_id, count(*)::int AS n FROM notifications.notifications
          WHERE object_id = ANY($1::uuid[]) AND superseded_by IS NULL GROUP BY object_id, recipient_id`,
        [dms.map((d) => d.objectId)],
      );
      const want = new Map(dms.map((d) => [d.objectId, d.to]));
      for (const row of rows) {
        if (want.get(row.object_id) !== row.recipient_id) continue;
        delivered += 1;
        duplicates += row.n - 1;
      }
    }
    const expected = posts.length * followers + dms.length;
    return { expected, delivered, missing: expected - delivered, duplicates };
  }

  /** The inbox rows of `userIds` for these objects: userId → ids. */
  async inboxIds(userIds: string[], objectIds: string[]): Promise<Map<string, { id: string; objectId: string }[]>> {
    const out = new Map<string, { id: string; objectId: string }[]>(userIds.map((u) => [u, []]));
    if (!objectIds.length || !userIds.length) return out;
    const { rows } = await this.pool.query<{ id: string; recipient_id: string; object_id: string }>(
      `SELECT id, recipient_id, object_id FROM notifications.notifications
        WHERE recipient_id = ANY($1::uuid[]) AND object_id = ANY($2::uuid[]) AND superseded_by IS NULL AND in_inbox ORDER BY id`,
      [userIds, objectIds],
    );
    for (const r of rows) out.get(r.recipient_id)?.push({ id: r.id, objectId: r.object_id });
    return out;
  }

  /** Connected clients hold exactly the ids their inbox has for the window's objects, each once. */
  async clients(clients: ChaosClient[], objectIds: string[], windowStart: number, connectionsAtStart: Map<ChaosClient, number>): Promise<ClientCheck> {
    const objects = new Set(objectIds);
    const inbox = await this.inboxIds(clients.map((c) => c.userId), objectIds);
    const check: ClientCheck = { clients: clients.length, expectedFrames: 0, receivedFrames: 0, missingFrames: 0, duplicateFrames: 0, exact: 0, resumedClients: 0, gapRepairs: 0, missingOlderThanCursor: 0, outOfOrder: 0, sampleMissing: [], debug: [] };
    for (const c of clients) {
      const want = inbox.get(c.userId) ?? [];
      const got = c.arrivals.filter((a) => a.objectId && objects.has(a.objectId));
      const dup = c.duplicateArrivals.filter((a) => a.objectId && objects.has(a.objectId)).length;
      const gotIds = new Set(got.map((a) => a.id));
      const missing = want.filter((w) => !gotIds.has(w.id));
      const extra = got.filter((a) => !want.some((w) => w.id === a.id)).length;
      let max = '';
      for (const a of c.arrivals) {
        if (a.id < max && a.objectId && objects.has(a.objectId)) check.outOfOrder++;
        if (a.id > max) max = a.id;
      }
      check.expectedFrames += want.length;
      check.receivedFrames += got.length;
      check.missingFrames += missing.length;
      check.duplicateFrames += dup;
      if (missing.length === 0 && dup === 0 && extra === 0) check.exact++;
      if (c.connections > (connectionsAtStart.get(c) ?? 0)) check.resumedClients++;
      check.gapRepairs += c.gapRepairs.filter((at) => at >= windowStart).length;
      const cursors = c.resumeLog.filter((r) => r.at >= windowStart).map((r) => r.cursor);
      check.missingOlderThanCursor += missing.filter((m) => cursors.some((cur) => m.id < cur)).length;
      for (const m of missing.slice(0, 3)) if (check.sampleMissing.length < 10) check.sampleMissing.push({ userId: c.userId, ...m });
      const dupArrivals = c.duplicateArrivals.filter((a) => a.objectId && objects.has(a.objectId));
      if (dupArrivals.length && check.debug.length < 8) {
        check.debug.push({
          userId: c.userId,
          duplicates: dupArrivals.slice(0, 5).map((d) => ({ id: d.id, at: d.at, conn: d.conn, first: c.arrivals.find((a) => a.id === d.id) })),
          connections: c.connections,
          closeCodes: c.closeCodes,
          resumes: c.resumeLog.filter((r) => r.at >= windowStart),
        });
      }
      if (missing.length && check.debug.length < 5) {
        check.debug.push({
          userId: c.userId,
          missing: missing.slice(0, 5).map((m) => m.id),
          connections: c.connections,
          closeCodes: c.closeCodes,
          resumes: c.resumeLog.filter((r) => r.at >= windowStart),
          arrivalsAround: c.arrivals
            .filter((a) => a.at >= windowStart)
            .filter((a, i, all) => missing.some((m) => Math.abs(all.findIndex((x) => x.id > m.id) - i) <= 3))
            .map((a) => ({ id: a.id, at: a.at, conn: a.conn })),
        });
      }
    }
    return check;
  }

  /** Each notification of the `mail` people for these posts went out by email once. */
  async emails(mailUserIds: string[], postIds: string[], smtp: CountingSmtpSink): Promise<EmailCheck & { ids: string[] }> {
    const inbox = await this.inboxIds(mailUserIds, postIds);
    const ids = [...inbox.values()].flat().map((r) => r.id);
    let sent = 0;
    let duplicates = 0;
    for (const id of ids) {
      const n = smtp.countFor(id);
      if (n > 0) sent++;
      if (n > 1) duplicates += n - 1;
    }
    // Due: one per accepted post and mail person (an inbox row that is missing is missing here too).
    const due = postIds.length * mailUserIds.length;
    return { due, sent, missing: due - sent, duplicates, ids };
  }
}
