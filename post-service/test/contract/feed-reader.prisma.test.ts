import { afterAll } from 'vitest';
import { feedReaderContract } from './feed-reader.contract.js';
import { prismaBackend } from './backends.js';

// One fresh database for this file, migrated by the real runner; every case uses its own users.
const backend = prismaBackend('post_contract_feed_reader');
afterAll(() => backend.close());

feedReaderContract('prisma', backend.make);
