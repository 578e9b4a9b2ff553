/**
 * Following the cluster WAL: catch-up from a sequence number, then every new batch applied once and in order,
 * by polling (memory MetaStore) or by an etcd prefix watch; `waitFor` as a strong read uses it (100 writes, each
 * visible right after its acknowledgement); timeouts, corrupt batches, failing applies and close.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SharedWal } from '../../src/cluster/shared-wal.js';
import { WalFollower } from '../../src/cluster/wal-follower.js';
import { EtcdMetaStore } from '../../src/store/storage/etcd-meta-store.js';
import { LocalObjectStore } from '../../src/store/storage/local-object-store.js';
import { MemoryMetaStore } from '../../src/store/storage/memory-meta-store.js';
import { MemoryObjectStore } from '../../src/store/storage/memory-object-store.js';
import { expectCode } from '../helpers/errors.js';
import { type EtcdCluster, etcdDeletePrefix, findEtcdBinary, startEtcd } from '../helpers/etcd.js';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

function recorder() {
  const applied: { seq: number; text: string }[] = [];
  return {
    applied,
    apply: async (seq: number, payload: Uint8Array) => void applied.push({ seq, text: decode(payload) }),
  };
}

describe('WalFollower on memory stores (polling)', () => {
  test('catches up after a sequence number, then applies new batches once, in order', async () => {
    const meta = new MemoryMetaStore();
    const objects = new MemoryObjectStore();
    const wal = new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' });
    for (let i = 1; i <= 5; i++) await wal.append(text(`b${i}`));
    const r = recorder();
    const follower = await WalFollower.start({ wal, meta, root: 'wal/c', afterSeq: 2, apply: r.apply, pollMs: 5 });
    try {
      expect(r.applied.map((a) => a.seq)).toEqual([3, 4, 5]);
      const writer = new SharedWal({ meta, objects, root: 'wal/c', dir: 'data/c' });
      const seqs = await Promise.all(Array.from({ length: 10 }, (_, i) => writer.append(text(`n${i}`))));
      await follower.waitFor(Math.max(...seqs));
      expect(r.applied.map((a) => a.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 3));
      expect(follower.applied).toBe(15);
    } finally {
      await follower.close();
    }
  });

  test('waitFor times out with TIMEOUT when nothing is committed; close rejects waiters with CLOSED', async () => {
    const meta = new MemoryMetaStore();
    const wal = new SharedWal({ meta, objects: new MemoryObjectStore(), root: 'wal/c', dir: 'data/c' });
    const follower = await WalFollower.start({ wal, meta, root: 'wal/c', apply: async () => {}, pollMs: 5 });
    await expectCode(follower.waitFor(1, 50), 'TIMEOUT');
    const pending = follower.waitFor(2, 5_000);
    await follower.close();
    await expectCode(pending, 'CLOSED');
  });

  test('a corrupt batch stops following: onError gets CORRUPT and waiters are rejected', async () => {
    const meta = new MemoryMetaStore();
    const backing = new Map<string, Uint8Array>();
    const wal = new SharedWal({ meta, objects: new MemoryObjectStore(backing), root: 'wal/c', dir: 'data/c' });
    const errors: unknown[] = [];
    const follower = await WalFollower.start({
      wal,
      meta,
      root: 'wal/c',
      apply: async () => {},
      pollMs: 5,
      onError: (e) => errors.push(e),
    });
    try {
      await wal.append(text('good'));
      await follower.waitFor(1);
      await wal.append(text('bad'));
      const [, second] = await wal.entries();
      backing.set(second!.object, text('BAD'));
      await expectCode(follower.waitFor(2, 2_000), 'CORRUPT');
      expect((errors[0] as { code: string }).code).toBe('CORRUPT');
      expect(follower.applied).toBe(1);
    } finally {
      await follower.close();
    }
  });

  test('a failing apply stops following at the batch before it', async () => {
    const meta = new MemoryMetaStore();
    const wal = new SharedWal({ meta, objects: new MemoryObjectStore(), root: 'wal/c', dir: 'data/c' });
    for (const s of ['a', 'b', 'c']) await wal.append(text(s));
    const errors: unknown[] = [];
    await expect(
      WalFollower.start({
        wal,
        meta,
        root: 'wal/c',
        apply: async (seq) => {
          if (seq === 2) throw new Error('disk full');
        },
        onError: (e) => errors.push(e),
      }),
    ).rejects.toThrow('disk full');
  });
});

const external = process.env.QUIVER_TEST_ETCD;
const noEtcd = external === undefined && findEtcdBinary() === undefined && !process.env.CI;

describe.skipIf(noEtcd)('WalFollower on a real etcd (watch)', () => {
  let endpoint: string;
  let own: EtcdCluster | undefined;
  let dir: string;
  const root = `quiver-test/${randomUUID()}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-wal-follower-'));
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

  test('strong reads: 100 writes, each applied by the follower right after its acknowledgement', async () => {
    const writerMeta = await EtcdMetaStore.open({ endpoints: [endpoint], root });
    const readerMeta = await EtcdMetaStore.open({ endpoints: [endpoint], root });
    const objects = await LocalObjectStore.open(dir);
    const writer = new SharedWal({ meta: writerMeta, objects, root: 'wal/c', dir: 'data/c' });
    await writer.append(text('before'));
    const r = recorder();
    const follower = await WalFollower.start({
      wal: new SharedWal({ meta: readerMeta, objects, root: 'wal/c', dir: 'data/c' }),
      meta: readerMeta,
      root: 'wal/c',
      apply: r.apply,
      // Polling would also work; a long interval makes sure the watch is what delivers.
      pollMs: 60_000,
    });
    try {
      expect(r.applied).toEqual([{ seq: 1, text: 'before' }]);
      for (let i = 0; i < 100; i++) {
        const seq = await writer.append(text(`w${i}`));
        // A strong read: the committed sequence is known; wait until this node has applied it.
        await follower.waitFor(seq, 5_000);
        expect(r.applied.at(-1)).toEqual({ seq, text: `w${i}` });
      }
      expect(r.applied.map((a) => a.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    } finally {
      await follower.close();
      await writerMeta.close();
      await readerMeta.close();
      await objects.close();
    }
  }, 60_000);
});
