/**
 * FileMetaStore: the MetaStore contract over a local folder and over memory, plus snapshot integrity:
 * every single-byte flip of a snapshot is CORRUPT naming the file, never wrong data.
 */

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQuiverError, QuiverError } from '../../../src/errors.js';
import { FileMetaStore } from '../../../src/store/storage/file-meta-store.js';
import { LocalObjectStore } from '../../../src/store/storage/local-object-store.js';
import { MemoryObjectStore } from '../../../src/store/storage/memory-object-store.js';
import { encodeMetaSnapshot } from '../../../src/store/storage/meta-snapshot.js';
import type { ObjectStore } from '../../../src/store/storage/object-store.js';
import { runMetaStoreContract } from '../../contracts/meta-store.contract.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

runMetaStoreContract('FileMetaStore over LocalObjectStore', async () => {
  const dir = await makeTempDir();
  const objects = new LocalObjectStore(dir.path);
  return {
    persistent: true,
    open: () => FileMetaStore.open(objects),
    dispose: async () => {
      await objects.close();
      await dir.remove();
    },
  };
});

runMetaStoreContract('FileMetaStore over MemoryObjectStore', async () => {
  const objects = new MemoryObjectStore();
  return { persistent: true, open: () => FileMetaStore.open(objects, 'meta/state.json') };
});

describe('FileMetaStore snapshot integrity', () => {
  let dir: TempDir;
  let objects: LocalObjectStore;
  beforeEach(async () => {
    dir = await makeTempDir();
    objects = new LocalObjectStore(dir.path);
  });
  afterEach(async () => {
    await objects.close();
    await dir.remove();
  });

  async function smallSnapshot(): Promise<Uint8Array> {
    const meta = await FileMetaStore.open(objects);
    await meta.put('col/a', '{"dim":4}');
    await meta.put('seg/1', 'sealed');
    await meta.delete('seg/1');
    await meta.put('z', '');
    await meta.close();
    return objects.get('meta.json');
  }

  it('any single flipped byte gives CORRUPT naming the file', async () => {
    const good = await smallSnapshot();
    const file = objects.locate('meta.json');
    expect(good.length).toBeGreaterThan(100);
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0x01, 0x20, 0xff]) {
        const bad = good.slice();
        bad[i]! ^= mask;
        await objects.put('meta.json', bad);
        const err = await FileMetaStore.open(objects).catch((e: unknown) => e);
        if (!isQuiverError(err, 'CORRUPT'))
          throw new Error(`byte ${i} ^ ${mask}: expected CORRUPT, got ${String(err)}`);
        expect(err.details.file).toBe(file);
        expect(err.message).toContain(file);
      }
    }
  });

  it('truncation and trailing bytes are CORRUPT', async () => {
    const good = await smallSnapshot();
    for (const bad of [good.subarray(0, good.length - 1), good.subarray(0, 10), new Uint8Array(0)]) {
      await objects.put('meta.json', bad);
      await expect(FileMetaStore.open(objects)).rejects.toMatchObject({ code: 'CORRUPT' });
    }
    await objects.put('meta.json', new Uint8Array([...good, 0x20]));
    await expect(FileMetaStore.open(objects)).rejects.toMatchObject({ code: 'CORRUPT' });
  });

  it('a newer format version is UNSUPPORTED_FORMAT', async () => {
    const body = Buffer.from('[]\n');
    const { crc32 } = await import('../../../src/store/util/checksum.js');
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const fields = `quiver-meta 2 0 ${body.length} ${hex(crc32(body))}`;
    const header = `${fields} ${hex(crc32(Buffer.from(fields)))}\n`;
    await objects.put('meta.json', Buffer.concat([Buffer.from(header), body]));
    await expect(FileMetaStore.open(objects)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });

  it('a well-formed snapshot with impossible content is CORRUPT', async () => {
    const cases = [
      encodeMetaSnapshot(1, [{ key: 'a', value: 'x', modRevision: 2 }]),
      encodeMetaSnapshot(2, [
        { key: 'b', value: 'x', modRevision: 1 },
        { key: 'a', value: 'x', modRevision: 2 },
      ]),
    ];
    for (const bytes of cases) {
      await objects.put('meta.json', bytes);
      await expect(FileMetaStore.open(objects)).rejects.toMatchObject({ code: 'CORRUPT' });
    }
  });

  it('a leftover temp file does not matter', async () => {
    const meta = await FileMetaStore.open(objects);
    await meta.put('a', '1');
    await meta.close();
    await writeFile(join(dir.path, 'meta.json.tmp-abc123'), 'garbage from a crash');
    const again = await FileMetaStore.open(objects);
    expect(await again.get('a')).toEqual({ key: 'a', value: '1', modRevision: 1 });
    await again.put('b', '2');
    await again.close();
    expect((await readdir(dir.path)).sort()).toEqual(['meta.json', 'meta.json.tmp-abc123']);
  });

  it('a failed write leaves memory as it was (never diverges from disk)', async () => {
    const inner = new MemoryObjectStore();
    let fail = false;
    const flaky: ObjectStore = Object.create(inner, {
      put: {
        value: async (key: string, data: Uint8Array) => {
          if (fail) throw new QuiverError('IO_ERROR', 'disk full');
          return inner.put(key, data);
        },
      },
    });
    const meta = await FileMetaStore.open(flaky);
    await meta.put('a', '1');
    fail = true;
    await expect(meta.put('a', '2')).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(meta.txn([], [{ type: 'put', key: 'b', value: 'x' }])).rejects.toMatchObject({ code: 'IO_ERROR' });
    await expect(meta.delete('a')).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(await meta.revision()).toBe(1);
    expect(await meta.list('')).toEqual([{ key: 'a', value: '1', modRevision: 1 }]);
    fail = false;
    expect(await meta.put('b', '2')).toBe(2);
    const reopened = await FileMetaStore.open(inner);
    expect(await reopened.list('')).toEqual(await meta.list(''));
  });

  it('readers never see a write before it is durable', async () => {
    const inner = new MemoryObjectStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: ObjectStore = Object.create(inner, {
      put: {
        value: async (key: string, data: Uint8Array) => {
          await gate;
          return inner.put(key, data);
        },
      },
    });
    const meta = await FileMetaStore.open(slow);
    const pending = meta.put('a', '1');
    await new Promise((r) => setImmediate(r));
    expect(await meta.get('a')).toBeUndefined();
    expect(await meta.revision()).toBe(0);
    release();
    expect(await pending).toBe(1);
    expect(await meta.get('a')).toMatchObject({ value: '1' });
  });
});
