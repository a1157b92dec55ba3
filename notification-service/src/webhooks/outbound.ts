import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isLocalHost, isPublicAddress } from '../domain/webhooks.js';

export interface PostResult {
  /** The receiver's status; undefined when no answer came (refused, reset, timed out, blocked). */
  status?: number;
  retryAfter?: string;
  /** Why there is no status, or what the status was: for last_error. */
  error?: string;
}

export interface PostOptions {
  timeoutMs: number;
  /** Production: only public addresses, checked on the address actually connected to (DNS included). */
  publicOnly: boolean;
}

/**
 * A DNS lookup that refuses private and local addresses, so a host name cannot send the request
 * somewhere inside the network (SSRF) however its records are set, even if they change after the
 * URL was registered: the check is on the addresses this very connection uses.
 */
export const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '');
    if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address))) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private or local address`), { code: 'EBLOCKED' }), '');
    }
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * POSTs one signed webhook. Never throws: every way of not getting an answer is an `error`. No
 * redirects are followed (a 3xx is just not a 2xx), the answer's body is read and dropped, and the
 * whole exchange is bounded by `timeoutMs`.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ error: 'invalid url' });
    }
    if (opts.publicOnly && (target.protocol !== 'https:' || isLocalHost(target.hostname))) return resolve({ error: 'refused: not a public https URL' });
    const client = target.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Herald-Webhooks/1' },
        agent: false,
        ...(opts.publicOnly ? { lookup: publicLookup } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers['retry-after'];
        res.on('error', () => undefined);
        res.resume();
        res.on('end', () => done({ status, ...(typeof retryAfter === 'string' ? { retryAfter } : {}), ...(status < 200 || status >= 300 ? { error: `http ${status}` } : {}) }));
      },
    );
    const timer = setTimeout(() => {
      done({ error: `timeout after ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ? `${err.code}: ${err.message}` : err.message }));
    req.end(body);
  });
}
