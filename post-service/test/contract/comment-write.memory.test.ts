import { commentWriteContract } from './comment-write.contract.js';
import { memoryBackend } from './backends.js';

commentWriteContract('memory', memoryBackend);
