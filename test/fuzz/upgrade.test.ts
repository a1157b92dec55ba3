/**
 * Property-based fuzzing of the WebSocket upgrade handshake at the gateway: junk access tokens in
 * `?token=` and in `Sec-WebSocket-Protocol: bearer.<junk>` (with and without the plain `bearer`
 * beside it). Junk includes random text (controls, NUL, lone surrogates), random JWT-shaped
 * strings, `alg: none`, tokens signed with a key of the attacker's own, HS256 signed with the
 * server's public key (algorithm confusion), a real token with its signature or payload tampered,
 * truncated, or padded, and over-long ones.
 *
 * Properties, per handshake:
 * - never a socket (no 101), never a 5xx, nothing logged at error level, and the answer is in the
 *   public error shape;
 * - the answer is exactly 401 (docs/api.md: "A missing or bad token is refused with an HTTP 401").
 *
 * Run: npx vitest run --project test test/fuzz/upgrade.test.ts   (FUZZ_RUNS, FUZZ_SEED)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { errorShapeProblem, excerpt, OutcomeTable, startFuzzHerald, type FuzzHerald } from './support/fuzz-kit.js';
import { encodeAll } from './support/generators.js';
import { headerSafe, junkTokens } from './support/tokens.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

interface Handshake {
  status: number;
  upgraded: boolean;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** A junk token and where it goes: the query (raw, percent-encoded by us) or the subprotocol header. */
interface Attempt {
  junk: string;
  how: string;
  where: 'query' | 'query-twice' | 'subprotocol' | 'subprotocol-only' | 'query-beside-real-subprotocol';
}

describe('fuzz: the WebSocket upgrade handshake refuses junk tokens', () => {
  let fz: FuzzHerald;
  let realToken: string;
  let publicPem: string;
  const table = new OutcomeTable();

  beforeAll(async () => {
    fz = await startFuzzHerald('upgrade');
    const username = `fz_up_${Math.random().toString(36).slice(2, 10)}`;
    const res = await fetch(`${fz.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email: `${username}@example.test`, password: 'correct horse battery' }),
    });
    const body = (await res.json()) as { accessToken: string };
    expect(res.status).toBe(201);
    realToken = body.accessToken;
    // The verifying key is public by nature; an attacker may well have it.
    publicPem = readFileSync(path.join(fz.dataDir, 'keys', 'jwt-public.pem'), 'utf8');
  }, 120_000);

  afterAll(async () => {
    table.print(`Upgrade fuzz: ${RUNS} junk tokens per property (plus shrinking runs); statuses seen`, ['property / placement', 'runs', 'statuses']);
    await fz?.close();
  });

  const describeAttempt = (a: Attempt) => `${a.where}: ${a.how}: ${excerpt(a.junk, 140)}`;

  /** Built per test (the real token exists only after beforeAll). */
  const attempts = (): fc.Arbitrary<Attempt> => fc
    .tuple(junkTokens(realToken, publicPem), fc.constantFrom<Attempt['where']>('query', 'query', 'query', 'query-twice', 'subprotocol', 'subprotocol', 'subprotocol-only', 'query-beside-real-subprotocol'))
    .map(([{ junk, how }, where]) => {
      const a: Attempt = { junk, how, where };
      // What a counterexample prints: placement, recipe, and the token cut short.
      return Object.assign(a, { [fc.toStringMethod]: () => describeAttempt(a) });
    });

  function handshake(a: Attempt): Promise<Handshake> {
    const headers: Record<string, string> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    };
    let target = '/ws';
    if (a.where === 'query' || a.where === 'query-beside-real-subprotocol') target += `?token=${encodeAll(a.junk)}`;
    if (a.where === 'query-twice') target += `?token=${encodeAll(a.junk)}&token=${encodeAll(a.junk)}`;
    if (a.where === 'subprotocol') headers['sec-websocket-protocol'] = `bearer, bearer.${headerSafe(a.junk)}`;
    if (a.where === 'subprotocol-only') headers['sec-websocket-protocol'] = `bearer.${headerSafe(a.junk)}`;
    if (a.where === 'query-beside-real-subprotocol') headers['sec-websocket-protocol'] = `bearer, bearer.${realToken}`;
    const port = Number(new URL(fz.url).port);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: target, headers, agent: false });
      req.setTimeout(10_000, () => {
        req.destroy();
        reject(new Error('no answer to the upgrade request within 10 s'));
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, upgraded: true, text: '', headers: res.headers });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, upgraded: false, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      });
      req.on('error', (err) => reject(new Error(`connection error: ${err.message}`)));
      req.end();
    });
  }

  const run = async (row: string, check: (a: Attempt, h: Handshake) => void, examples: Attempt[] = []) => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(attempts(), async (a) => {
        // `<real>,<real>` in the subprotocol header is the real `bearer.<real>` plus a second
        // protocol name: a correct offer, not junk.
        fc.pre(!(a.where.startsWith('subprotocol') && a.junk.split(',')[0]!.trim() === realToken));
        table.run(row);
        const mark = fz.mark();
        const h = await handshake(a);
        table.count(row, h.upgraded ? 'SOCKET' : h.status);
        table.run(`  ${row}, by placement: ${a.where}`);
        table.count(`  ${row}, by placement: ${a.where}`, h.upgraded ? 'SOCKET' : h.status);
        check(a, h);
        const logged = fz.errorsSince(mark);
        if (logged.length > 0) throw new Error(`the server logged an error:\n${logged.join('\n')}`);
      }),
      { numRuns: RUNS, seed: SEED, examples: examples.map((a) => [a] as [Attempt]) },
    );
    table.time(row, Date.now() - started);
    expect((await fetch(`${fz.url}/healthz`)).status).toBe(200);
  };

  it('never a socket, never a 5xx, always the error shape', async () => {
    await run('no socket / no 5xx / error shape', (a, h) => {
      if (h.upgraded) throw new Error(`a junk token got a socket (101) — ${describeAttempt(a)}`);
      if (h.headers['sec-websocket-accept']) throw new Error('a refusal carries Sec-WebSocket-Accept');
      if (h.status >= 500) throw new Error(`${h.status} ${excerpt(h.text, 300)}`);
      const problem = errorShapeProblem(h.status, h.text);
      if (problem) throw new Error(`${h.status} not in the error shape (${problem}): ${excerpt(h.text, 300)}`);
    });
  }, 120_000);

  it('always exactly 401 (docs/api.md: a missing or bad token is refused with an HTTP 401)', async () => {
    await run(
      'exactly 401',
      (_a, h) => {
        if (h.status !== 401) throw new Error(`answered ${h.status}${h.upgraded ? ' (upgraded)' : ''}, not 401: ${excerpt(h.text, 300)}`);
      },
      // Found before: always tried first (a control character in ?token=, the parameter given twice).
      [
        { junk: '\u0000', how: 'edge case', where: 'query' },
        { junk: 'a.b.c', how: 'edge case', where: 'query-twice' },
      ],
    );
  }, 120_000);

  it('the real token still upgrades (the handshake itself works)', async () => {
    const h = await handshake({ junk: '', how: 'none', where: 'subprotocol-only' }).catch(() => undefined);
    expect(h?.upgraded).toBe(false);
    const ok = await new Promise<Handshake>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: Number(new URL(fz.url).port),
        path: `/ws?token=${realToken}`,
        agent: false,
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, upgraded: true, text: '', headers: res.headers });
      });
      req.on('response', (res) => resolve({ status: res.statusCode ?? 0, upgraded: false, text: '', headers: res.headers }));
      req.on('error', reject);
      req.end();
    });
    expect(ok.upgraded).toBe(true);
  });
});
