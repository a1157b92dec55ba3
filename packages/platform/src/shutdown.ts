import type { Logger } from './logger.js';

export type Closer = () => Promise<unknown> | unknown;

/**
 * Closes everything in reverse order of start on SIGTERM/SIGINT, so the HTTP server stops taking
 * requests before the broker and database it depends on go away. A second signal exits at once.
 */
export function closeOnSignals(logger: Logger, closers: Closer[], timeoutMs = 15_000): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs).unref();
    for (const close of [...closers].reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
      }
    }
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
