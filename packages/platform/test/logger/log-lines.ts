// Run as its own process by logger.test.ts: a logger made the way every service makes one (no
// destination: stdout, in the format LOG_FORMAT and the terminal choose), then a fatal line and an
// immediate exit, as a failed start does.
import { createLogger } from '../../src/logger.js';

const logger = createLogger('log-lines-service');
logger.info({ url: 'http://127.0.0.1:3000', port: 3000 }, 'ready to serve');
logger.fatal({ err: new Error('the disk is gone') }, 'cannot go on');
process.exit(1);
