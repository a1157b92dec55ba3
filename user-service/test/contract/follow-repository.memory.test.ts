import { followRepositoryContract } from './follow-repository.contract.js';
import { memoryRepositories } from './repositories.js';

followRepositoryContract('memory', memoryRepositories);
