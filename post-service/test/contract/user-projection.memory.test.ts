import { userProjectionContract } from './user-projection.contract.js';
import { memoryBackend } from './backends.js';

userProjectionContract('memory', memoryBackend);
