/**
 * EtcdMetaStore against a real etcd: the MetaStore contract, then what only etcd brings. Two stores racing
 * on one root stay linearisable; watches replay and resume by store revision across reopen and across an
 * etcd restart; oversized requests are refused before they are sent; dead endpoints fail within the
 * deadline. Uses QUIVER_TEST_ETCD when set (CI starts one), else a throwaway etcd; each test gets its own
 * root. The pure parts (envelope, start-revision search) are tested without etcd at the end.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isQuiverError, QuiverError } from '../../src/errors.js';
import {
  decodeEnvelope,
  EtcdKeyspace,
  encodeEnvelope,
  MAX_TXN_OPS,
  MAX_VALUE_BYTES,
  prefixEnd,
} from '../../src/store/storage/etcd-keyspace.js';
import { EtcdMetaStore } from '../../src/store/storage/etcd-meta-store.js';
import { type CounterState, findStartRevision, type MetaChange } from '../../src/store/storage/etcd-watch.js';
import type { MetaOp } from '../../src/store/storage/meta-store.js';
import { runMetaStoreContract } from '../contracts/meta-store.contract.js';
import { expectCode } from '../helpers/errors.js';
import {
  deadPort,
  type EtcdCluster,
  etcdCompact,
  etcdDeletePrefix,
  etcdPutRaw,
  findEtcdBinary,
  startEtcd,
} from '../helpers/etcd.js';

const external = process.env.QUIVER_TEST_ETCD;
const binary = findEtcdBinary();
const inCi = Boolean(process.env.CI);
const noEtcd = external === undefined && binary === undefined && !inCi;
const title = noEtcd ? 'EtcdMetaStore (skipped: no etcd binary on PATH and QUIVER_TEST_ETCD unset)' : 'EtcdMetaStore';

const newRoot = (): string => `quiver-test/${randomUUID()}`;

/** Collects a watch's changes; `until(rev)` waits for the change at `rev`. */
function collector() {
  const changes: MetaChange[] = [];
  const errors: Error[] = [];
  return {
    changes,
    errors,
    onChange: (c: MetaChange) => changes.push(c),
    onError: (e: Error) => errors.push(e),
    until: (revision: number) =>
      vi.waitFor(() => expect(changes.at(-1)?.revision ?? 0).toBeGreaterThanOrEqual(revision), {
        timeout: 15_000,
        interval: 20,
      }),
  };
}

const put = (key: string, value: string, modRevision: number) => ({
  type: 'put' as const,
  entry: { key, value, modRevision },
});

