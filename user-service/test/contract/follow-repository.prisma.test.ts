import { afterAll } from 'vitest';
import { followRepositoryContract } from './follow-repository.contract.js';
import { prismaRepositories } from './repositories.js';

// One fresh database for this file, migrated by the real runner; every case uses its own accounts.
const backend = prismaRepositories('user_contract_follow_repo');
afterAll(() => backend.close());

followRepositoryContract('prisma', backend.make);
