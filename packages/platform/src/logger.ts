import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger per service; request and event ids are added as child bindings. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
