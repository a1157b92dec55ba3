import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Query parameters whose values are credentials (WebSocket clients may send `?token=<jwt>`). */
const SECRET_QUERY = /([?&](?:token|access_token)=)[^&#]*/gi;

/** `url` with the value of every `token=` / `access_token=` query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

type LoggedRequest = {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: string; remotePort?: number };
};

/** Fastify's request serializer (same fields), with credentials in the query string redacted. */
function requestSerializer(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * One structured logger per service; request and event ids are added as child bindings. Writes to
 * stdout unless given a destination (tests read what was logged).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = { name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { req: requestSerializer } };
  return destination ? pino(options, destination) : pino(options);
}
