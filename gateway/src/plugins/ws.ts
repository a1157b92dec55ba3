import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody } from '@herald/contracts';
import { UnauthorizedError, offersOnlyTokenSubprotocols, tokenForWebSocket, type TokenVerifier } from '@herald/platform';
import { RouteNotFoundError, UpgradeRequiredError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { GatewayMetrics } from '../metrics.js';
import { requestUpgrade, splice, switchingProtocolsHead } from './ws-tunnel.js';

export interface WsOptions {
  /** notification-service's base URL; sockets go to its `/ws` with the client's query string. */
  upstreamUrl: string;
  verifier: TokenVerifier;
  connectTimeoutMs: number;
  metrics: GatewayMetrics;
}

const kUpgrade = Symbol('herald.gateway.upgrade');
interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  tunnelled: boolean;
}
type UpgradeRequest = IncomingMessage & { [kUpgrade]?: PendingUpgrade };

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length']);

function upstreamHeaders(req: FastifyRequest, target: URL): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
  }
  return {
    ...headers,
    host: target.host,
    connection: 'Upgrade',
    upgrade: 'websocket',
    'x-request-id': req.id,
    'x-forwarded-for': req.ip,
    'x-forwarded-proto': req.protocol,
    'x-forwarded-host': req.host,
  };
}

/**
 * `/ws`: the token is checked before anything is upgraded, and a refusal is a plain HTTP response
 * (401, 503, ...), never a socket that silently gets nothing. Upgrade requests are dispatched
 * through fastify's router like any request (as @fastify/websocket does), so request ids, CORS,
 * the per-IP limit and the error shape apply; only an accepted `/ws` takes its socket over.
 */
export const wsPlugin = fp<WsOptions>(
  async (app, opts) => {
    const tunnels = new Set<Duplex>();
    const onUpgrade = (raw: UpgradeRequest, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      raw[kUpgrade] = { socket, head, tunnelled: false };
      const res = new ServerResponse(raw);
      res.assignSocket(socket as Socket);
      app.routing(raw, res);
    };
    app.server.on('upgrade', onUpgrade);
    // Only /ws upgrades; elsewhere an upgrade request must not reach the HTTP proxy or a static file.
    app.addHook('onRequest', async (req) => {
      if ((req.raw as UpgradeRequest)[kUpgrade] && req.routeOptions.url !== '/ws') {
        throw new RouteNotFoundError(`${req.method} (upgrade)`, req.url.split('?', 1)[0]!);
      }
    });
    // Whatever answered an upgrade request with a plain response, that socket is done.
    app.addHook('onResponse', async (req) => {
      const pending = (req.raw as UpgradeRequest)[kUpgrade];
      if (pending && !pending.tunnelled) pending.socket.destroy();
    });
    app.addHook('preClose', async () => {
      app.server.off('upgrade', onUpgrade);
      for (const socket of tunnels) socket.destroy();
    });

    const base = new URL('/ws', opts.upstreamUrl);
    app.get(
      '/ws',
      {
        // The token in the query is checked by the handler (401 with its reason), not by the input
        // rules for text (a 400): whatever is wrong with it, the answer is the one a bad token gets.
        config: { rawQuery: true },
        schema: {
          tags: ['live'],
          summary: 'Live notifications over WebSocket (upgrade)',
          description:
            'Upgrade to a WebSocket; authenticate with the subprotocols `bearer` and `bearer.<accessToken>` offered together ' +
            "(browsers: `new WebSocket(url, ['bearer', 'bearer.' + token])`; the server selects `bearer`, so the token is never " +
            'echoed in a response header), or, for older clients, `?token=<accessToken>` (URLs end up in logs: prefer the subprotocol). ' +
            'A missing or bad token is refused with 401 before any upgrade. `bearer.<token>` offered alone still works ' +
            '(it must then be echoed back). Frames are described in docs/api.md.',
          // Browsers cannot set headers on a WebSocket: the token travels as a parameter instead.
          security: [],
          querystring: Type.Object({
            token: Type.Optional(
              Type.Union([Type.String(), Type.Array(Type.String())], { description: 'access token, for older clients (prefer the bearer subprotocols); once' }),
            ),
          }),
          response: {
            101: { description: 'Switching Protocols: the socket is live' },
            400: ErrorBody,
            401: ErrorBody,
            426: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (req, reply) => {
        const pending = (req.raw as UpgradeRequest)[kUpgrade];
        if (!pending || String(req.headers.upgrade).toLowerCase() !== 'websocket') throw new UpgradeRequiredError();
        const found = tokenForWebSocket(req.url, req.headers['sec-websocket-protocol']);
        if (!found.ok) throw new UnauthorizedError(found.message, found.code);
        opts.verifier.verify(found.token);
        // The upstream must select a subprotocol the client offered: with `bearer.<jwt>` alone (the
        // older form docs/api.md still allows) that is the token itself, so it is echoed; clients that also offer
        // `bearer` get `bearer` back and the token stays out of every response header.
        const onlyToken = offersOnlyTokenSubprotocols(req.headers['sec-websocket-protocol']);

        const target = new URL(base);
        target.search = new URL(req.url, 'http://gateway.invalid').search;
        const upstream = await requestUpgrade(target, upstreamHeaders(req, target), opts.connectTimeoutMs);
        if (upstream.kind === 'failed') {
          req.log.warn({ err: upstream.error }, 'websocket upstream unreachable');
          throw upstream.timedOut
            ? new UpstreamTimeoutError('notification-service', opts.connectTimeoutMs)
            : new UpstreamUnavailableError('notification-service');
        }
        if (upstream.kind === 'refused') {
          const headers = Object.fromEntries(Object.entries(upstream.res.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
          // Passed through as the upstream gave it (its status is not one this route declares).
          return (reply as FastifyReply).code(upstream.res.statusCode ?? 502).headers(headers).send(upstream.res);
        }

        reply.hijack();
        pending.tunnelled = true;
        const client = pending.socket;
        client.write(switchingProtocolsHead(upstream.res, req.id, onlyToken));
        if (upstream.head.length > 0) client.write(upstream.head);
        if (pending.head.length > 0) upstream.socket.write(pending.head);
        tunnels.add(client);
        opts.metrics.websockets.inc();
        splice(client, upstream.socket, () => {
          tunnels.delete(client);
          opts.metrics.websockets.dec();
        });
      },
    );
  },
  { name: 'gateway-ws' },
);
