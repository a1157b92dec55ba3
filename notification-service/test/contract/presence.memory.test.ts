import { MemoryPresence } from '../../src/adapters/memory-presence.js';
import { presenceContract } from './presence.contract.js';

presenceContract('memory', async ({ ttlMs, now }) => new MemoryPresence({ ttlMs, now }));
