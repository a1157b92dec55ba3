import { userRepositoryContract } from './user-repository.contract.js';
import { memoryRepositories } from './repositories.js';

userRepositoryContract('memory', memoryRepositories);
