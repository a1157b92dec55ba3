import { afterAll } from 'vitest';
import { userProjectionContract } from './user-projection.contract.js';
import { prismaBackend } from './backends.js';

// One fresh database for this file, migrated by the real runner; every case uses its own users.
const backend = prismaBackend('post_contract_user_projection');
afterAll(() => backend.close());

userProjectionContract('prisma', backend.make);
