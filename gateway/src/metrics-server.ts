import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '@herald/platform';

export interface MetricsServer {
  /** Listens; resolves with the base URL (`http://host:port`). */
  listen(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  readonly server: Server;
}

const json = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/**
 * The gateway's /metrics on a listener of its own (METRICS_PORT), so the public port never serves
 * it: the series name routes, upstreams, limits and socket counts, which is for the scraper only.
 * Nothing else is served here; GET (and HEAD) /metrics, anything else 404/405 in the error shape.
 */
export function createMetricsServer(registry: Registry, logger: Logger): MetricsServer {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(json('route_not_found', `no route ${req.method} ${path}`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json; charset=utf-8', allow: 'GET, HEAD' }).end(json('method_not_allowed', 'GET /metrics'));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        logger.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(json('internal_error', 'metrics collection failed'));
      },
    );
  });
  // A scraper polls every few seconds: keep-alive is welcome, a stuck connection is not.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return {
    server,
    listen: ({ port, host }) =>
      new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
