import { sessionRepositoryContract } from './session-repository.contract.js';
import { memoryRepositories } from './repositories.js';

sessionRepositoryContract('memory', memoryRepositories);
