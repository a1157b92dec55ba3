import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Web Push service on 127.0.0.1 for tests (exported by @herald/platform/testing), playing both
 * ends a real one connects: it accepts
 * POSTs on `/push/<name>` as a push service does (RFC 8030), and decrypts each body with the keys of
 * the "browser" registered under that name, as the browser would (RFC 8291 over RFC 8188 aes128gcm),
 * written here with node:crypto only, independently of the library that encrypted it. It also checks
 * the VAPID header (RFC 8292): an ES256 JWT whose audience is this origin, signed by `k`.
 */

/** A browser's side of a subscription: its P-256 key pair and auth secret (what pushManager.subscribe creates). */
export interface FakeBrowser {
  ecdh: ECDH;
  auth: Buffer;
  /** As PushSubscription.toJSON() gives them: base64url, unpadded. */
  keys: { p256dh: string; auth: string };
}

export function fakeBrowser(): FakeBrowser {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') } };
}

/** RFC 8291 §3.4 and RFC 8188 §2: the plaintext of an aes128gcm Web Push message body. */
export function decryptPushBody(body: Buffer, browser: Pick<FakeBrowser, 'ecdh' | 'auth'>): Buffer {
  // Header: salt (16) | rs (uint32) | idlen (1) | keyid = the sender's ephemeral public key (65).
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body.readUInt8(20);
  const senderPublic = body.subarray(21, 21 + idlen);
  const records = body.subarray(21 + idlen);
  if (idlen !== 65 || rs < 18) throw new Error(`unexpected aes128gcm header (idlen ${idlen}, rs ${rs})`);
  const ecdhSecret = browser.ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, browser.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const baseNonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const plain: Buffer[] = [];
  for (let i = 0, offset = 0; offset < records.length; i++, offset += rs) {
    const record = records.subarray(offset, offset + rs);
    const nonce = Buffer.from(baseNonce);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ i) >>> 0, 8); // the record's sequence number XORed into the low bytes
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    // Each record ends with a delimiter (2 on the last record, 1 before) and zero padding.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    const last = offset + rs >= records.length;
    if (padded[end] !== (last ? 2 : 1)) throw new Error(`bad padding delimiter ${padded[end]} in record ${i}`);
    plain.push(padded.subarray(0, end));
  }
  return Buffer.concat(plain);
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/**
 * `Authorization: vapid t=<JWT>, k=<public key>`: the JWT must be ES256, verify with `k`, and have
 * this audience and a future expiry within 24 h. Returns its claims and `k`.
 */
export function verifyVapid(authorization: string | undefined, audience: string): { claims: VapidClaims; publicKey: string } {
  const m = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error(`not a VAPID authorization header: ${authorization}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [head, claims, signature] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') throw new Error(`JWT alg ${header.alg}`);
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) throw new Error('the VAPID JWT does not verify with k');
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as VapidClaims;
  const now = Date.now() / 1000;
  if (body.aud !== audience) throw new Error(`JWT aud ${body.aud}, expected ${audience}`);
  if (!(body.exp > now && body.exp <= now + 24 * 3600 + 60)) throw new Error(`JWT exp ${body.exp} is not within the next 24 h`);
  if (!/^(mailto:|https:)/.test(body.sub)) throw new Error(`JWT sub ${body.sub}`);
  return { claims: body, publicKey: k };
}

/** One message the push service received, decrypted. */
export interface ReceivedPush {
  name: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The decrypted JSON payload (undefined when the answer was not a 201: nothing is decrypted then). */
  payload?: unknown;
  vapid?: { claims: VapidClaims; publicKey: string };
  /** Set when decryption or the VAPID check failed (the service answered 400). */
  error?: string;
}

export type PushAnswer = { status: number; headers?: Record<string, string> };

export interface LocalPushService {
  origin: string;
  /** `http://127.0.0.1:<port>/push/<name>`: the endpoint of that browser's subscription. */
  endpoint(name: string): string;
  /** Registers the browser whose keys decrypt what arrives at `/push/<name>`. */
  register(name: string, browser: FakeBrowser): void;
  /** Answers for `/push/<name>`, used in order (the last one repeats); default 201. */
  answer(name: string, ...answers: PushAnswer[]): void;
  received: ReceivedPush[];
  /** Resolves with the first message for `name` that satisfies `match` and no earlier call returned. */
  next(name: string, match?: (r: ReceivedPush) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  close(): Promise<void>;
}

export async function startPushService(): Promise<LocalPushService> {
  const browsers = new Map<string, FakeBrowser>();
  const scripts = new Map<string, PushAnswer[]>();
  const received: ReceivedPush[] = [];
  const waiters: Array<() => void> = [];
  const taken = new Set<ReceivedPush>();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
      const script = scripts.get(name) ?? [];
      const answer = (script.length > 1 ? script.shift() : script[0]) ?? { status: 201 };
      const record: ReceivedPush = { name, status: answer.status, headers: req.headers };
      try {
        if (req.method !== 'POST' || req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`${req.method} with content-encoding ${req.headers['content-encoding']}`);
        record.vapid = verifyVapid(req.headers.authorization, origin);
        const browser = browsers.get(name);
        if (!browser) throw new Error(`no browser registered as ${name}`);
        if (answer.status === 201) record.payload = JSON.parse(decryptPushBody(Buffer.concat(chunks), browser).toString('utf8'));
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
        record.status = 400;
      }
      received.push(record);
      for (const wake of waiters.splice(0)) wake();
      res.writeHead(record.status, { ...(record.status === 201 ? { location: `${origin}/message/${received.length}` } : {}), ...(record.error ? {} : answer.headers) });
      res.end(record.error ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    endpoint: (name) => `${origin}/push/${encodeURIComponent(name)}`,
    register: (name, browser) => browsers.set(name, browser),
    answer: (name, ...answers) => scripts.set(name, answers),
    received,
    async next(name, match = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((r) => r.name === name && !taken.has(r) && match(r));
        if (found) {
          taken.add(found);
          return found;
        }
        if (Date.now() > deadline) throw new Error(`no push for ${name} within ${timeoutMs} ms (received: ${JSON.stringify(received.map((r) => [r.name, r.status, r.error]))})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
