/**
 * The cluster WAL (object storage as the log, the MetaStore as the commit point): dense sequence numbers under
 * concurrent writers, no orphan objects after lost races, exactly-once commits when a commit's outcome is
 * unknown (applied, not applied, or overtaken by another writer), checksums on read, and the same concurrency
 * test on a real etcd.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SharedWal } from '../../src/cluster/shared-wal.js';
import { QuiverError } from '../../src/errors.js';
import { EtcdMetaStore } from '../../src/store/storage/etcd-meta-store.js';
import { LocalObjectStore } from '../../src/store/storage/local-object-store.js';
import { MemoryMetaStore } from '../../src/store/storage/memory-meta-store.js';
import { MemoryObjectStore } from '../../src/store/storage/memory-object-store.js';
import type { MetaCompare, MetaOp, MetaStore, MetaTxnResult } from '../../src/store/storage/meta-store.js';
import { expectCode } from '../helpers/errors.js';
import { type EtcdCluster, etcdDeletePrefix, findEtcdBinary, startEtcd } from '../helpers/etcd.js';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

async function replayAll(wal: SharedWal): Promise<{ seq: number; text: string }[]> {
  const out = [];
  for await (const e of wal.replay()) out.push({ seq: e.seq, text: decode(e.payload) });
  return out;
}

/** A MetaStore whose next txn fails with an unknown outcome, after applying it or without. */
class FlakyMeta implements MetaStore {
  failNext: 'applied' | 'not-applied' | undefined;
  /** Runs between the failed txn and the caller's next call, to let another writer act. */
  meanwhile: (() => Promise<void>) | undefined;
  constructor(readonly inner: MetaStore) {}
  get = (key: string) => this.inner.get(key);
  list = (prefix: string) => this.inner.list(prefix);
  put = (key: string, value: string) => this.inner.put(key, value);
  delete = (key: string) => this.inner.delete(key);
  revision = () => this.inner.revision();
  close = () => this.inner.close();
  async txn(compares: MetaCompare[], ops: MetaOp[]): Promise<MetaTxnResult> {
    const mode = this.failNext;
    this.failNext = undefined;
    if (mode === undefined) return this.inner.txn(compares, ops);
    if (mode === 'applied') await this.inner.txn(compares, ops);
    await this.meanwhile?.();
    throw new QuiverError('TIMEOUT', 'deadline passed', { outcome: 'unknown' });
  }
}

