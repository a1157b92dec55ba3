import { afterAll } from 'vitest';
import { userRepositoryContract } from './user-repository.contract.js';
import { prismaRepositories } from './repositories.js';

// One fresh database for this file, migrated by the real runner; every case uses its own accounts.
const backend = prismaRepositories('user_contract_user_repo');
afterAll(() => backend.close());

userRepositoryContract('prisma', backend.make);
