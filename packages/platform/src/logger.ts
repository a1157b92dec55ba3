import { createRequire } from 'node:module';
import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

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

/** `json`: one JSON object per line (collectors, files, pipes); `pretty`: readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * The format logs are written in: `LOG_FORMAT` (`json` or `pretty`) when set, else `pretty` when
 * stdout is a terminal and `json` when it is not (a pipe, a file, a container's log driver).
 */
export function chooseLogFormat(env: Record<string, string | undefined> = process.env, stdoutIsTTY = process.stdout.isTTY === true): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return stdoutIsTTY ? 'pretty' : 'json';
}

export interface LoggerOptions {
  /** Default: `json` when a destination is given (tests read what was logged), else chooseLogFormat(). */
  format?: LogFormat;
  /** Pretty only. Default for stdout: it is a terminal and NO_COLOR is not set, or FORCE_COLOR is set; for a destination: no colour. */
  colorize?: boolean;
}

/**
 * One structured logger per service; request and event ids are added as child bindings. Writes to
 * stdout unless given a destination (tests read what was logged), as JSON lines or, on a terminal
 * or with LOG_FORMAT=pretty, through pino-pretty (see chooseLogFormat).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream, opts: LoggerOptions = {}): Logger {
  const options = { name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime, serializers: { req: requestSerializer } };
  const format = opts.format ?? (destination ? 'json' : chooseLogFormat());
  let logger: Logger;
  if (format === 'pretty') {
    const out = destination ?? pinoDestination({ dest: 1, sync: true });
    logger = pino(options, prettyStream(out, opts.colorize ?? (destination ? false : colorOnStdout())));
  } else {
    // pino's own JSON path, as it always was: nothing more to parse, format or load.
    logger = destination ? pino(options, destination) : pino(options);
  }
  const asked = process.env.LOG_FORMAT?.trim();
  if (asked && !/^(json|pretty)$/i.test(asked)) logger.warn(`LOG_FORMAT=${JSON.stringify(asked)} is neither json nor pretty: logging as ${format}`);
  return logger;
}

function colorOnStdout(): boolean {
  if ('FORCE_COLOR' in process.env) return process.env.FORCE_COLOR !== '0';
  return process.stdout.isTTY === true && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

/**
 * pino-pretty as a synchronous stream in this process: each JSON line pino produces is formatted
 * and written before the log call returns. Not pino's transport (a worker thread): a line logged
 * just before process.exit() (a fatal start-up error, the end of a shutdown) would need the worker
 * flushed first, and every service would have a thread more to start and stop. pino-pretty is
 * loaded here, on first use, so JSON logging never pays for it.
 */
function prettyStream(out: DestinationStream, colorize: boolean): DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({
    colorize,
    // [14:03:07.412] INFO (user-service): message {"the":"other fields"}; errors with their stack below.
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(prettify(line)) };
}
