/**
 * The MetaStore contract: every implementation (local file, memory, etcd) runs these tests through a
 * harness factory. A harness opens stores over one backing; `open()` after `close()` reopens it. The
 * revision rules are etcd's: a change that writes something advances the revision by exactly 1.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isQuiverError } from '../../src/errors.js';
import type { MetaStore } from '../../src/store/storage/meta-store.js';

export interface MetaStoreHarness {
  /** Opens a store over this test's backing. May be called again after close() to reopen it. */
  open(): Promise<MetaStore>;
  /** Whether entries survive close() and a later open(). */
  persistent: boolean;
  dispose?(): Promise<void>;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(isQuiverError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected a QuiverError ${code}, but the call succeeded`);
}

export function runMetaStoreContract(name: string, newHarness: () => Promise<MetaStoreHarness>): void {
  describe(`MetaStore contract: ${name}`, () => {
    let harness: MetaStoreHarness;
    let opened: MetaStore[];
    let meta: MetaStore;
    const open = async (): Promise<MetaStore> => {
      const s = await harness.open();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      harness = await newHarness();
      opened = [];
      meta = await open();
    });

    afterEach(async () => {
      for (const s of opened) await s.close();
      await harness.dispose?.();
    });

    it('starts empty at revision 0', async () => {
      expect(await meta.revision()).toBe(0);
      expect(await meta.get('a')).toBeUndefined();
      expect(await meta.list('')).toEqual([]);
    });

    it('puts, gets, and overwrites with modRevision', async () => {
      expect(await meta.put('a', '1')).toBe(1);
      expect(await meta.get('a')).toEqual({ key: 'a', value: '1', modRevision: 1 });
      expect(await meta.put('b', '')).toBe(2);
      expect(await meta.put('a', 'two')).toBe(3);
      expect(await meta.get('a')).toEqual({ key: 'a', value: 'two', modRevision: 3 });
      expect(await meta.get('b')).toEqual({ key: 'b', value: '', modRevision: 2 });
      expect(await meta.revision()).toBe(3);
    });

    it('round-trips unusual keys and values', async () => {
      const pairs: [string, string][] = [
        ['k/with/slashes', 'line\nbreak "quoted" \\ back'],
        ['ünïcödé ✓', '{"json": [1, 2]}'],
        [' spaced ', '\u0000\u0001'],
      ];
      for (const [k, v] of pairs) await meta.put(k, v);
      for (const [k, v] of pairs) expect((await meta.get(k))?.value).toBe(v);
    });

    it('deletes: true when it existed; an absent key changes nothing', async () => {
      await meta.put('a', '1');
      expect(await meta.delete('a')).toBe(true);
      expect(await meta.revision()).toBe(2);
      expect(await meta.get('a')).toBeUndefined();
      expect(await meta.delete('a')).toBe(false);
      expect(await meta.revision()).toBe(2);
      expect(await meta.put('a', 'again')).toBe(3);
      expect((await meta.get('a'))?.modRevision).toBe(3);
    });

    it('lists by prefix, sorted by key', async () => {
      for (const k of ['col/b', 'col/a/x', 'seg/1', 'col/a', 'co', 'col/c']) await meta.put(k, k.toUpperCase());
      expect((await meta.list('col/')).map((e) => e.key)).toEqual(['col/a', 'col/a/x', 'col/b', 'col/c']);
      expect((await meta.list('co')).map((e) => e.key)).toEqual(['co', 'col/a', 'col/a/x', 'col/b', 'col/c']);
      expect((await meta.list('')).length).toBe(6);
      expect(await meta.list('zzz')).toEqual([]);
      const [first] = await meta.list('seg/');
      expect(first).toEqual({ key: 'seg/1', value: 'SEG/1', modRevision: 3 });
    });

    it('returned entries are copies', async () => {
      await meta.put('a', '1');
      const e = (await meta.get('a'))!;
      e.value = 'mutated';
      (await meta.list(''))[0]!.value = 'mutated';
      expect((await meta.get('a'))?.value).toBe('1');
    });

    it('a successful txn applies every op at one new revision', async () => {
      await meta.put('x', 'old');
      await meta.put('gone', 'bye');
      const res = await meta.txn(
        [{ key: 'x', modRevision: 1 }],
        [
          { type: 'put', key: 'x', value: 'new' },
          { type: 'put', key: 'y', value: 'created' },
          { type: 'delete', key: 'gone' },
        ],
      );
      expect(res).toEqual({ succeeded: true, revision: 3 });
      expect(await meta.revision()).toBe(3);
      expect(await meta.get('x')).toEqual({ key: 'x', value: 'new', modRevision: 3 });
      expect(await meta.get('y')).toEqual({ key: 'y', value: 'created', modRevision: 3 });
      expect(await meta.get('gone')).toBeUndefined();
    });

    it('a failed txn changes nothing', async () => {
      await meta.put('x', '1');
      await meta.put('y', '1');
      const before = await meta.list('');
      const res = await meta.txn(
        [
          { key: 'x', modRevision: 1 },
          { key: 'y', modRevision: 1 }, // y is at 2: fails
        ],
        [
          { type: 'put', key: 'x', value: '2' },
          { type: 'delete', key: 'y' },
          { type: 'put', key: 'z', value: 'new' },
        ],
      );
      expect(res).toEqual({ succeeded: false, revision: 2 });
      expect(await meta.revision()).toBe(2);
      expect(await meta.list('')).toEqual(before);
    });

    it('modRevision 0 means absent: create-if-absent', async () => {
      const create = () => meta.txn([{ key: 'lock', modRevision: 0 }], [{ type: 'put', key: 'lock', value: 'me' }]);
      expect((await create()).succeeded).toBe(true);
      expect((await create()).succeeded).toBe(false);
      await meta.delete('lock');
      expect((await create()).succeeded).toBe(true);
    });

    it('a txn that writes nothing leaves the revision alone', async () => {
      await meta.put('a', '1');
      expect(await meta.txn([{ key: 'a', modRevision: 1 }], [])).toEqual({ succeeded: true, revision: 1 });
      expect(await meta.txn([], [{ type: 'delete', key: 'absent' }])).toEqual({ succeeded: true, revision: 1 });
      expect(await meta.revision()).toBe(1);
    });

    it('20 racing compare-and-set increments end at exactly 20', async () => {
      await meta.put('counter', '0');
      let conflicts = 0;
      const client = async (): Promise<void> => {
        for (;;) {
          const cur = (await meta.get('counter'))!;
          await new Promise((r) => setImmediate(r));
          const res = await meta.txn(
            [{ key: 'counter', modRevision: cur.modRevision }],
            [{ type: 'put', key: 'counter', value: String(Number(cur.value) + 1) }],
          );
          if (res.succeeded) return;
          conflicts++;
        }
      };
      await Promise.all(Array.from({ length: 20 }, client));
      expect((await meta.get('counter'))?.value).toBe('20');
      expect(await meta.revision()).toBe(21);
      expect(conflicts).toBeGreaterThan(0);
    });

    it('rejects non-string keys and values, and malformed txns', async () => {
      const m = meta as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      await expectCode(m.put!('k', 5), 'INVALID_ARGUMENT');
      await expectCode(m.put!(5, 'v'), 'INVALID_ARGUMENT');
      await expectCode(m.put!('', 'v'), 'INVALID_ARGUMENT');
      await expectCode(m.get!(undefined), 'INVALID_ARGUMENT');
      await expectCode(m.delete!(null), 'INVALID_ARGUMENT');
      await expectCode(m.txn!([], [{ type: 'put', key: 'k', value: {} }]), 'INVALID_ARGUMENT');
      await expectCode(m.txn!([], [{ type: 'bogus', key: 'k' }]), 'INVALID_ARGUMENT');
      await expectCode(m.txn!([{ key: 'k', modRevision: -1 }], []), 'INVALID_ARGUMENT');
      await expectCode(
        meta.txn(
          [],
          [
            { type: 'put', key: 'k', value: '1' },
            { type: 'delete', key: 'k' },
          ],
        ),
        'INVALID_ARGUMENT',
      );
      expect(await meta.revision()).toBe(0);
    });

    it('keeps entries and revision across reopen (persistent implementations)', async () => {
      await meta.put('a', '1');
      await meta.put('b', '2');
      await meta.delete('a');
      await meta.txn([], [{ type: 'put', key: 'c', value: '3' }]);
      await meta.close();
      meta = await open();
      if (!harness.persistent) {
        expect(await meta.revision()).toBe(0);
        return;
      }
      expect(await meta.revision()).toBe(4);
      expect(await meta.list('')).toEqual([
        { key: 'b', value: '2', modRevision: 2 },
        { key: 'c', value: '3', modRevision: 4 },
      ]);
      expect(await meta.put('d', '4')).toBe(5);
    });

    it('throws CLOSED after close, and close is idempotent', async () => {
      await meta.put('a', '1');
      await meta.close();
      await meta.close();
      await expectCode(meta.get('a'), 'CLOSED');
      await expectCode(meta.list(''), 'CLOSED');
      await expectCode(meta.put('a', '2'), 'CLOSED');
      await expectCode(meta.delete('a'), 'CLOSED');
      await expectCode(meta.txn([], []), 'CLOSED');
      await expectCode(meta.revision(), 'CLOSED');
    });
  });
}
