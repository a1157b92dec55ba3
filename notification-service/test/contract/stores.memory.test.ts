import { MemoryInboxStore } from '../../src/adapters/memory-inbox-store.js';
import { MemoryPreferenceStore } from '../../src/adapters/memory-preference-store.js';
import { MemoryProjectionStore } from '../../src/adapters/memory-projection-store.js';
import { MemoryUserErasure } from '../../src/adapters/memory-user-erasure.js';
import { erasureContract } from './erasure.contract.js';
import { inboxStoreContract } from './inbox-store.contract.js';
import { preferenceStoreContract } from './preference-store.contract.js';
import { projectionStoreContract } from './projection-store.contract.js';
import type { MakeStores } from './stores.js';

const make: MakeStores = async () => {
  const projections = new MemoryProjectionStore();
  const stores = { inbox: new MemoryInboxStore(), preferences: new MemoryPreferenceStore((id) => projections.user(id)?.timezone), projections };
  return { ...stores, erasure: new MemoryUserErasure(stores) };
};

inboxStoreContract('memory', make);
preferenceStoreContract('memory', make);
projectionStoreContract('memory', make);
erasureContract('memory', make);