describe.skipIf(noEtcd)(title, () => {
  let endpoint: string;
  let own: EtcdCluster | undefined;
  const roots: string[] = [];
  const stores: EtcdMetaStore[] = [];
  const open = async (root: string, deadlineMs?: number, endpoints = [endpoint]): Promise<EtcdMetaStore> => {
    const s = await EtcdMetaStore.open({ endpoints, root, deadlineMs });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    if (external !== undefined) {
      endpoint = external;
      return;
    }
    if (binary === undefined) throw new Error('CI is set but there is no etcd: install it or set QUIVER_TEST_ETCD');
    own = await startEtcd();
    endpoint = own.endpoints[0]!;
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    if (external !== undefined) for (const r of roots) await etcdDeletePrefix(endpoint, `${r}/`);
    await own?.stop();
  });

  runMetaStoreContract('EtcdMetaStore', async () => {
    const root = newRoot();
    return {
      persistent: true,
      open: () => EtcdMetaStore.open({ endpoints: [endpoint], root }),
      dispose: () => etcdDeletePrefix(endpoint, `${root}/`),
    };
  });

  describe('on a shared etcd', () => {
    const fresh = (): string => {
      const r = newRoot();
      roots.push(r);
      return r;
    };

    it('two stores on one root serialise racing CAS writes and blind puts: every write gets its own revision', async () => {
      const root = fresh();
      const [a, b] = [await open(root), await open(root)];
      expect(await a.put('counter', '0')).toBe(1);
      let conflicts = 0;
      const increment = async (s: EtcdMetaStore): Promise<number> => {
        for (;;) {
          const cur = (await s.get('counter'))!;
          const res = await s.txn(
            [{ key: 'counter', modRevision: cur.modRevision }],
            [{ type: 'put', key: 'counter', value: String(Number(cur.value) + 1) }],
          );
          if (res.succeeded) return res.revision;
          conflicts++;
        }
      };
      const writes = await Promise.all([
        ...Array.from({ length: 10 }, () => increment(a)),
        ...Array.from({ length: 10 }, () => increment(b)),
        ...Array.from({ length: 10 }, (_, i) => a.put(`blind/a${i}`, String(i))),
        ...Array.from({ length: 10 }, (_, i) => b.put(`blind/b${i}`, String(i))),
      ]);
      expect(writes.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
      expect(conflicts).toBeGreaterThan(0);
      expect((await b.get('counter'))?.value).toBe('20');
      expect(await a.revision()).toBe(41);
      expect(await b.list('')).toEqual(await a.list(''));
      // The history agrees: replaying it yields revisions 1..41, each once, with each entry's own stamp.
      const c = collector();
      const w = await a.watch('', { fromRevision: 1, onChange: c.onChange, onError: c.onError });
      await c.until(41);
      await w.close();
      expect(c.changes.map((ch) => ch.revision)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
      for (const ch of c.changes)
        for (const e of ch.events) expect(e.type === 'put' && e.entry.modRevision).toBe(ch.revision);
      expect(c.errors).toEqual([]);
    });

    it('a watch resumes from a revision after its store is closed and reopened, while other roots write', async () => {
      const root = fresh();
      const noise = await open(fresh());
      const s1 = await open(root);
      await s1.put('a', '1');
      await noise.put('x', '1');
      await noise.put('y', '2');
      await s1.put('b', '2');
      const first = collector();
      await s1.watch('', { fromRevision: 1, onChange: first.onChange, onError: first.onError });
      await first.until(2);
      expect(first.changes).toEqual([
        { revision: 1, events: [put('a', '1', 1)] },
        { revision: 2, events: [put('b', '2', 2)] },
      ]);
      await s1.close(); // closes its watch

      const s2 = await open(root);
      await s2.delete('a');
      await noise.put('z', '3');
      await s2.txn(
        [],
        [
          { type: 'put', key: 'c', value: 'C' },
          { type: 'put', key: 'd', value: 'D' },
          { type: 'delete', key: 'b' },
        ],
      );
      await noise.delete('x');
      await s2.put('e', 'E');
      await s2.close();

      const s3 = await open(root);
      const resumed = collector();
      await s3.watch('', { fromRevision: 3, onChange: resumed.onChange, onError: resumed.onError });
      const onlyC = collector();
      await s3.watch('c', { fromRevision: 1, onChange: onlyC.onChange, onError: onlyC.onError });
      const live = collector();
      await s3.watch('', { onChange: live.onChange, onError: live.onError });
      await resumed.until(5);
      expect(resumed.changes).toEqual([
        { revision: 3, events: [{ type: 'delete', key: 'a' }] },
        { revision: 4, events: [put('c', 'C', 4), put('d', 'D', 4), { type: 'delete', key: 'b' }] },
        { revision: 5, events: [put('e', 'E', 5)] },
      ]);
      expect(await s3.put('c', 'live')).toBe(6);
      await Promise.all([resumed.until(6), onlyC.until(6), live.until(6)]);
      expect(onlyC.changes).toEqual([
        { revision: 4, events: [put('c', 'C', 4)] },
        { revision: 6, events: [put('c', 'live', 6)] },
      ]);
      expect(live.changes).toEqual([{ revision: 6, events: [put('c', 'live', 6)] }]);
      expect(first.changes).toHaveLength(2); // the closed store's watch saw nothing more
      expect([...first.errors, ...resumed.errors, ...onlyC.errors, ...live.errors]).toEqual([]);
    });

    it('a watch whose onChange throws stops and reports that error once', async () => {
      const s = await open(fresh());
      const boom = new Error('consumer failed');
      const errors: Error[] = [];
      let calls = 0;
      await s.watch('', {
        onChange: () => {
          calls++;
          throw boom;
        },
        onError: (e) => errors.push(e),
      });
      await s.put('a', '1');
      await vi.waitFor(() => expect(errors).toEqual([boom]), { timeout: 10_000, interval: 20 });
      await s.put('b', '2');
      await s.put('c', '3');
      expect(await s.revision()).toBe(3);
      expect(calls).toBe(1);
      expect(errors).toEqual([boom]);
    });

    it('refuses oversized values and txns before sending, and later calls go straight through', async () => {
      const s = await open(fresh(), 2000);
      expect(await s.put('a', 'x')).toBe(1);
      const tooBig = await expectCode(s.put('big', 'x'.repeat(MAX_VALUE_BYTES + 1)), 'INVALID_ARGUMENT');
      expect(tooBig.details).toMatchObject({ expected: MAX_VALUE_BYTES, received: MAX_VALUE_BYTES + 1 });
      // The limit is in UTF-8 bytes, not characters.
      await expectCode(s.put('wide', 'é'.repeat(MAX_VALUE_BYTES / 2 + 1)), 'INVALID_ARGUMENT');
      const half = 'h'.repeat(700 * 1024);
      const pair: MetaOp[] = [
        { type: 'put', key: 'p1', value: half },
        { type: 'put', key: 'p2', value: half },
      ];
      await expectCode(s.txn([], pair), 'INVALID_ARGUMENT');
      const many = (n: number): MetaOp[] =>
        Array.from({ length: n }, (_, i) => ({ type: 'put', key: `k${i}`, value: '' }));
      await expectCode(s.txn([], many(MAX_TXN_OPS + 1)), 'INVALID_ARGUMENT');
      await expectCode(s.put('lone', 'half a pair \ud800'), 'INVALID_ARGUMENT');
      expect(await s.revision()).toBe(1);
      // Nothing reached etcd, so its circuit breaker is closed: these answer at once, at the limits.
      const started = performance.now();
      expect(await s.put('b', 'y')).toBe(2);
      expect(performance.now() - started).toBeLessThan(1000);
      const atLimit = 'z'.repeat(MAX_VALUE_BYTES);
      expect(await s.put('max', atLimit)).toBe(3);
      expect((await s.get('max'))?.value).toBe(atLimit);
      expect((await s.txn([], many(MAX_TXN_OPS))).revision).toBe(4);
      expect((await s.list('k')).length).toBe(MAX_TXN_OPS);
    });

    it('keys not written by an EtcdMetaStore are CORRUPT, never misread', async () => {
      const root = fresh();
      const s = await open(root);
      await s.put('good', 'v');
      await etcdPutRaw(endpoint, `${root}/kv/planted`, 'plain text');
      await expectCode(s.get('planted'), 'CORRUPT');
      await expectCode(s.list(''), 'CORRUPT');
      expect((await s.get('good'))?.value).toBe('v');
      const other = fresh();
      await etcdPutRaw(endpoint, `${other}/rev`, 'seven');
      await expectCode(EtcdMetaStore.open({ endpoints: [endpoint], root: other }), 'CORRUPT');
    });
  });

  describe('unreachable etcd', () => {
    let blackhole: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Accepts TCP connections and never answers: the call hangs unless it has a deadline.
      blackhole = createServer((sock) => {
        sockets.add(sock);
        sock.on('error', () => {});
      });
      await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => blackhole.close(r));
    });

    async function failure(endpoints: string[], deadlineMs: number): Promise<{ err: QuiverError; ms: number }> {
      const started = performance.now();
      try {
        await open(newRoot(), deadlineMs, endpoints);
      } catch (err) {
        expect(isQuiverError(err), String(err)).toBe(true);
        return { err: err as QuiverError, ms: performance.now() - started };
      }
      throw new Error('open succeeded against an unreachable etcd');
    }

    it('a refused connection fails within the deadline with IO_ERROR', async () => {
      const { err, ms } = await failure([`http://127.0.0.1:${await deadPort()}`], 500);
      expect(err.code).toBe('IO_ERROR');
      expect(ms).toBeLessThan(500 + 1000);
    });

    it('a server that never answers fails at the deadline with TIMEOUT, not a hang', async () => {
      const { port } = blackhole.address() as { port: number };
      const { err, ms } = await failure([`http://127.0.0.1:${port}`], 500);
      expect(err.code).toBe('TIMEOUT');
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(500 + 1000);
    });
  });

  describe.skipIf(binary === undefined && !inCi)('on its own etcd', () => {
    let etcd: EtcdCluster;
    beforeAll(async () => {
      etcd = await startEtcd();
    });
    afterAll(async () => {
      await etcd?.stop();
    });

    it('fails calls within the deadline while etcd is down, and the watch resumes without gaps after a restart', async () => {
      const s = await open(newRoot(), 1500, etcd.endpoints);
      const c = collector();
      await s.watch('', { fromRevision: 1, onChange: c.onChange, onError: c.onError });
      for (let i = 1; i <= 3; i++) await s.put(`k${i}`, `v${i}`);
      await c.until(3);
      await etcd.members[0]!.kill();
      const started = performance.now();
      const down = await s.get('k1').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isQuiverError(down) && ['IO_ERROR', 'TIMEOUT'].includes(down.code), String(down)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1500 + 1000);
      await etcd.members[0]!.start();
      for (let i = 4; i <= 6; i++) expect(await s.put(`k${i}`, `v${i}`)).toBe(i);
      await c.until(6);
      expect(c.changes).toEqual(
        Array.from({ length: 6 }, (_, i) => ({ revision: i + 1, events: [put(`k${i + 1}`, `v${i + 1}`, i + 1)] })),
      );
      expect(c.errors).toEqual([]);
    });

    it('a watch from compacted history is NOT_FOUND; from retained history it works', async () => {
      const s = await open(newRoot(), 3000, etcd.endpoints);
      for (let i = 1; i <= 3; i++) await s.put('k', String(i));
      await etcdCompact(etcd.endpoints[0]!);
      const c = collector();
      await expectCode(s.watch('', { fromRevision: 1, onChange: c.onChange, onError: c.onError }), 'NOT_FOUND');
      await s.watch('', { fromRevision: 3, onChange: c.onChange, onError: c.onError });
      await s.put('k', '4');
      await c.until(4);
      expect(c.changes).toEqual([
        { revision: 3, events: [put('k', '3', 3)] },
        { revision: 4, events: [put('k', '4', 4)] },
      ]);
    });
  });
});

