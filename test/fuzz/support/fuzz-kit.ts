/**
 * Shared pieces of the property-based fuzz suites (test/fuzz/*.test.ts): one embedded Herald whose
 * log lines are kept (so a failure can show what the server said), a raw HTTP client that sends
 * exactly the bytes and headers it is given (bodies on GET, broken JSON, any content type), the
 * public error-shape check, and the per-route status table printed at the end of each file.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startHerald, type Herald } from '../../../embedded/herald.js';

export interface LogLine {
  seq: number;
  level: number;
  msg: string;
  /** The request id the line was logged for, if any. */
  reqId?: string;
  raw: string;
}

export interface FuzzHerald {
  herald: Herald;
  url: string;
  /** HERALD_DATA_DIR (the embedded database and the token keys). */
  dataDir: string;
  /** Every warn-or-worse line the process logged, oldest first (the last few thousand). */
  logs: LogLine[];
  /** A position in the log, for errorsSince. */
  mark(): number;
  /** Error-level (and worse) lines logged since `mark`. */
  errorsSince(mark: number): string[];
  /** Every error-level (and worse) line so far. */
  errorLines(): LogLine[];
  close(): Promise<void>;
}

/**
 * Rate limits raised far past what a fuzz run sends: the limiter itself is exercised by the
 * gateway's own tests; here a 429 would only stop the inputs from reaching the validators.
 */
export const FUZZ_ENV: Record<string, string> = {
  RATE_LIMIT_IP_PER_MINUTE: '10000000',
  RATE_LIMIT_USER_PER_MINUTE: '10000000',
  RATE_LIMIT_AUTH_PER_MINUTE: '10000000',
};

export async function startFuzzHerald(prefix: string, env: Record<string, string> = {}): Promise<FuzzHerald> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `herald-fuzz-${prefix}-`));
  const logs: LogLine[] = [];
  const errors: LogLine[] = [];
  let seq = 0;
  const stream = {
    write(line: string) {
      let level = 0;
      let msg = '';
      let reqId: string | undefined;
      try {
        const parsed = JSON.parse(line) as { level?: number; msg?: string; reqId?: string };
        level = parsed.level ?? 0;
        msg = parsed.msg ?? '';
        reqId = parsed.reqId;
      } catch {
        /* not JSON: keep it raw */
      }
      const entry = { seq: seq++, level, msg, reqId, raw: line.trimEnd() };
      logs.push(entry);
      if (level >= 50) errors.push(entry);
      if (logs.length > 5000) logs.splice(0, 1000);
      // Errors are worth seeing live; warnings (locked logins, refused frames) are expected noise.
      if (level >= 50) process.stderr.write(`[herald] ${line}`);
    },
  };
  let herald: Herald;
  try {
    herald = await startHerald({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }, stream),
      env: { ...FUZZ_ENV, ...env },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    herald,
    url: herald.url,
    dataDir,
    logs,
    mark: () => seq,
    errorsSince(mark: number) {
      return errors
        .filter((l) => l.seq >= mark)
        .map((l) => l.raw.slice(0, 2000));
    },
    errorLines: () => [...errors],
    async close() {
      try {
        await herald.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP

export interface RawRequest {
  method: string;
  /** Path and query, already percent-encoded as it goes on the wire. */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** A transport failure: the process stopped answering, reset the connection, or hung. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * Sends one request exactly as described. A response that arrives while the body is still being
 * written (an early 413) counts as the answer; the write error that may follow is ignored.
 */
export function rawRequest(baseUrl: string, req: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const base = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined && !req.chunked) headers['content-length'] = String(req.body.length);
    // Said explicitly: node frames a GET or DELETE body as chunked only when told to, and would
    // otherwise put the bytes on the wire unframed (a second, garbage request).
    if (req.body !== undefined && req.chunked) headers['transfer-encoding'] = 'chunked';
    const r = http.request(
      {
        agent,
        host: '127.0.0.1',
        port: Number(base.port),
        method: req.method,
        path: req.target,
        headers,
        // Our own bytes, exactly: no header validation beyond what node refuses to put on the wire.
        insecureHTTPParser: true,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started })),
        );
        res.on('error', (err) => done(() => reject(new ConnectionError(`response stream failed: ${err.message}`))));
      },
    );
    r.setTimeout(timeoutMs, () => {
      done(() => reject(new ConnectionError(`no answer within ${timeoutMs} ms`)));
      r.destroy();
    });
    r.on('error', (err: NodeJS.ErrnoException) => done(() => reject(new ConnectionError(`${err.code ?? 'error'}: ${err.message}`))));
    if (req.body !== undefined && req.body.length > 0) {
      if (req.chunked) {
        const size = Math.max(1, Math.ceil(req.body.length / 3));
        for (let i = 0; i < req.body.length; i += size) r.write(req.body.subarray(i, i + size));
      } else {
        r.write(req.body);
      }
    }
    r.end();
  });
}

export function closeAgent(): void {
  agent.destroy();
}

// ---------------------------------------------------------------------------------------------
// The public error shape: {error: {code: string, message: string, details?}}

/** Why `text` is not the public error shape (undefined when it is). */
export function errorShapeProblem(status: number, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not an object';
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return 'body has no "error" object';
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string' || code === '') return 'error.code is not a non-empty string';
  if (typeof message !== 'string') return 'error.message is not a string';
  const extra = Object.keys(body).filter((k) => k !== 'error');
  if (extra.length > 0) return `body has fields beside "error": ${extra.join(', ')}`;
  const extraInError = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extraInError.length > 0) return `error has unexpected fields: ${extraInError.join(', ')}`;
  if (status === 400 && code === 'invalid_request') {
    const field = (details as { field?: unknown } | undefined)?.field;
    if (typeof field !== 'string') return 'invalid_request without a string details.field';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** Counts per row (a route, a session kind) of what was seen: statuses, close codes, frame types. */
export class OutcomeTable {
  private readonly rows = new Map<string, { runs: number; seen: Map<string, number>; ms: number }>();

  row(name: string) {
    let row = this.rows.get(name);
    if (!row) {
      row = { runs: 0, seen: new Map(), ms: 0 };
      this.rows.set(name, row);
    }
    return row;
  }

  count(name: string, outcome: string | number): void {
    const seen = this.row(name).seen;
    seen.set(String(outcome), (seen.get(String(outcome)) ?? 0) + 1);
  }

  run(name: string): void {
    this.row(name).runs++;
  }

  time(name: string, ms: number): void {
    this.row(name).ms += ms;
  }

  print(title: string, columns: [string, string, string] = ['route', 'runs', 'seen']): void {
    const lines = [...this.rows.entries()].map(([name, r]) => [
      name,
      String(r.runs),
      [...r.seen.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}×${v}`)
        .join(' ') + (r.ms ? `  (${(r.ms / 1000).toFixed(1)} s)` : ''),
    ]);
    const widths = [0, 1].map((i) => Math.max(columns[i]!.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (l: string[]) => `${l[0]!.padEnd(widths[0]!)}  ${l[1]!.padStart(widths[1]!)}  ${l[2]}`;
    console.log([`\n${title}`, fmt(columns), ...lines.map(fmt)].join('\n'));
  }
}

/** A short, printable excerpt of a body or frame for counterexamples (never megabytes). */
export function excerpt(data: Buffer | string | undefined, max = 160): string {
  if (data === undefined) return '<none>';
  const text = Buffer.isBuffer(data) ? data.toString('latin1') : data;
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}` : text);
  return text.length > max ? `${shown}…(${text.length} ${Buffer.isBuffer(data) ? 'bytes' : 'chars'})` : shown;
}
