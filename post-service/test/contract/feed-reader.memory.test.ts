import { feedReaderContract } from './feed-reader.contract.js';
import { memoryBackend } from './backends.js';

feedReaderContract('memory', memoryBackend);
