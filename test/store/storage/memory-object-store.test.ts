/** MemoryObjectStore: the ObjectStore contract, reopened over a shared backing map. */

import { describe, expect, it } from 'vitest';
import { type MemoryObjectBacking, MemoryObjectStore } from '../../../src/store/storage/memory-object-store.js';
import { runObjectStoreContract } from '../../contracts/object-store.contract.js';

runObjectStoreContract('MemoryObjectStore', async () => {
  const backing: MemoryObjectBacking = new Map();
  return { persistent: true, open: async () => new MemoryObjectStore(backing) };
});

runObjectStoreContract('MemoryObjectStore (fresh on reopen)', async () => ({
  persistent: false,
  open: async () => new MemoryObjectStore(),
}));

describe('MemoryObjectStore appends', () => {
  it('grows in place without exposing spare capacity', async () => {
    const store = new MemoryObjectStore();
    const expected: number[] = [];
    for (let i = 0; i < 300; i++) {
      await store.append('log', new Uint8Array([i & 0xff, (i * 7) & 0xff]));
      expected.push(i & 0xff, (i * 7) & 0xff);
    }
    expect([...(await store.get('log'))]).toEqual(expected);
    expect(await store.head('log')).toEqual({ key: 'log', size: 600 });
  });

  it('never writes into a buffer it did not allocate', async () => {
    const backing: MemoryObjectBacking = new Map();
    const outside = new Uint8Array([1, 2, 3, 4]);
    backing.set('k', outside.subarray(0, 2));
    await new MemoryObjectStore(backing).append('k', new Uint8Array([9]));
    expect([...outside]).toEqual([1, 2, 3, 4]);
  });
});
