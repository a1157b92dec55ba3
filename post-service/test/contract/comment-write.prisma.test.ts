import { afterAll } from 'vitest';
import { commentWriteContract } from './comment-write.contract.js';
import { prismaBackend } from './backends.js';

// One fresh database for this file, migrated by the real runner; every case uses its own users.
const backend = prismaBackend('post_contract_comment_write');
afterAll(() => backend.close());

commentWriteContract('prisma', backend.make);
