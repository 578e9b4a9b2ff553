/** The WAL over LocalObjectStore: torn-tail repair on real files, reopen, and append throughput. */

import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../src/store/storage/local-object-store.js';
import { walFileKey } from '../../../src/store/wal/files.js';
import { WAL_HEADER_BYTES } from '../../../src/store/wal/record.js';
import { WalWriter } from '../../../src/store/wal/wal-writer.js';
import { makeTempDir, type TempDir } from '../storage/temp-dir.js';
import { payload, replay } from './wal-helpers.js';

describe('WAL on LocalObjectStore', () => {
  let dir: TempDir;
  let store: LocalObjectStore;
  beforeEach(async () => {
    dir = await makeTempDir();
    store = await LocalObjectStore.open(dir.path);
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('repairs a torn tail on disk and continues after reopening the store', async () => {
    const w = await WalWriter.open(store, 'c1/wal', 1);
    for (let i = 1; i <= 4; i++) await w.append(payload(i, 100));
    const file = store.locate(walFileKey('c1/wal', 1));
    // Simulate a crash mid-write of record 4: cut its payload short.
    await truncate(file, 3 * (WAL_HEADER_BYTES + 100) + WAL_HEADER_BYTES + 40);
    await store.close();

    store = await LocalObjectStore.open(dir.path);
    const { records, result } = await replay(store, 'c1/wal');
    expect(records.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(result.torn).toEqual({
      key: walFileKey('c1/wal', 1),
      file,
      offset: 3 * (WAL_HEADER_BYTES + 100),
      bytes: WAL_HEADER_BYTES + 40,
    });
    const w2 = await WalWriter.open(store, 'c1/wal', result.nextLsn);
    expect(await w2.append(payload(4, 100))).toBe(4);
    expect(await w2.append(payload(5, 100))).toBe(5);
    await store.close();

    store = await LocalObjectStore.open(dir.path);
    const again = await replay(store, 'c1/wal');
    expect(again.records.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5]);
    for (const r of again.records) expect(r.payload).toEqual(payload(r.lsn, 100));
  });

  it('repairs a torn tail of a file the same process still has open for append', async () => {
    const w = await WalWriter.open(store, 'wal', 1);
    await w.append(payload(1));
    await w.append(payload(2));
    const file = store.locate(walFileKey('wal', 1));
    const fh = await open(file, 'a');
    await fh.write(new Uint8Array([1, 2, 3])); // garbage shorter than a header
    await fh.close();
    const { result } = await replay(store, 'wal');
    expect(result.torn?.bytes).toBe(3);
    // The store swapped its append fd on the put, so the next record lands on the repaired file.
    const w2 = await WalWriter.open(store, 'wal', result.nextLsn);
    expect(await w2.append(payload(3))).toBe(3);
    expect((await replay(store, 'wal')).records.map((r) => r.lsn)).toEqual([1, 2, 3]);
  });

  it('1,000 sequential appends cost about 1,000 fdatasyncs', async () => {
    const n = 1000;
    const rec = new Uint8Array(WAL_HEADER_BYTES + 16);
    const fh = await open(join(dir.path, 'baseline.bin'), 'a');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await fh.write(rec);
      await fh.datasync();
    }
    const baseline = performance.now() - t0;
    await fh.close();

    const w = await WalWriter.open(store, 'wal', 1);
    const t1 = performance.now();
    for (let i = 1; i <= n; i++) await w.append(payload(i, 16));
    const wal = performance.now() - t1;
    console.log(`1000 appends: ${wal.toFixed(0)} ms; 1000 write+fdatasync: ${baseline.toFixed(0)} ms`);
    expect(wal).toBeLessThan(2 * baseline + 300);
    expect((await replay(store, 'wal')).result.lastLsn).toBe(n);
  });
});
