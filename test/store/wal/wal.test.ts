/** WalWriter + readWal: round trips, rotation, removeThrough, reopen-and-continue, group commit. */

import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../src/store/storage/memory-object-store.js';
import { walFileKey } from '../../../src/store/wal/files.js';
import { WAL_HEADER_BYTES } from '../../../src/store/wal/record.js';
import { verifyWal } from '../../../src/store/wal/wal-reader.js';
import { WalWriter } from '../../../src/store/wal/wal-writer.js';
import { payload, replay } from './wal-helpers.js';

const keys = async (store: MemoryObjectStore) => (await store.list('wal/')).map((o) => o.key);

describe('WAL', () => {
  it('round-trips records with consecutive LSNs from 1', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    const lsns: number[] = [];
    for (let i = 1; i <= 50; i++) lsns.push(await w.append(payload(i, i % 7 === 0 ? 0 : i * 3)));
    expect(lsns).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(w.nextLsn).toBe(51);
    const { records, result } = await replay(store, 'wal');
    expect(records.map((r) => r.lsn)).toEqual(lsns);
    for (const r of records) expect(r.payload).toEqual(payload(r.lsn, r.lsn % 7 === 0 ? 0 : r.lsn * 3));
    expect(result).toEqual({ delivered: 50, lastLsn: 50, nextLsn: 51 });
    expect(await keys(store)).toEqual([walFileKey('wal', 1)]);
    expect(walFileKey('wal', 1)).toBe('wal/00000000000000000001.wal');
  });

  it('replays only records after afterLsn', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    for (let i = 1; i <= 10; i++) await w.append(payload(i));
    const { records, result } = await replay(store, 'wal', 7);
    expect(records.map((r) => r.lsn)).toEqual([8, 9, 10]);
    expect(result.nextLsn).toBe(11);
    expect((await replay(store, 'wal', 10)).records).toEqual([]);
  });

  it('rotates to a new file named for its first LSN; LSNs stay consecutive', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    await w.append(payload(1));
    await w.append(payload(2));
    await w.rotate();
    await w.rotate(); // a rotation with no appends in between creates nothing
    await w.append(payload(3));
    await w.rotate();
    await w.appendMany([payload(4), payload(5), payload(6)]);
    expect(await keys(store)).toEqual([walFileKey('wal', 1), walFileKey('wal', 3), walFileKey('wal', 4)]);
    expect((await replay(store, 'wal')).records.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await verifyWal(store, 'wal')).toEqual({ files: 3, records: 6, firstLsn: 1, lastLsn: 6 });
  });

  it('rotates automatically at maxFileBytes', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1, { maxFileBytes: 3 * (WAL_HEADER_BYTES + 10) });
    for (let i = 1; i <= 10; i++) await w.append(payload(i));
    expect(await keys(store)).toEqual([1, 4, 7, 10].map((l) => walFileKey('wal', l)));
    expect((await replay(store, 'wal')).result.lastLsn).toBe(10);
  });

  it('removeThrough deletes only whole files at or below the LSN, never the current one', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    for (let i = 1; i <= 9; i++) {
      await w.append(payload(i));
      if (i % 3 === 0) await w.rotate();
    }
    // files: 1..3, 4..6, 7..9 (current: the 7 file was rotated away from; the newest is never removed)
    expect(await w.removeThrough(2)).toBe(0);
    expect(await w.removeThrough(3)).toBe(1);
    expect(await keys(store)).toEqual([walFileKey('wal', 4), walFileKey('wal', 7)]);
    expect(await w.removeThrough(100)).toBe(1);
    expect(await keys(store)).toEqual([walFileKey('wal', 7)]);
    await w.append(payload(10));
    expect(await w.removeThrough(100)).toBe(1);
    expect(await keys(store)).toEqual([walFileKey('wal', 10)]);
    expect(await w.removeThrough(100)).toBe(0);
    const { records } = await replay(store, 'wal', 9);
    expect(records.map((r) => r.lsn)).toEqual([10]);
  });

  it('reopens and continues where replay ends', async () => {
    const store = new MemoryObjectStore();
    let w = await WalWriter.open(store, 'wal', 1);
    for (let i = 1; i <= 5; i++) await w.append(payload(i));
    await w.close();
    const first = await replay(store, 'wal');
    w = await WalWriter.open(store, 'wal', first.result.nextLsn);
    expect(await w.append(payload(6))).toBe(6);
    await w.close();
    w = await WalWriter.open(store, 'wal', 7);
    expect(await w.append(payload(7))).toBe(7);
    expect((await replay(store, 'wal')).records.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await keys(store)).toEqual([1, 6, 7].map((l) => walFileKey('wal', l)));
  });

  it('refuses to open behind the log', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    await w.append(payload(1));
    await w.rotate();
    await w.append(payload(2));
    await expect(WalWriter.open(store, 'wal', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(WalWriter.open(store, 'wal', 2)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(WalWriter.open(store, 'wal', 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(WalWriter.open(store, '/bad', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('groups concurrent appends into one write, in call order', async () => {
    const store = new MemoryObjectStore();
    let writes = 0;
    const append = store.append.bind(store);
    store.append = async (key, data) => {
      writes++;
      return append(key, data);
    };
    const w = await WalWriter.open(store, 'wal', 1);
    const lsns = await Promise.all(Array.from({ length: 100 }, (_, i) => w.append(payload(i + 1))));
    expect(lsns).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(writes).toBeLessThanOrEqual(2);
    const { records } = await replay(store, 'wal');
    for (const r of records) expect(r.payload).toEqual(payload(r.lsn));
  });

  it('a rotate between concurrent appends splits them at the call', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    const a = [w.append(payload(1)), w.append(payload(2))];
    const r = w.rotate();
    const b = [w.append(payload(3))];
    await Promise.all([...a, r, ...b]);
    expect(await keys(store)).toEqual([walFileKey('wal', 1), walFileKey('wal', 3)]);
  });

  it('refuses appends after a failed write, and after close', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    await w.append(payload(1));
    const append = store.append.bind(store);
    store.append = async () => {
      throw new Error('disk on fire');
    };
    await expect(w.append(payload(2))).rejects.toThrow('disk on fire');
    store.append = append;
    await expect(w.append(payload(2))).rejects.toMatchObject({ code: 'IO_ERROR' });
    const w2 = await WalWriter.open(store, 'wal', 2);
    await w2.close();
    await expect(w2.append(payload(2))).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(w2.append('x' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('an empty WAL replays nothing and starts at 1 (or after the checkpoint)', async () => {
    const store = new MemoryObjectStore();
    expect((await replay(store, 'wal')).result).toEqual({ delivered: 0, lastLsn: 0, nextLsn: 1 });
    expect((await replay(store, 'wal', 41)).result.nextLsn).toBe(42);
    expect(await verifyWal(store, 'wal')).toEqual({ files: 0, records: 0, firstLsn: 0, lastLsn: 0 });
  });

  it('allows zero-length files and ignores unrelated keys under the prefix', async () => {
    const store = new MemoryObjectStore();
    const w = await WalWriter.open(store, 'wal', 1);
    await w.append(payload(1));
    await store.put(walFileKey('wal', 2), new Uint8Array(0));
    await store.put('wal/notes.txt', new Uint8Array([1]));
    await store.put('wal/sub/00000000000000000009.wal', new Uint8Array([1]));
    const { records, result } = await replay(store, 'wal');
    expect(records.map((r) => r.lsn)).toEqual([1]);
    expect(result.nextLsn).toBe(2);
    const w2 = await WalWriter.open(store, 'wal', 2);
    expect(await w2.append(payload(2))).toBe(2);
    expect((await replay(store, 'wal')).records.map((r) => r.lsn)).toEqual([1, 2]);
  });
});
