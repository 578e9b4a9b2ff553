/** LocalObjectStore: the ObjectStore contract over a temp folder, plus behaviour only a disk has. */

import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQuiverError } from '../../../src/errors.js';
import { LocalObjectStore } from '../../../src/store/storage/local-object-store.js';
import { runObjectStoreContract } from '../../contracts/object-store.contract.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

runObjectStoreContract('LocalObjectStore', async () => {
  const dir = await makeTempDir();
  return { persistent: true, open: () => LocalObjectStore.open(dir.path), dispose: dir.remove };
});

describe('LocalObjectStore on disk', () => {
  let dir: TempDir;
  let store: LocalObjectStore;
  beforeEach(async () => {
    dir = await makeTempDir();
    store = new LocalObjectStore(join(dir.path, 'nested', 'root'));
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('creates its root and maps keys to files under it', async () => {
    expect((await stat(store.root)).isDirectory()).toBe(true);
    await store.put('a/b.bin', new Uint8Array([1, 2]));
    expect(store.locate('a/b.bin')).toBe(join(store.root, 'a', 'b.bin'));
    expect([...(await readFile(store.locate('a/b.bin')))]).toEqual([1, 2]);
  });

  it('leaves no temp files behind after puts', async () => {
    for (let i = 0; i < 5; i++) await store.put('x/k', new Uint8Array([i]));
    expect(await readdir(join(store.root, 'x'))).toEqual(['k']);
  });

  it('ignores leftover temp files, and open() sweeps them', async () => {
    await store.put('x/k', new Uint8Array([1]));
    await writeFile(join(store.root, 'x', 'k.tmp-deadbeef'), 'partial');
    await writeFile(join(store.root, 'orphan.tmp-0001'), 'partial');
    expect((await store.list('')).map((o) => o.key)).toEqual(['x/k']);
    const reopened = await LocalObjectStore.open(store.root);
    expect(await readdir(join(store.root, 'x'))).toEqual(['k']);
    expect((await reopened.list('')).map((o) => o.key)).toEqual(['x/k']);
    await reopened.close();
  });

  it('a put over an appended key makes later appends go to the new file', async () => {
    await store.append('w', new Uint8Array([1, 1, 1]));
    await store.put('w', new Uint8Array([2]));
    await store.append('w', new Uint8Array([3]));
    expect([...(await readFile(store.locate('w')))]).toEqual([2, 3]);
  });

  it('wraps other fs failures as IO_ERROR with the file', async () => {
    await store.put('f', new Uint8Array([1]));
    // 'f' is a file, so 'f/g' cannot be created under it.
    const err = await store.put('f/g', new Uint8Array([1])).catch((e: unknown) => e);
    expect(isQuiverError(err, 'IO_ERROR')).toBe(true);
    expect((err as { details: { file: string } }).details.file).toBe(store.locate('f/g'));
    expect((err as Error).cause).toBeDefined();
  });

  it('skips files whose names are not valid keys', async () => {
    await writeFile(join(store.root, 'has space'), 'x');
    await store.put('ok', new Uint8Array([1]));
    expect((await store.list('')).map((o) => o.key)).toEqual(['ok']);
  });
});
