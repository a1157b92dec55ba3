import websocket from '@fastify/websocket';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError, chooseSubprotocol, tokenForWebSocket, type AccessClaims, type TokenVerifier } from '@herald/platform';
import type { LiveOptions } from './options.js';

/** What GET /ws needs from the hub. */
export interface WsRouteHost {
  readonly options: LiveOptions;
  readonly verifier: TokenVerifier;
  /** Sockets of the user on every instance (this one's exact, others' as last recorded). */
  sessionCount(userId: string): Promise<number>;
  accept(socket: WebSocket, claims: AccessClaims): void;
  closeSessions(): Promise<void>;
}

// Any fastify instance, whatever its logger and type provider (the service's is TypeBox-typed).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFastify = FastifyInstance<any, any, any, any, any>;

const errorBody = (code: string, message: string) => ({ error: { code, message } });

type RawSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * @fastify/websocket routes the upgrade through a ServerResponse bound to the raw socket; once the
 * socket is a WebSocket that response (and through it the request, with its headers and token-bearing
 * URL) would stay reachable from the socket for its whole life. Unbinding it lets both be collected.
 */
function releaseUpgradeResponse(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: RawSocket })._socket;
  const response = raw?._httpMessage;
  if (raw && response && typeof response.detachSocket === 'function') response.detachSocket(raw);
}

/**
 * GET /ws. The token is checked in preValidation, before anything is upgraded, so a bad or missing
 * token is a plain HTTP 401 with the error shape, never a socket that silently gets nothing.
 */
export async function registerWsRoute(app: AnyFastify, host: WsRouteHost): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: host.options.maxFrameBytes,
      perMessageDeflate: false,
      // The hub tracks its sessions; a second registry of every socket would only cost memory.
      clientTracking: false,
      handleProtocols: (offered) => chooseSubprotocol(offered),
    },
    preClose: async function closeLiveSockets(this: AnyFastify) {
      await host.closeSessions();
      this.websocketServer.close();
    },
  });

  const claimsOf = new WeakMap<FastifyRequest, AccessClaims>();
  const retryAfter = String(Math.ceil((2 * host.options.heartbeatMs) / 1000));

  async function authenticate(req: FastifyRequest, reply: FastifyReply) {
    if (!req.ws) {
      return reply.code(426).header('upgrade', 'websocket').send(errorBody('upgrade_required', 'GET /ws upgrades to a WebSocket'));
    }
    const found = tokenForWebSocket(req.url, req.headers['sec-websocket-protocol']);
    if (!found.ok) return reply.code(401).send(errorBody(found.code, found.message));
    let claims: AccessClaims;
    try {
      claims = host.verifier.verify(found.token);
    } catch (err) {
      if (err instanceof AppError) return reply.code(err.statusCode).send(errorBody(err.code, err.message));
      throw err;
    }
    const { userId } = claims;
    if ((await host.sessionCount(userId)) >= host.options.maxSessionsPerUser) {
      // Stale sockets of a user who switched networks die at the next heartbeats; say when to retry.
      return reply
        .code(429)
        .header('retry-after', retryAfter)
        .send(errorBody('too_many_sessions', `at most ${host.options.maxSessionsPerUser} live sessions per user`));
    }
    claimsOf.set(req, claims);
  }

  app.get('/ws', { websocket: true, preValidation: authenticate, config: { rawQuery: true } }, (socket: WebSocket, req: FastifyRequest) => {
    const claims = claimsOf.get(req)!;
    claimsOf.delete(req);
    // @fastify/websocket's error listener closes over the request and reply; dropping it (the
    // session adds its own) lets them be collected, which matters at tens of thousands of sockets.
    socket.removeAllListeners('error');
    releaseUpgradeResponse(socket);
    host.accept(socket, claims);
  });
}
