import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { isTokenSubprotocol } from '@herald/platform';

export type UpstreamUpgrade =
  | { kind: 'upgraded'; res: IncomingMessage; socket: Duplex; head: Buffer }
  | { kind: 'refused'; res: IncomingMessage }
  | { kind: 'failed'; timedOut: boolean; error: Error };

/**
 * Asks the upstream for the same upgrade. Resolves once it has answered: with the switched socket,
 * with its refusal (a plain HTTP response to hand back as is), or with why it could not be reached.
 */
export function requestUpgrade(target: URL, headers: http.OutgoingHttpHeaders, timeoutMs: number): Promise<UpstreamUpgrade> {
  return new Promise((resolve) => {
    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(target, { method: 'GET', headers, timeout: timeoutMs });
    let timedOut = false;
    req.once('upgrade', (res, socket, head) => {
      socket.setTimeout(0);
      resolve({ kind: 'upgraded', res, socket, head });
    });
    req.once('response', (res) => resolve({ kind: 'refused', res }));
    req.once('timeout', () => {
      timedOut = true;
      req.destroy(new Error(`no upgrade answer within ${timeoutMs} ms`));
    });
    req.once('error', (error) => resolve({ kind: 'failed', timedOut, error }));
    req.end();
  });
}

/**
 * The upstream's 101 response, header for header, so subprotocol and extensions are its own; except
 * a selected `bearer.<jwt>` subprotocol when the client offered another one it could have had: the
 * access token is not echoed in a response header unless a client offering only `bearer.<jwt>` (the
 * older form docs/api.md still allows) leaves no other choice, since a browser fails a socket whose offer got no answer.
 */
export function switchingProtocolsHead(res: IncomingMessage, requestId: string, mayEchoToken = false): string {
  const lines = [`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const [name, value] = [res.rawHeaders[i]!, res.rawHeaders[i + 1]!];
    if (!mayEchoToken && name.toLowerCase() === 'sec-websocket-protocol' && isTokenSubprotocol(value.trim())) continue;
    lines.push(`${name}: ${value}`);
  }
  if (res.headers['x-request-id'] === undefined) lines.push(`x-request-id: ${requestId}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Joins the two sockets byte for byte. Frames are not parsed here: masking, fragmentation,
 * compression and close codes stay end to end, and `pipe` carries backpressure both ways, so a
 * slow client slows its upstream instead of growing the gateway's memory. A FIN travels through
 * `pipe` (so a closing handshake finishes); once either side is gone, both are.
 */
export function splice(client: Duplex, upstream: Duplex, onClose: () => void): void {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    upstream.destroy();
    onClose();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
  }
  client.pipe(upstream);
  upstream.pipe(client);
}