describe('EtcdMetaStore pure parts', () => {
  it('envelopes round-trip any value and reject what they did not write', () => {
    for (const value of ['', 'q1:9:nested', '\u0000\ufeffbom', 'ünï ✓ 𝄞', 'x'.repeat(1000)]) {
      expect(decodeEnvelope(encodeEnvelope(42, value), 'k')).toEqual({ modRevision: 42, value });
    }
    expect(() => decodeEnvelope(Buffer.from('hello'), 'k')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(() => decodeEnvelope(Buffer.from('q1:0:x'), 'k')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(() => decodeEnvelope(Buffer.from('q1:07:x'), 'k')).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(() => decodeEnvelope(Buffer.from([0x71, 0x31, 0x3a, 0x31, 0x3a, 0xff]), 'k')).toThrow(
      expect.objectContaining({ code: 'CORRUPT' }),
    );
    expect(() => decodeEnvelope(Buffer.from('q2:5:x'), 'k')).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_FORMAT' }),
    );
  });

  it('lays keys out under the root and computes prefix ends', () => {
    const space = new EtcdKeyspace('quiver/a');
    expect(space.counterKey.toString()).toBe('quiver/a/rev');
    expect(space.dataKey('col/x').toString()).toBe('quiver/a/kv/col/x');
    expect(space.userKey(Buffer.from('quiver/a/kv/col/x'))).toBe('col/x');
    expect(space.userKey(Buffer.from('quiver/a/rev'))).toBeUndefined();
    expect(new EtcdKeyspace('quiver/a/').counterKey.toString()).toBe('quiver/a/rev');
    expect(prefixEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixEnd(Buffer.from('a/'))).toEqual(Buffer.from('a0'));
  });

  /** A fake etcd history: `ours[g]` says whether etcd revision g was a write of this root; the rest is noise. */
  function history(ours: boolean[], compactedBelow = 0) {
    const at: CounterState[] = [{ revision: 0, etcdRevision: 0 }];
    const writes: number[] = [0]; // writes[r] = etcd revision of store revision r
    for (let g = 1; g < ours.length; g++) {
      const prev = at[g - 1]!;
      at.push(ours[g] ? { revision: prev.revision + 1, etcdRevision: g } : prev);
      if (ours[g]) writes.push(g);
    }
    const last = ours.length - 1;
    let reads = 0;
    const readAt = async (g: number): Promise<CounterState | 'compacted'> => {
      reads++;
      if (g < 1 || g > last) throw new Error(`read outside the history: ${g}`);
      return g < compactedBelow ? 'compacted' : at[g]!;
    };
    const head = { ...at[last]!, createRevision: writes[1] ?? 0, headerRevision: last };
    return { writes, head, readAt, reads: () => reads };
  }

  it('finds the etcd revision of every store revision, in one read when the root is alone', async () => {
    const alone = history([false, false, true, true, true, true]);
    for (let r = 1; r <= 4; r++) {
      const before = alone.reads();
      expect(await findStartRevision(r, alone.head, alone.readAt)).toBe(alone.writes[r]);
      expect(alone.reads() - before).toBeLessThanOrEqual(1);
    }
    expect(await findStartRevision(5, alone.head, alone.readAt)).toBe(6);
    let seed = 7; // a fixed Lehmer sequence (MINSTD): the same "random" history every run
    const random = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const busy = history(Array.from({ length: 5000 }, (_, g) => g > 0 && random() < 0.1));
    const last = busy.head.revision;
    expect(last).toBeGreaterThan(300);
    for (let r = 1; r <= last; r++) {
      const before = busy.reads();
      expect(await findStartRevision(r, busy.head, busy.readAt)).toBe(busy.writes[r]);
      expect(busy.reads() - before).toBeLessThanOrEqual(14); // ~log2 of the 5000 revisions
    }
  });

  it('never returns a wrong revision when history is compacted: NOT_FOUND or the exact one', async () => {
    const ours = Array.from({ length: 400 }, (_, g) => g > 0 && g % 3 === 0);
    const h = history(ours, 200);
    for (let r = 1; r <= h.head.revision; r++) {
      const result = await findStartRevision(r, h.head, h.readAt).catch((e: unknown) => e);
      if (h.writes[r]! >= 200) expect(result).toBe(h.writes[r]);
      else if (result instanceof QuiverError) expect(result.code).toBe('NOT_FOUND');
      else expect(result).toBe(h.writes[r]);
    }
  });
});
