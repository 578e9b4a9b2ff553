/**
 * The ObjectStore contract: every implementation (local folder, memory, S3) runs these tests through a
 * harness factory. A harness opens stores over one backing; after `close()`, `open()` again reopens the
 * same backing, so persistent implementations are checked for durability across reopen.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQuiverError } from '../../src/errors.js';
import type { ObjectStore } from '../../src/store/storage/object-store.js';

export interface ObjectStoreHarness {
  /** Opens a store over this test's backing. May be called again after close() to reopen it. */
  open(): Promise<ObjectStore>;
  /** Whether objects survive close() and a later open(). */
  persistent: boolean;
  /** Releases the backing (temp folder, bucket) after the test. */
  dispose?(): Promise<void>;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function expectCode(p: Promise<unknown>, code: string): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    expect(isQuiverError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return err;
  }
  throw new Error(`expected a QuiverError ${code}, but the call succeeded`);
}

export function runObjectStoreContract(name: string, newHarness: () => Promise<ObjectStoreHarness>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let harness: ObjectStoreHarness;
    let opened: ObjectStore[];
    let store: ObjectStore;
    const reopen = async (): Promise<ObjectStore> => {
      await store.close();
      store = await harness.open();
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      harness = await newHarness();
      opened = [];
      store = await harness.open();
      opened.push(store);
    });

    afterEach(async () => {
      for (const s of opened) await s.close();
      await harness.dispose?.();
    });

    it('puts and gets an object', async () => {
      await store.put('a/b/c.bin', enc('hello'));
      expect(dec(await store.get('a/b/c.bin'))).toBe('hello');
      expect(await store.head('a/b/c.bin')).toEqual({ key: 'a/b/c.bin', size: 5 });
    });

    it('round-trips all 256 byte values and an empty object', async () => {
      const all = new Uint8Array(512).map((_, i) => i % 256);
      await store.put('bin', all);
      expect(await store.get('bin')).toEqual(all);
      await store.put('empty', new Uint8Array(0));
      expect((await store.get('empty')).length).toBe(0);
      expect(await store.head('empty')).toEqual({ key: 'empty', size: 0 });
    });

    it('does not alias caller buffers', async () => {
      const data = enc('abc');
      await store.put('k', data);
      data[0] = 0x7a;
      const got = await store.get('k');
      expect(dec(got)).toBe('abc');
      got[1] = 0x7a;
      expect(dec(await store.get('k'))).toBe('abc');
    });

    it('overwrites an object', async () => {
      await store.put('k', enc('first, longer value'));
      await store.put('k', enc('second'));
      expect(dec(await store.get('k'))).toBe('second');
      expect((await store.head('k'))?.size).toBe(6);
    });

    it('reads ranges and rejects ranges past the end', async () => {
      await store.put('r', enc('0123456789'));
      expect(dec(await store.getRange('r', 2, 3))).toBe('234');
      expect(dec(await store.getRange('r', 0, 10))).toBe('0123456789');
      expect((await store.getRange('r', 10, 0)).length).toBe(0);
      await expectCode(store.getRange('r', 8, 3), 'INVALID_ARGUMENT');
      await expectCode(store.getRange('r', 11, 0), 'INVALID_ARGUMENT');
      await expectCode(store.getRange('r', -1, 2), 'INVALID_ARGUMENT');
      await expectCode(store.getRange('r', 1.5, 2), 'INVALID_ARGUMENT');
      await expectCode(store.getRange('missing', 0, 1), 'NOT_FOUND');
    });

    it('reports NOT_FOUND for absent objects, with the file', async () => {
      const err = (await expectCode(store.get('no/such/key'), 'NOT_FOUND')) as { details: { file?: string } };
      expect(err.details.file).toBe(store.locate('no/such/key'));
      expect(await store.head('no/such/key')).toBeUndefined();
    });

    it('treats a folder-like prefix of other keys as absent', async () => {
      await store.put('dir/file', enc('x'));
      await expectCode(store.get('dir'), 'NOT_FOUND');
      expect(await store.head('dir')).toBeUndefined();
    });

    it('lists recursively, sorted by key, filtered by prefix', async () => {
      const keys = ['b', 'a/z', 'a/b/c', 'a-b', 'a.b', 'a/b-c', 'ab', 'c/d/e/f'];
      for (const k of keys) await store.put(k, enc(k));
      const all = await store.list('');
      expect(all.map((o) => o.key)).toEqual([...keys].sort());
      expect(all.find((o) => o.key === 'c/d/e/f')?.size).toBe(7);
      expect((await store.list('a/')).map((o) => o.key)).toEqual(['a/b-c', 'a/b/c', 'a/z']);
      expect((await store.list('a')).map((o) => o.key)).toEqual(['a-b', 'a.b', 'a/b-c', 'a/b/c', 'a/z', 'ab']);
      expect((await store.list('a/b')).map((o) => o.key)).toEqual(['a/b-c', 'a/b/c']);
      expect(await store.list('nothing/')).toEqual([]);
      expect(await store.list('../')).toEqual([]);
    });

    it('deletes, and deleting an absent key is fine', async () => {
      await store.put('d/x', enc('x'));
      await store.delete('d/x');
      expect(await store.head('d/x')).toBeUndefined();
      await expectCode(store.get('d/x'), 'NOT_FOUND');
      await store.delete('d/x');
      await store.delete('never/existed');
      expect(await store.list('d/')).toEqual([]);
    });

    it('appends: creates, extends, and survives reopen', async () => {
      await store.append('log/1', enc('ab'));
      await store.append('log/1', enc('cd'));
      await store.append('log/1', new Uint8Array(0));
      await store.append('log/1', enc('e'));
      expect(dec(await store.get('log/1'))).toBe('abcde');
      expect((await store.head('log/1'))?.size).toBe(5);
      if (harness.persistent) {
        await reopen();
        expect(dec(await store.get('log/1'))).toBe('abcde');
        await store.append('log/1', enc('f'));
        expect(dec(await store.get('log/1'))).toBe('abcdef');
      }
    });

    it('a put replaces an appended object, and later appends extend the new one', async () => {
      await store.append('w', enc('old-old-old'));
      await store.put('w', enc('new'));
      expect(dec(await store.get('w'))).toBe('new');
      await store.append('w', enc('+more'));
      expect(dec(await store.get('w'))).toBe('new+more');
      await store.delete('w');
      await store.append('w', enc('fresh'));
      expect(dec(await store.get('w'))).toBe('fresh');
      if (harness.persistent) {
        await reopen();
        expect(dec(await store.get('w'))).toBe('fresh');
      }
    });

    it('rejects invalid keys with INVALID_ARGUMENT', async () => {
      const bad = ['', '/a', 'a/', 'a//b', '.', '..', 'a/../b', 'a/./b', 'a b', 'a\\b', 'ü', 'a\0b', 'x.tmp-1'];
      for (const key of bad) {
        await expectCode(store.put(key, enc('x')), 'INVALID_ARGUMENT');
        await expectCode(store.get(key), 'INVALID_ARGUMENT');
        await expectCode(store.append(key, enc('x')), 'INVALID_ARGUMENT');
        await expectCode(store.delete(key), 'INVALID_ARGUMENT');
        await expectCode(store.head(key), 'INVALID_ARGUMENT');
      }
      for (const key of ['a', 'A-Z_0.9', '...', 'b/..b/c', '.hidden']) {
        await store.put(key, enc(key));
        expect(dec(await store.get(key))).toBe(key);
      }
    });

    it('stores a 20 MB object', async () => {
      const big = new Uint8Array(20 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
      big[big.length - 1] = 0xab;
      await store.put('big', big);
      expect((await store.head('big'))?.size).toBe(big.length);
      const got = await store.get('big');
      expect(got.length).toBe(big.length);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0);
      const tail = await store.getRange('big', big.length - 4097, 4097);
      expect(tail[0]).toBe(big[big.length - 4097]);
      expect(tail[4096]).toBe(0xab);
    });

    it('handles concurrent puts to different keys', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `c/${i % 4}/k${i}`);
      await Promise.all(keys.map((k) => store.put(k, enc(k))));
      const listed = await store.list('c/');
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      for (const k of keys) expect(dec(await store.get(k))).toBe(k);
    });

    it('concurrent puts to one key leave one complete value', async () => {
      const values = Array.from({ length: 10 }, (_, i) => String(i).repeat(1000 + i));
      await Promise.all(values.map((v) => store.put('same', enc(v))));
      expect(values).toContain(dec(await store.get('same')));
      expect((await store.list('same')).length).toBe(1);
    });

    it('keeps objects across reopen (persistent implementations)', async () => {
      await store.put('p/1', enc('one'));
      await store.append('p/2', enc('two'));
      await reopen();
      if (harness.persistent) {
        expect(dec(await store.get('p/1'))).toBe('one');
        expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/1', 'p/2']);
      } else {
        expect(await store.list('')).toEqual([]);
      }
    });

    it('locate gives a stable, key-specific location', async () => {
      expect(store.locate('x/y')).toBe(store.locate('x/y'));
      expect(store.locate('x/y')).not.toBe(store.locate('x/z'));
      expect(store.locate('x/y')).toContain('y');
    });

    it('throws CLOSED after close, and close is idempotent', async () => {
      await store.put('k', enc('v'));
      await store.close();
      await store.close();
      await expectCode(store.get('k'), 'CLOSED');
      await expectCode(store.put('k', enc('v')), 'CLOSED');
      await expectCode(store.append('k', enc('v')), 'CLOSED');
      await expectCode(store.list(''), 'CLOSED');
      await expectCode(store.head('k'), 'CLOSED');
      await expectCode(store.delete('k'), 'CLOSED');
    });
  });
}
