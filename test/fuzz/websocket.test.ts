/**
 * Property-based fuzzing of the live socket, `/ws` through the gateway, with a valid access token.
 * Each run sends at least FRAMES_PER_RUN generated frames of one kind; whenever the server closes
 * the socket (1008 after 10 bad frames or over the frame budget, 1009 for a frame over 16 KiB) a
 * new one is opened and the run goes on until every frame was sent.
 *
 * Properties:
 * - every server frame is JSON text with a `type`; an `error` frame has a string `code` and
 *   `message`; a frame the server cannot act on is answered (error frame or close), never ignored;
 * - a close is one of the documented codes: 1008 or 1009 (and 1007, which RFC 6455 prescribes,
 *   right after a text frame that is not UTF-8; docs/api.md does not list it);
 * - nothing is logged at error level; after each run a fresh socket gets `hello` and
 *   GET /healthz is 200.
 *
 * Run: npx vitest run --project test test/fuzz/websocket.test.ts   (FUZZ_WS_RUNS, FUZZ_SEED)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import WebSocket from 'ws';
import { excerpt, OutcomeTable, startFuzzHerald, type FuzzHerald } from './support/fuzz-kit.js';
import { anyTypedValue, deepJson, nastyString } from './support/generators.js';
import { waitFor } from '../support/wait.js';

const RUNS_PER_KIND = Number(process.env.FUZZ_WS_RUNS ?? 10);
const FRAMES_PER_RUN = 100;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const MAX_FRAME_BYTES = 16 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One client frame as the fuzzer sends it. */
interface WsFrame {
  kind: string;
  /** Text (sent as a text frame) or bytes (binary frame unless `asText`). */
  data: string | Buffer;
  binary: boolean;
  /** Bytes sent as a text frame whatever they are (invalid UTF-8 on purpose). */
  asText?: boolean;
  /** Control frames and fragments, which the protocol layer handles. */
  special?: 'ping' | 'pong' | 'fragmented';
  note: string;
}

type Expectation = 'error' | 'pong' | 'unread_count' | 'maybe-nothing' | 'too-big' | 'invalid-utf8' | 'nothing';

/** What the documented protocol says the server does with `f` (docs/api.md, "Live delivery"). */
function expectationOf(f: WsFrame): Expectation {
  const bytes = Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, 'utf8');
  if (f.special === 'ping' || f.special === 'pong') return 'nothing';
  if (bytes.length > MAX_FRAME_BYTES) return 'too-big';
  if (f.binary && !f.asText) return 'error';
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return 'invalid-utf8';
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    return 'error';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'error';
  if (value.type === 'ping') return 'pong';
  if (value.type === 'resume') return typeof value.after === 'string' && UUID.test(value.after) ? 'maybe-nothing' : 'error';
  if (value.type === 'read') {
    const ids = value.ids;
    return Array.isArray(ids) && ids.length > 0 && ids.length <= 200 && ids.every((id: unknown) => typeof id === 'string' && UUID.test(id)) ? 'unread_count' : 'error';
  }
  return 'error';
}

const frameLabel = (f: WsFrame) => `[${f.kind}${f.special ? `/${f.special}` : ''}${f.binary ? '/binary' : ''}${f.asText ? '/as-text' : ''}: ${f.note}] ${excerpt(f.data, 120)}`;
const text = (kind: string, data: string, note = ''): WsFrame => ({ kind, data, binary: false, note, [fc.toStringMethod]: () => frameLabel({ kind, data, binary: false, note }) }) as WsFrame;
const withLabel = (f: WsFrame): WsFrame => Object.assign(f, { [fc.toStringMethod]: () => frameLabel(f) });

