import { afterAll } from 'vitest';
import { contentStoreContract } from './content-store.contract.js';
import { prismaBackend } from './backends.js';

// One fresh database for this file, migrated by the real runner; every case uses its own users.
const backend = prismaBackend('post_contract_content_store');
afterAll(() => backend.close());

contentStoreContract('prisma', backend.make);
