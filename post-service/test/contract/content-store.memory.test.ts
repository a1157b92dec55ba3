import { contentStoreContract } from './content-store.contract.js';
import { memoryBackend } from './backends.js';

contentStoreContract('memory', memoryBackend);
