/**
 * WAL integrity: a torn final record of every length is cut off and reported, while every single-byte
 * flip, LSN gap or repeat, misnamed file, and short record in an older file is CORRUPT naming the file.
 */

import { describe, expect, it } from 'vitest';
import { isQuiverError } from '../../../src/errors.js';
import { MemoryObjectStore } from '../../../src/store/storage/memory-object-store.js';
import type { ObjectStore } from '../../../src/store/storage/object-store.js';
import { walFileKey } from '../../../src/store/wal/files.js';
import { WAL_HEADER_BYTES } from '../../../src/store/wal/record.js';
import { verifyWal } from '../../../src/store/wal/wal-reader.js';
import { WalWriter } from '../../../src/store/wal/wal-writer.js';
import { payload, recordBytes, replay } from './wal-helpers.js';

const F1 = walFileKey('wal', 1);
const F4 = walFileKey('wal', 4);

/** Two files: LSNs 1..3 and 4..6, 10-byte payloads. */
async function twoFileWal(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  const w = await WalWriter.open(store, 'wal', 1);
  for (let i = 1; i <= 6; i++) {
    await w.append(payload(i));
    if (i === 3) await w.rotate();
  }
  await w.close();
  return store;
}

async function expectCorrupt(store: ObjectStore, key: string, offset?: number): Promise<void> {
  for (const run of [() => replay(store, 'wal'), () => verifyWal(store, 'wal')]) {
    const err = await run().catch((e: unknown) => e);
    if (!isQuiverError(err, 'CORRUPT')) throw new Error(`expected CORRUPT, got ${String(err)}`);
    expect(err.details.file).toBe(store.locate(key));
    expect(err.message).toContain(store.locate(key));
    expect(typeof err.details.offset).toBe('number');
    if (offset !== undefined) expect(err.details.offset).toBe(offset);
  }
}

describe('WAL torn tails', () => {
  it('cuts a torn final record at every length, reports it, keeps earlier records', async () => {
    const good = await (await twoFileWal()).get(F4);
    const recLen = WAL_HEADER_BYTES + 10;
    const lastStart = 2 * recLen;
    expect(good.length).toBe(3 * recLen);
    for (let k = 1; k < recLen; k++) {
      const store = await twoFileWal();
      await store.put(F4, good.subarray(0, lastStart + k));
      const verified = await verifyWal(store, 'wal');
      expect(verified.torn).toEqual({ key: F4, file: store.locate(F4), offset: lastStart, bytes: k });
      expect((await store.head(F4))?.size).toBe(lastStart + k); // verify does not repair
      const { records, result } = await replay(store, 'wal');
      expect(records.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5]);
      expect(result.torn).toEqual({ key: F4, file: store.locate(F4), offset: lastStart, bytes: k });
      expect(result.nextLsn).toBe(6);
      expect(await store.get(F4)).toEqual(good.subarray(0, lastStart));
      // The log continues cleanly after the repair.
      const w = await WalWriter.open(store, 'wal', result.nextLsn);
      expect(await w.append(payload(6))).toBe(6);
      const again = await replay(store, 'wal');
      expect(again.result.torn).toBeUndefined();
      expect(again.records.map((r) => r.lsn)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('a torn first record leaves an empty file the writer reuses', async () => {
    const store = await twoFileWal();
    const good = await store.get(F4);
    await store.put(F4, good.subarray(0, 5));
    const { records, result } = await replay(store, 'wal');
    expect(records.map((r) => r.lsn)).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ nextLsn: 4, lastLsn: 3, torn: { offset: 0, bytes: 5 } });
    expect((await store.head(F4))?.size).toBe(0);
    const w = await WalWriter.open(store, 'wal', 4);
    await w.append(payload(4));
    expect((await replay(store, 'wal')).records.map((r) => r.lsn)).toEqual([1, 2, 3, 4]);
  });

  it('a short record in a file that is not the newest is CORRUPT', async () => {
    const store = await twoFileWal();
    const good = await store.get(F1);
    await store.put(F1, good.subarray(0, good.length - 3));
    await expectCorrupt(store, F1, 2 * (WAL_HEADER_BYTES + 10));
  });
});

describe('WAL corruption', () => {
  it('every single-byte flip in every file is CORRUPT naming the file', async () => {
    const pristine = await twoFileWal();
    for (const key of [F1, F4]) {
      const good = await pristine.get(key);
      for (let i = 0; i < good.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const store = await twoFileWal();
          const bad = good.slice();
          bad[i]! ^= mask;
          await store.put(key, bad);
          const recStart = i - (i % (WAL_HEADER_BYTES + 10));
          await expectCorrupt(store, key, recStart);
        }
      }
    }
  });

  it('an LSN gap or repeat inside a file is CORRUPT', async () => {
    for (const lsns of [
      [1, 2, 4],
      [1, 2, 2],
      [1, 3],
    ]) {
      const store = new MemoryObjectStore();
      await store.put(F1, recordBytes(lsns));
      const badAt = lsns.findIndex((l, i) => l !== i + 1);
      await expectCorrupt(store, F1, badAt * (WAL_HEADER_BYTES + 10));
    }
  });

  it('a gap between files is CORRUPT naming the later file', async () => {
    const store = new MemoryObjectStore();
    await store.put(F1, recordBytes([1, 2]));
    await store.put(F4, recordBytes([4, 5]));
    await expectCorrupt(store, F4, 0);
  });

  it('a file whose name disagrees with its first record is CORRUPT', async () => {
    const store = new MemoryObjectStore();
    await store.put(F1, recordBytes([1, 2, 3]));
    await store.put(F4, recordBytes([5, 6]));
    await expectCorrupt(store, F4, 0);
    const alone = new MemoryObjectStore();
    await alone.put(walFileKey('wal', 7), recordBytes([8]));
    await expectCorrupt(alone, walFileKey('wal', 7), 0);
  });

  it('records missing before the first file, or after the end, are CORRUPT for replay', async () => {
    const store = new MemoryObjectStore();
    await store.put(F4, recordBytes([4, 5]));
    expect((await replay(store, 'wal', 3)).records.map((r) => r.lsn)).toEqual([4, 5]);
    await expect(replay(store, 'wal', 2)).rejects.toMatchObject({ code: 'CORRUPT', details: { offset: 0 } });
    await expect(replay(store, 'wal', 9)).rejects.toMatchObject({ code: 'CORRUPT' });
    expect((await verifyWal(store, 'wal')).firstLsn).toBe(4);
  });

  it('a record from a newer format version is UNSUPPORTED_FORMAT', async () => {
    const { crc32 } = await import('../../../src/store/util/checksum.js');
    const bytes = recordBytes([1]);
    bytes[0] = 2;
    new DataView(bytes.buffer).setUint32(20, crc32(bytes.subarray(0, 20)), true);
    const store = new MemoryObjectStore();
    await store.put(F1, bytes);
    await expect(replay(store, 'wal')).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });
});