describe('SharedWal on memory stores', () => {
  test('appends get dense sequence numbers; replay returns the batches in order', async () => {
    const wal = new SharedWal({
      meta: new MemoryMetaStore(),
      objects: new MemoryObjectStore(),
      root: 'wal/c',
      dir: 'data/c',
    });
    expect(await wal.committed()).toBe(0);
    for (const s of ['a', 'b', 'c']) await wal.append(text(s));
    expect(await wal.committed()).toBe(3);
    expect(await replayAll(wal)).toEqual([
      { seq: 1, text: 'a' },
      { seq: 2, text: 'b' },
      { seq: 3, text: 'c' },
    ]);
    expect((await wal.entries(1)).map((e) => e.seq)).toEqual([2, 3]);
  });

  test('four concurrent writers: 100 batches, sequences 1..100, each batch once, no orphan objects', async () => {
    const meta = new MemoryMetaStore();
    const objects = new MemoryObjectStore();
    const writers = Array.from({ length: 4 }, () => new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' }));
    const seqs = await Promise.all(
      writers.flatMap((w, i) => Array.from({ length: 25 }, (_, j) => w.append(text(`w${i}-${j}`)))),
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const replayed = await replayAll(writers[0]!);
    expect(replayed.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(new Set(replayed.map((r) => r.text)).size).toBe(100);
    expect((await objects.list('data/c/wal/')).length).toBe(100);
  });

  test('an unknown outcome that was applied counts once, and its object stays', async () => {
    const meta = new FlakyMeta(new MemoryMetaStore());
    const objects = new MemoryObjectStore();
    const wal = new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' });
    meta.failNext = 'applied';
    expect(await wal.append(text('once'))).toBe(1);
    expect(await wal.append(text('next'))).toBe(2);
    expect(await replayAll(wal)).toEqual([
      { seq: 1, text: 'once' },
      { seq: 2, text: 'next' },
    ]);
    expect((await objects.list('data/c/wal/')).length).toBe(2);
  });

  test('an unknown outcome that was not applied is retried with the same object', async () => {
    const meta = new FlakyMeta(new MemoryMetaStore());
    const objects = new MemoryObjectStore();
    const wal = new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' });
    meta.failNext = 'not-applied';
    expect(await wal.append(text('retried'))).toBe(1);
    expect(await replayAll(wal)).toEqual([{ seq: 1, text: 'retried' }]);
    expect((await objects.list('data/c/wal/')).length).toBe(1);
  });

  test('an unknown outcome overtaken by another writer is abandoned, its object deleted, then committed later', async () => {
    const inner = new MemoryMetaStore();
    const objects = new MemoryObjectStore();
    const meta = new FlakyMeta(inner);
    const slow = new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' });
    const fast = new SharedWal({ meta: inner, objects, root: 'wal/c', dir: 'data/c' });
    meta.failNext = 'not-applied';
    meta.meanwhile = async () => {
      await fast.append(text('fast'));
    };
    expect(await slow.append(text('slow'))).toBe(2);
    expect(await replayAll(fast)).toEqual([
      { seq: 1, text: 'fast' },
      { seq: 2, text: 'slow' },
    ]);
    expect((await objects.list('data/c/wal/')).length).toBe(2);
  });

  test('a changed object is CORRUPT on read; a missing entry is CORRUPT on replay', async () => {
    const meta = new MemoryMetaStore();
    const backing = new Map<string, Uint8Array>();
    const wal = new SharedWal({ meta, objects: new MemoryObjectStore(backing), root: 'wal/c', dir: 'data/c' });
    await wal.append(text('one'));
    await wal.append(text('two'));
    const [first] = await wal.entries();
    backing.set(first!.object, text('ONE'));
    await expectCode(wal.read(first!), 'CORRUPT');
    backing.set(first!.object, text('one'));
    await meta.delete('wal/c/entries/00000000000000000001');
    await expectCode(replayAll(wal), 'CORRUPT');
  });

  test('errors that are not an unknown outcome are passed on unchanged', async () => {
    const meta = new MemoryMetaStore();
    await meta.close();
    const wal = new SharedWal({ meta, objects: new MemoryObjectStore(), root: 'wal/c', dir: 'data/c' });
    await expectCode(wal.append(text('x')), 'CLOSED');
  });
});

const external = process.env.QUIVER_TEST_ETCD;
const binary = findEtcdBinary();
const noEtcd = external === undefined && binary === undefined && !process.env.CI;

describe.skipIf(noEtcd)('SharedWal on a real etcd and a local object folder', () => {
  let endpoint: string;
  let own: EtcdCluster | undefined;
  let dir: string;
  const root = `quiver-test/${randomUUID()}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-shared-wal-'));
    if (external !== undefined) endpoint = external;
    else {
      own = await startEtcd();
      endpoint = own.endpoints[0]!;
    }
  }, 30_000);
  afterAll(async () => {
    if (external !== undefined) await etcdDeletePrefix(endpoint, `${root}/`);
    await own?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('three writers on three connections: 60 batches, dense and each once', async () => {
    const metas = await Promise.all([0, 1, 2].map(() => EtcdMetaStore.open({ endpoints: [endpoint], root })));
    const objects = await LocalObjectStore.open(dir);
    try {
      const writers = metas.map((meta) => new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' }));
      await Promise.all(writers.flatMap((w, i) => Array.from({ length: 20 }, (_, j) => w.append(text(`${i}:${j}`)))));
      const replayed = await replayAll(writers[1]!);
      expect(replayed.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(new Set(replayed.map((r) => r.text)).size).toBe(60);
      expect((await objects.list('data/c/wal/')).length).toBe(60);
    } finally {
      for (const m of metas) await m.close();
      await objects.close();
    }
  }, 60_000);
});
