import { afterAll } from 'vitest';
import { blockRepositoryContract } from './block-repository.contract.js';
import { prismaRepositories } from './repositories.js';

// One fresh database for this file, migrated by the real runner; every case uses its own accounts.
const backend = prismaRepositories('user_contract_block_repo');
afterAll(() => backend.close());

blockRepositoryContract('prisma', backend.make);