describe('fuzz: the live socket (/ws) through the gateway', () => {
  let fz: FuzzHerald;
  let token: string;
  let notificationIds: string[] = [];
  const table = new OutcomeTable();

  beforeAll(async () => {
    fz = await startFuzzHerald('ws');
    const username = `fz_ws_${Math.random().toString(36).slice(2, 10)}`;
    const res = await fetch(`${fz.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email: `${username}@example.test`, password: 'correct horse battery' }),
    });
    const body = (await res.json()) as { accessToken: string; user: { id: string } };
    expect(res.status, JSON.stringify(body)).toBe(201);
    token = body.accessToken;
    // Real notification ids, for resume and read frames that are well formed.
    for (let i = 0; i < 3; i++) {
      const sent = await fetch(`${fz.url}/api/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': fz.herald.sendApiKey! },
        body: JSON.stringify({ recipients: [body.user.id], type: 'alert', title: `fuzz ${i}` }),
      });
      expect(sent.status).toBe(202);
    }
    notificationIds = await waitFor(
      async () => {
        const inbox = (await (await fetch(`${fz.url}/api/v1/notifications`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items?: Array<{ id: string }> };
        return inbox.items && inbox.items.length >= 3 ? inbox.items.map((n) => n.id) : undefined;
      },
      { what: 'three notifications' },
    );
  }, 120_000);

  afterAll(async () => {
    table.print(`WebSocket fuzz: ${RUNS_PER_KIND} runs of ≥${FRAMES_PER_RUN} frames per kind (plus shrinking runs); what came back`, ['frame kind', 'runs', 'outcomes (frames sent, server frames, close codes, sockets)']);
    await fz?.close();
  });

  // ------------------------------------------------------------------------------------------
  // Frame arbitraries, one family per test

  const uuidish = () => fc.oneof(fc.constantFrom(...notificationIds), fc.uuid({ version: [4, 7] }), fc.constantFrom(...notificationIds).map((id) => id.toUpperCase()));
  const junkId = fc.oneof(anyTypedValue, nastyString(40), fc.constantFrom('', '0', 'null', '../../x', "' OR 1=1 --"), fc.uuid().map((u) => `${u}x`));

  const kinds: Record<string, () => fc.Arbitrary<WsFrame>> = {
    'random text': () =>
      fc.oneof(
        nastyString(200).map((s) => text('random text', s)),
        fc.string({ unit: 'binary', maxLength: 300 }).map((s) => text('random text', s)),
        fc.constantFrom('', ' ', 'ping', '{', '}', '{"type"', 'null', 'true', '[]', '"ping"', '\u0000', '{"type":"ping"}\u0000', '\ufeff{"type":"ping"}').map((s) => text('random text', s)),
      ),
    'random JSON': () =>
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }).map((v) => text('random JSON', JSON.stringify(v))),
        fc.anything({ maxDepth: 3 }).map((v) => text('random JSON', JSON.stringify(v) ?? 'null')),
        fc.dictionary(nastyString(8), anyTypedValue, { maxKeys: 4 }).map((o) => text('random JSON', JSON.stringify(o))),
        fc.constantFrom(100, 1_000, 5_000).map((d) => text('random JSON', deepJson(d, 'mixed').text(), `${d}-deep`)),
        fc.constantFrom(100, 1_000, 5_000).map((d) => text('random JSON', `{"type":"read","ids":${deepJson(d, 'array').text()}}`, `read.ids ${d}-deep`)),
      ),
    'typed frames with bad fields': () =>
      fc
        .record(
          {
            type: fc.oneof(
              { weight: 6, arbitrary: fc.constantFrom('resume', 'read', 'ping') },
              { weight: 2, arbitrary: fc.constantFrom('RESUME', 'Read', ' ping', 'ping\u0000', 'pong', 'hello', 'error', 'notification', 'unread_count', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty') },
              { weight: 1, arbitrary: anyTypedValue },
            ),
            after: fc.oneof(uuidish(), junkId),
            ids: fc.oneof(
              fc.array(uuidish(), { minLength: 1, maxLength: 5 }),
              fc.array(junkId, { maxLength: 5 }),
              fc.array(fc.oneof(uuidish(), junkId), { minLength: 1, maxLength: 5 }),
              junkId,
            ),
            extra: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'sessionId', 'userId', 'x', 'id'), anyTypedValue, { maxKeys: 2 }),
          },
          { requiredKeys: ['type'] },
        )
        .map(({ extra, ...frame }) => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries({ ...frame, ...extra })) Object.defineProperty(out, k, { value: v, enumerable: true });
          return text('typed frames with bad fields', JSON.stringify(out));
        }),
    'binary and protocol-level frames': () =>
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => withLabel({ kind: 'binary', data: Buffer.from(b), binary: true, note: 'random bytes' })),
        fc.constantFrom('{"type":"ping"}', '{"type":"read","ids":[]}').map((s) => withLabel({ kind: 'binary', data: Buffer.from(s), binary: true, note: 'JSON in a binary frame' })),
        fc
          .constantFrom([0xed, 0xa0, 0x80], [0xff], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80])
          .map((bad) => withLabel({ kind: 'binary', data: Buffer.concat([Buffer.from('{"type":"ping","x":"'), Buffer.from(bad), Buffer.from('"}')]), binary: false, asText: true, note: 'invalid UTF-8 in a text frame' })),
        fc.uint8Array({ maxLength: 125 }).map((b) => withLabel({ kind: 'binary', data: Buffer.from(b), binary: true, special: 'ping', note: 'control ping' })),
        fc.uint8Array({ maxLength: 125 }).map((b) => withLabel({ kind: 'binary', data: Buffer.from(b), binary: true, special: 'pong', note: 'unsolicited pong' })),
        fc.constantFrom('{"type":"ping"}', '{"type":"dance"}', 'not json').map((s) => withLabel({ kind: 'binary', data: s, binary: false, special: 'fragmented', note: 'in two fragments' })),
      ),
    'huge ids arrays and oversized frames': () =>
      fc.oneof(
        fc.constantFrom(200, 201, 300, 450).chain((n) =>
          fc.array(uuidish(), { minLength: n, maxLength: n }).map((ids) => text('huge', JSON.stringify({ type: 'read', ids }), `read with ${n} uuids`)),
        ),
        fc.constantFrom(1_000, 5_000, 20_000).map((n) => text('huge', JSON.stringify({ type: 'read', ids: Array.from({ length: n }, (_, i) => i) }), `read with ${n} integers`)),
        fc.constantFrom(2_000, 5_000).map((n) => text('huge', JSON.stringify({ type: 'read', ids: Array.from({ length: n }, () => '') }), `read with ${n} empty strings`)),
        fc.constantFrom(MAX_FRAME_BYTES - 1, MAX_FRAME_BYTES, MAX_FRAME_BYTES + 1, 100_000, 1_000_000).map((n) => {
          const head = '{"type":"resume","after":"';
          const fill = Math.max(0, n - head.length - 2);
          return text('huge', `${head}${'a'.repeat(fill)}"}`, `resume frame of ${n} bytes`);
        }),
        fc.constantFrom(MAX_FRAME_BYTES + 1, 65_536).map((n) => withLabel({ kind: 'huge', data: Buffer.alloc(n, 0x61), binary: true, note: `binary frame of ${n} bytes` })),
      ),
    'valid work in bursts (frame budget)': () =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(text('burst', '{"type":"ping"}', 'ping')) },
        {
          weight: 2,
          arbitrary: fc
            .integer({ min: 1, max: 200 })
            .chain((n) => fc.array(uuidish(), { minLength: n, maxLength: n }))
            .map((ids) => text('burst', JSON.stringify({ type: 'read', ids }), `read of ${ids.length} ids`)),
        },
        { weight: 1, arbitrary: fc.constantFrom(...notificationIds).map((id) => text('burst', JSON.stringify({ type: 'resume', after: id }), 'resume')) },
      ),
  };
  /** Kinds sent back to back without waiting for answers (a script, not a person). */
  const BURST_KINDS = new Set(['valid work in bursts (frame budget)']);

  // ------------------------------------------------------------------------------------------
  // A socket that records what arrives

  class Probe {
    readonly events: Array<{ at: number; frame?: any; raw?: string; binary?: boolean; close?: { code: number; reason: string } }> = [];
    closed = false;
    /** Frames that answer one client frame each: error, pong, unread_count. */
    answers = 0;
    private waiters: Array<() => void> = [];

    private constructor(readonly ws: WebSocket) {
      ws.on('message', (data, isBinary) => {
        const raw = data.toString();
        let frame: any;
        try {
          frame = JSON.parse(raw);
        } catch {
          frame = undefined;
        }
        if (['error', 'pong', 'unread_count'].includes(frame?.type)) this.answers++;
        this.push({ at: Date.now(), frame, raw, binary: isBinary });
      });
      ws.on('close', (code, reason) => {
        this.closed = true;
        this.push({ at: Date.now(), close: { code, reason: reason.toString() } });
      });
      ws.on('error', () => {});
    }

    private push(e: Probe['events'][number]) {
      this.events.push(e);
      for (const w of this.waiters.splice(0)) w();
    }

    /** Resolves at the next event (or at once if one is already past `seen`), or after `ms`. */
    next(seen: number, ms: number): Promise<void> {
      if (this.events.length > seen) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    static async open(): Promise<Probe> {
      const ws = new WebSocket(`${fz.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
      const probe = new Probe(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body}`)));
        });
        ws.once('error', reject);
      });
      const deadline = Date.now() + 5_000;
      while (probe.events.length === 0 && Date.now() < deadline) await probe.next(0, deadline - Date.now());
      const first = probe.events[0];
      if (first?.frame?.type !== 'hello') throw new Error(`a new socket got ${first ? JSON.stringify(first) : 'nothing within 5 s'} instead of hello`);
      return probe;
    }

    async shut(): Promise<void> {
      if (this.closed) return;
      this.ws.close(1000);
      await this.next(this.events.length, 2_000);
      if (!this.closed) this.ws.terminate();
    }

    send(f: WsFrame): void {
      if (f.special === 'ping') return this.ws.ping(f.data);
      if (f.special === 'pong') return this.ws.pong(f.data);
      if (f.special === 'fragmented') {
        const s = String(f.data);
        const cut = Math.floor(s.length / 2);
        this.ws.send(s.slice(0, cut), { fin: false });
        this.ws.send(s.slice(cut), { fin: true });
        return;
      }
      this.ws.send(f.data, { binary: f.binary && !f.asText });
    }
  }

  /** A server frame that breaks the protocol's shape, or undefined. */
  const frameProblem = (e: Probe['events'][number]): string | undefined => {
    if (e.close) return undefined;
    if (e.binary) return `a binary frame from the server: ${excerpt(e.raw)}`;
    if (!e.frame || typeof e.frame !== 'object' || typeof e.frame.type !== 'string') return `a server frame that is not a JSON object with a type: ${excerpt(e.raw)}`;
    if (e.frame.type === 'error' && (typeof e.frame.code !== 'string' || typeof e.frame.message !== 'string')) return `an error frame without string code and message: ${excerpt(e.raw)}`;
    if (!['hello', 'error', 'pong', 'unread_count', 'notification'].includes(e.frame.type)) return `an undocumented server frame type: ${excerpt(e.raw)}`;
    return undefined;
  };

  /**
   * Sends every frame, reopening the socket whenever the server closes it; judges each answer as
   * it comes. Throws with the frame that broke a property and the few before it.
   */
  async function runSession(row: string, frames: WsFrame[], burst = false): Promise<void> {
    table.run(row);
    const mark = fz.mark();
    let probe = await Probe.open();
    let sockets = 1;
    const history: string[] = [];
    const fail = (why: string): never => {
      throw new Error(`${why}\n  after these frames on this socket (oldest first):\n    ${history.slice(-6).join('\n    ')}`);
    };
    const judgeClose = (code: number, sentInvalidUtf8: boolean) => {
      table.count(row, `close ${code}`);
      const allowed = new Set([1008, 1009]);
      if (sentInvalidUtf8) allowed.add(1007);
      if (!allowed.has(code)) fail(`closed with ${code}, not one of ${[...allowed].join(', ')}`);
    };

    let judged = 1; // the hello
    const judgeNew = () => {
      for (const e of probe.events.slice(judged)) {
        const problem = frameProblem(e);
        if (problem) fail(problem);
        if (e.frame) table.count(row, e.frame.type === 'error' ? `error:${e.frame.code}` : e.frame.type);
      }
      judged = probe.events.length;
    };
    let owed = 0;
    let burstCount = 0;
    let sentInvalidUtf8 = false;
    for (const f of frames) {
      // Closing (the server has said so, the TCP close may lag): wait for it, then a new socket.
      if (!probe.closed && probe.ws.readyState !== WebSocket.OPEN) await probe.next(probe.events.length, 3_000);
      if (probe.closed) {
        judgeNew();
        judgeClose(probe.events.at(-1)!.close!.code, sentInvalidUtf8);
        probe = await Probe.open();
        sockets++;
        judged = 1;
        owed = 0;
        sentInvalidUtf8 = false;
        history.length = 0;
      }
      const expected = expectationOf(f);
      history.push(`${frameLabel(f)} (expect ${expected})`);
      probe.send(f);
      table.count(row, 'frames sent');
      if (expected === 'invalid-utf8') sentInvalidUtf8 = true;
      if (burst) {
        if (!['nothing', 'maybe-nothing'].includes(expected)) owed++;
        // Back to back, with a breath every 20 frames so a close is seen and a new socket opened.
        if (++burstCount % 20 === 0) await probe.next(probe.events.length, 10);
        continue;
      }
      if (expected === 'nothing' || expected === 'maybe-nothing') {
        await probe.next(probe.events.length, 30);
      } else {
        // Every frame the server must act on gets its answer (error, pong, unread_count) or the
        // close, in order: wait for all answers owed so far.
        owed++;
        const deadline = Date.now() + 3_000;
        while (!probe.closed && probe.answers < owed && Date.now() < deadline) await probe.next(probe.events.length, deadline - Date.now());
        if (!probe.closed && probe.answers < owed) fail(`no answer within 3 s to a frame the server must answer (${expected}); ${probe.answers} answers for ${owed} such frames`);
      }
      judgeNew();
      const logged = fz.errorsSince(mark);
      if (logged.length > 0) fail(`the server logged an error:\n${logged.join('\n')}`);
    }
    if (burst) {
      // Everything owed arrives, or the socket is closed (over the frame budget: 1008).
      const deadline = Date.now() + 5_000;
      while (!probe.closed && probe.answers < owed && Date.now() < deadline) await probe.next(probe.events.length, deadline - Date.now());
      if (!probe.closed && probe.answers < owed) fail(`a burst of ${owed} answerable frames got ${probe.answers} answers within 5 s and no close`);
      await probe.next(probe.events.length, 100);
    }
    judgeNew();
    if (probe.closed) judgeClose(probe.events.at(-1)!.close!.code, sentInvalidUtf8);
    await probe.shut();
    table.count(row, `sockets ${sockets > 1 ? 'reopened' : 'kept'}`);

    // Still serving: a fresh socket gets hello, the gateway answers its health check.
    const fresh = await Probe.open();
    await fresh.shut();
    const health = await fetch(`${fz.url}/healthz`);
    if (health.status !== 200) fail(`GET /healthz answered ${health.status} after the run`);
    await new Promise((r) => setTimeout(r, 20));
    const logged = fz.errorsSince(mark);
    if (logged.length > 0) fail(`the server logged an error:\n${logged.join('\n')}`);
  }

  for (const [kind, arb] of Object.entries(kinds)) {
    it(`${kind}: answered with error frames or a documented close, never a crash`, async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(fc.array(arb(), { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN + 20 }), (frames) => runSession(kind, frames, BURST_KINDS.has(kind))),
        { numRuns: RUNS_PER_KIND, seed: SEED, interruptAfterTimeLimit: 60_000 },
      );
      table.time(kind, Date.now() - started);
    }, 240_000);
  }

  it('a mix of every kind on one session: same properties', async () => {
    const started = Date.now();
    const mixed = fc.oneof(...Object.values(kinds).map((k) => k()));
    await fc.assert(
      fc.asyncProperty(fc.array(mixed, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN + 20 }), (frames) => runSession('mixed', frames)),
      { numRuns: RUNS_PER_KIND, seed: SEED, interruptAfterTimeLimit: 60_000 },
    );
    table.time('mixed', Date.now() - started);
  }, 240_000);

  it('is still up: a fresh socket gets hello and answers ping', async () => {
    const ws = new WebSocket(`${fz.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor(() => frames.find((f) => f.type === 'hello'), { what: 'hello' });
    ws.send('{"type":"ping"}');
    await waitFor(() => frames.find((f) => f.type === 'pong'), { what: 'pong' });
    ws.close();
    expect((await fetch(`${fz.url}/healthz`)).status).toBe(200);
  });
});
