/** MemoryMetaStore: the MetaStore contract, reopened over a shared MetaState (and fresh on reopen). */

import { MemoryMetaStore } from '../../../src/store/storage/memory-meta-store.js';
import { MetaState } from '../../../src/store/storage/meta-state.js';
import { runMetaStoreContract } from '../../contracts/meta-store.contract.js';

runMetaStoreContract('MemoryMetaStore', async () => {
  const state = new MetaState();
  return { persistent: true, open: async () => new MemoryMetaStore(state) };
});

runMetaStoreContract('MemoryMetaStore (fresh on reopen)', async () => ({
  persistent: false,
  open: async () => new MemoryMetaStore(),
}));
