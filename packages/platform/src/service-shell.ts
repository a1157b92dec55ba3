import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { closeOnSignals, type Closer } from './shutdown.js';

/**
 * The one start/close sequence of a standalone service (each src/main.ts): read the configuration,
 * start, say where it listens, close on SIGTERM/SIGINT. Bad configuration stops it before anything
 * is opened, with every problem named (ConfigError), and a non-zero exit so an orchestrator sees it.
 */
export interface ServiceShell<C> {
  /** The service's name, in log lines. */
  name: string;
  /** Reads and validates the service's configuration schema; throws ConfigError. */
  config: () => C;
  /** The logger; may depend on the configuration (an instance id in every line). */
  logger: (config: C) => Logger;
  /**
   * Opens and starts everything. Each resource is handed to `close` as soon as it exists, so a
   * signal during start-up still closes what was opened; they close in reverse order, the HTTP
   * server before the broker and the database it depends on. Resolves with the listening address.
   */
  start: (config: C, logger: Logger, close: (closer: Closer) => void) => Promise<{ host: string; port: number }>;
}

/** What runService does to the process; replaced in tests. */
export interface ShellProcess {
  exit: (code: number) => void;
  closeOnSignals: (logger: Logger, closers: Closer[]) => void;
  /** Where a configuration problem goes when there is no logger yet (it needs the configuration). */
  reportConfigError: (message: string) => void;
}

const realProcess: ShellProcess = {
  exit: (code) => process.exit(code),
  closeOnSignals,
  reportConfigError: (message) => process.stderr.write(`${message}\n`),
};

export async function runService<C>(shell: ServiceShell<C>, proc: ShellProcess = realProcess): Promise<void> {
  let config: C;
  try {
    config = shell.config();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    proc.reportConfigError(`${shell.name}: ${err.message}`);
    proc.exit(1);
    return;
  }
  const logger = shell.logger(config);
  const closers: Closer[] = [];
  // Registered first: closeOnSignals reads the list when a signal comes, so later additions count.
  proc.closeOnSignals(logger, closers);
  try {
    const address = await shell.start(config, logger, (closer) => closers.push(closer));
    logger.info(address, `${shell.name} listening`);
  } catch (err) {
    // A setting that could only be checked while starting (a key file) is still a configuration problem: said plainly.
    if (err instanceof ConfigError) logger.fatal(`${shell.name}: ${err.message}`);
    else logger.fatal({ err }, `${shell.name} failed to start`);
    proc.exit(1);
  }
}
