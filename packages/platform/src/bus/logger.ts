/** The subset of pino the bus uses, so any pino logger (or a child) can be passed as is. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: BusLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
