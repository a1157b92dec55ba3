import { afterAll } from 'vitest';
import { loginFailuresContract } from './login-failures.contract.js';
import { prismaRepositories } from './repositories.js';

// One fresh database for this file, migrated by the real runner; every case uses its own accounts.
const backend = prismaRepositories('user_contract_login_failures');
afterAll(() => backend.close());

loginFailuresContract('prisma', backend.make);
