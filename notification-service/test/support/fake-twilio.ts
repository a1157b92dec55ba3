import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
  statusCallback: string | undefined;
  idempotencyToken: string | undefined;
}

/** `lost`: the message is accepted, then the connection drops before the answer (a retry must not send it twice). */
export type InjectedFailure = '500' | '429' | 'hang' | 'lost';

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Share of requests answered with an injected failure instead of being handled. */
  failureRate?: number;
  /** Which failures to inject, picked uniformly (500, 429 and hang by default). */
  failures?: readonly InjectedFailure[];
  /** Seed of the PRNG deciding which requests fail, so a run is reproducible. */
  seed?: number;
}

/** Twilio's answer for a number that cannot be a phone number. */
const INVALID_NUMBER = { code: 21211, message: "The 'To' number is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 };

/**
 * Twilio's Messages API on 127.0.0.1, as far as Herald uses it: Basic auth, the form fields, 201 with
 * a sid, `I-Twilio-Idempotency-Token` de-duplication (same token → same answer, recorded once: how a
 * test proves a message was accepted exactly once), seeded failure injection, invalid numbers.
 */
export class FakeTwilio {
  readonly accountSid: string;
  readonly authToken: string;
  /** Accepted messages, each once. */
  readonly messages: TwilioMessage[] = [];
  /** Numbers answered 400 / 21211 (Twilio's magic test number +15005550001 by default). */
  readonly invalidNumbers = new Set(['+15005550001']);
  /** Failures to answer the next requests with, before the random ones; shifted one per request. */
  readonly scripted: InjectedFailure[] = [];
  failureRate: number;
  failures: readonly InjectedFailure[];
  /** Every request that reached the endpoint, including injected failures and replays. */
  requests = 0;
  private readonly byToken = new Map<string, TwilioMessage>();
  private readonly server: Server;
  private readonly random: () => number;
  private nextSid = 1;

  constructor(opts: FakeTwilioOptions = {}) {
    this.accountSid = opts.accountSid ?? 'AC00000000000000000000000000000001';
    this.authToken = opts.authToken ?? 'fake-auth-token';
    this.failureRate = opts.failureRate ?? 0;
    this.failures = opts.failures ?? ['500', '429', 'hang'];
    this.random = mulberry32(opts.seed ?? 1);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    // Hung requests would otherwise keep close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => this.answer(req, res, body));
  }

  private answer(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (req.method !== 'POST' || !match) return json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    this.requests++;

    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected || decodeURIComponent(match[1] ?? '') !== this.accountSid) {
      return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    }

    const token = header(req, 'i-twilio-idempotency-token');
    const replay = token === undefined ? undefined : this.byToken.get(token);
    if (replay) return json(res, 201, this.resource(replay));

    const injected = this.scripted.shift() ?? this.pickFailure();
    if (injected === 'hang') return; // never answered: the client's timeout must fire
    if (injected === '500') return json(res, 500, { code: 20500, message: 'Internal Server Error', status: 500 });
    if (injected === '429') return json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '1' });

    const form = new URLSearchParams(rawBody);
    const to = form.get('To');
    const text = form.get('Body');
    const from = form.get('From') ?? undefined;
    const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
    if (!to || text === null || (!from && !messagingServiceSid)) {
      return json(res, 400, { code: 21604, message: "A 'To', 'Body' and 'From' (or 'MessagingServiceSid') are required.", status: 400 });
    }
    if (this.invalidNumbers.has(to)) return json(res, 400, INVALID_NUMBER);

    const message: TwilioMessage = {
      sid: `SM${String(this.nextSid++).padStart(32, '0')}`,
      accountSid: this.accountSid,
      to,
      from,
      messagingServiceSid,
      body: text,
      statusCallback: form.get('StatusCallback') ?? undefined,
      idempotencyToken: token,
    };
    this.messages.push(message);
    if (token !== undefined) this.byToken.set(token, message);
    if (injected === 'lost') return void res.socket?.destroy();
    json(res, 201, this.resource(message));
  }

  private pickFailure(): InjectedFailure | undefined {
    if (this.failures.length === 0 || this.random() >= this.failureRate) return undefined;
    return this.failures[Math.floor(this.random() * this.failures.length)];
  }

  private resource(m: TwilioMessage): Record<string, unknown> {
    return {
      sid: m.sid,
      account_sid: m.accountSid,
      to: m.to,
      from: m.from ?? null,
      messaging_service_sid: m.messagingServiceSid ?? null,
      body: m.body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
    };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A tiny seeded PRNG (mulberry32): the same seed gives the same failures on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  return new FakeTwilio(opts).start();
}
