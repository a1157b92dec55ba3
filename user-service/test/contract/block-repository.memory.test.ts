import { blockRepositoryContract } from './block-repository.contract.js';
import { memoryRepositories } from './repositories.js';

blockRepositoryContract('memory', memoryRepositories);
