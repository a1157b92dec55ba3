import { afterAll } from 'vitest';
import { sessionRepositoryContract } from './session-repository.contract.js';
import { prismaRepositories } from './repositories.js';

// One fresh database for this file, migrated by the real runner; every case uses its own accounts.
const backend = prismaRepositories('user_contract_session_repo');
afterAll(() => backend.close());

sessionRepositoryContract('prisma', backend.make);
