import { loginFailuresContract } from './login-failures.contract.js';
import { memoryRepositories } from './repositories.js';

loginFailuresContract('memory', memoryRepositories);
